"""The graders of chapter 03, judged on the answers students can give.

The solution and the untouched student functions come from the built
notebooks solutions/03-the-reference-count-rule.ipynb and its student copy
exercises/03-the-reference-count-rule.ipynb (tests/test_course.py keeps them in
sync with the .md source), so these tests check what students see.
"""

from pathlib import Path

import pytest

from migsim import kbuild
from migsim.grading import grade
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "03-the-reference-count-rule.ipynb"
COUNT = "expected = 2 + (1 if PagePrivate(page) else 0)"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answer(source, name):
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    exec(compile(source, "<cell answer>", "exec"), ns)
    return ns[name]


def with_count(expr):
    """The solution's migrate_page_remove_references with `expected = expr`."""
    source = SOLUTION["fix_remove_references"]
    assert source.count(COUNT) == 1
    return answer(source.replace(COUNT, f"expected = {expr}"), "migrate_page_remove_references")


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


# --- 03.1, the fix ---------------------------------------------------------------------------------

def test_the_untouched_fix_exercise_fails_with_a_helpful_line():
    v = grade("03.1", migrate_page_remove_references=answer(STUDENT["fix_remove_references"],
                                                            "migrate_page_remove_references"))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 03.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION["fix_remove_references"], "migrate_page_remove_references")
    v = grade("03.1", migrate_page_remove_references=fn)
    assert v.passed and v.score == v.total == 8
    assert one_line(v) == "Exercise 03.1: correct (8/8 checks)"
    assert grade("03.1", hidden=True, migrate_page_remove_references=fn).passed


def test_the_patch_as_registered_passes():
    reg = next(v.obj for v in kbuild.REGISTRY["migrate_page_remove_references"] if v.since == "drop-nr-refs")
    assert grade("03.1", migrate_page_remove_references=reg).passed


def test_the_count_migrate_page_passed_before_the_patch_fails_on_buffers():
    # At remove-definitions migrate_page passed 2: right for every page but one with buffers.
    v = grade("03.1", migrate_page_remove_references=with_count("2"))
    assert not v.passed
    assert "pages of every kind move" in one_line(v) and "ext2 page on node 1" in v.message


@pytest.mark.parametrize("expr, failing", [
    ("3", "the anon page on node 1"),                                  # buffer_migrate_page's count for all
    ("2 + (1 if page.private else 0)", "the anon page on node 1"),     # private holds the swap entry too
    ("page._count", "with a reference held, the anon page stays"),     # trusts whatever it sees
    ("page_mapcount(page) + 3", "the anon page on node 1"),           # counts ptes (none are left) and buffers always
], ids=["three", "private-field", "any-count", "mapcount-plus-three"])
def test_plausible_wrong_answers_fail(expr, failing):
    v = grade("03.1", migrate_page_remove_references=with_count(expr))
    assert not v.passed
    assert failing in one_line(v), v.details()


@pytest.mark.parametrize("expr", [
    "3 if PagePrivate(page) else 2",
    "1 + 1 + int(bool(PagePrivate(page)))",
    "page_mapcount(page) + 2 + (PagePrivate(page) and 1 or 0)",      # no ptes are left: the same number
])
def test_differently_written_correct_answers_pass(expr):
    v = grade("03.1", migrate_page_remove_references=with_count(expr))
    assert v.passed, v.details()


def test_an_answer_that_keeps_nr_refs_is_told_the_parameters():
    source = SOLUTION["fix_remove_references"].replace("(k, newpage, page):", "(k, newpage, page, nr_refs):", 1)
    v = grade("03.1", migrate_page_remove_references=answer(source, "migrate_page_remove_references"))
    assert not v.passed
    assert "must take (k, newpage, page)" in one_line(v)


def test_an_answer_that_returns_nonsense_gets_a_verdict():
    source = SOLUTION["fix_remove_references"]
    source = source[:source.rindex("return 0")] + "return 'moved'"     # its last line
    v = grade("03.1", migrate_page_remove_references=answer(source, "migrate_page_remove_references"))
    assert not v.passed and "expected 0, -EAGAIN or -EPERM" in one_line(v)


# --- 03.2, the find --------------------------------------------------------------------------------

def setup_from(body):
    return answer("def setup(k):\n" + "".join("    " + line + "\n" for line in body.splitlines()), "setup")


def test_the_untouched_find_exercise_fails_with_a_helpful_line():
    v = grade("03.2", setup=answer(STUDENT["find_setup"], "setup"))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 03.2: at remove-definitions: not answered yet")


def test_the_find_solution_passes():
    v = grade("03.2", setup=answer(SOLUTION["find_setup"], "setup"))
    assert v.passed and one_line(v) == "Exercise 03.2: correct (2/2 checks)"


BASE = """k.sys_swapon(8)
p = k.spawn("dd")
a = p.mmap(2)
p.write(a, b"one")
p.write(a + 4096, b"two")
page = k.page(p, a)
"""


@pytest.mark.parametrize("body, words", [
    (BASE + "return p.pid, lambda: None", "leave a page behind"),                  # holds nothing
    (BASE + "get_page(page)\nreturn p.pid, lambda: None", "count"),                # never lets go
    (BASE + "get_page(page)\nget_page(page)\nreturn p.pid, lambda: put_page(page)", "count"),   # lets go of one
    (BASE + "get_page(page)\nreturn p.pid", "return (pid, release)"),                # no way to let go
], ids=["holds-nothing", "never-releases", "releases-too-little", "no-release"])
def test_wrong_setups_fail(body, words):
    v = grade("03.2", setup=setup_from(body))
    assert not v.passed
    assert words in one_line(v), v.details()


def test_a_differently_written_setup_passes():
    # A listfs page (no buffers) pinned from a list, released by a named function.
    body = """k.sys_swapon(4)
f = k.create_file("log", 2, fs="listfs")
p = k.spawn("tail")
a = p.mmap(2, file=f, shared=True)
p.read(a, 1)
p.read(a + 4096, 1)
pinned = [k.page(p, a + 4096)]
for page in pinned:
    get_page(page)
def release():
    while pinned:
        put_page(pinned.pop())
return p.pid, release"""
    v = grade("03.2", setup=setup_from(body))
    assert v.passed, v.details()


def test_a_setup_that_raises_gets_a_verdict():
    v = grade("03.2", setup=setup_from("return 1 / 0"))
    assert not v.passed and "ZeroDivisionError" in one_line(v)


def test_bad_use_of_the_find_grader_is_a_migsim_error_or_a_verdict():
    from migsim.errors import MigsimError
    with pytest.raises(MigsimError, match=r"expected grade\('03.2', setup=...\)"):
        grade("03.2", schedule="M3")
    v = grade("03.2", setup="not a function")
    assert not v.passed and "setup must be a function" in one_line(v)
