"""The grader of chapter 04 (04.1, fallback_migrate_page), judged on the answers students can give.

The solution and the untouched student function come from the built
notebooks solutions/04-unmap-first.ipynb and exercises/04-unmap-first.ipynb,
so these tests check what students see.
"""

from pathlib import Path

import pytest

from migsim import kbuild
from migsim.errors import MigsimError
from migsim.grading import grade
from migsim.grading.ch04 import FIX_04_1
from migsim.grading.core import Fix
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "04-unmap-first.ipynb"
NAME = "fallback_migrate_page"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answer(source):
    """Run the chapter's setup cell, then `source` as a cell: its fallback_migrate_page."""
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    exec(compile(source, "<cell answer>", "exec"), ns)
    return ns[NAME]


def body(text):
    """An answer cell whose function body is `text` (indented by 4)."""
    return f"def {NAME}(k, mapping, newpage, page):\n" + "".join(
        "    " + line + "\n" if line else "\n" for line in text.splitlines())


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_grader_builds_at_fallback_function_itself():
    # `before` names the kernel the answer runs in: here the patch's own step.
    assert (FIX_04_1.step, FIX_04_1.before, FIX_04_1.at) == ("fallback-function", "fallback-function",
                                                            "fallback-function")


def test_a_fix_exercise_with_a_bad_build_step_is_refused():
    with pytest.raises(MigsimError, match=r"unknown step 'nowhere'"):
        Fix("9.9", "fallback-function", "t", functions=[NAME], checks=[], at="nowhere")


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("04.1", fallback_migrate_page=answer(STUDENT["fix_fallback_migrate_page"]))
    assert not v.passed and v.score == 0 and v.total == 14
    assert one_line(v).startswith("Exercise 04.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION["fix_fallback_migrate_page"])
    v = grade("04.1", fallback_migrate_page=fn)
    assert v.passed and one_line(v) == "Exercise 04.1: correct (14/14 checks)"
    assert grade("04.1", fallback_migrate_page=fn, hidden=True).passed


def test_the_function_as_registered_passes():
    [v] = [v.obj for v in kbuild.REGISTRY[NAME] if v.since == "fallback-function"]
    assert grade("04.1", fallback_migrate_page=v).passed


def edited(old, new):
    """The solution's fallback_migrate_page with `old` replaced by `new` (which must occur once)."""
    source = SOLUTION["fix_fallback_migrate_page"]
    assert source.count(old) == 1, old
    return answer(source.replace(old, new))


RELOCK = "yield from k.lock_page(page)      # the write unlocked the page: take it back"
NOT_WRITTEN = "if result in (PAGE_KEEP, PAGE_ACTIVATE):"
RELEASE = "if PagePrivate(page) and not k.try_to_release_page(page):"


@pytest.mark.parametrize("old, new, failing", [
    # the inline code of pass-mapping moved as it stood: after PAGE_SUCCESS the page comes back
    # unlocked, and migrate_pages' own unlock_page(page) hits an unlocked page
    (RELOCK, "pass", "written out (PAGE_SUCCESS), locked again, moved next pass: expected no kernel "
                     "failure; got kernel BUG at mm/filemap.c! unlock_page of unlocked pfn 0x1000"),
    # only a failed write is retried: PAGE_ACTIVATE goes on and moves a page still dirty
    (NOT_WRITTEN, "if result == PAGE_KEEP:",
     "PAGE_ACTIVATE (no writepage): the dirty page never moves: expected no kernel failure; "
     "got Bad page state: journal: its own dirty list points at pfn 0x1000, which is free"),
    # buffers not dropped first: the page moves and leaves its buffers on the old frame
    (RELEASE, "if False:", "a page with clean buffers: they are dropped, the page moves: "
                           "expected no kernel failure"),
    # PAGE_CLEAN taken for "not written yet": a page that could move now waits a pass
    ("# PAGE_CLEAN: nothing to write, go on", "return -EAGAIN",
     "PAGE_CLEAN: the page moves in the same call: expected the page moved by the same call (0), "
     "no retry; got return values [-11, 0]"),
    # re-locks after PAGE_KEEP too, when the page is still locked by us: it waits forever
    (NOT_WRITTEN, "if result == PAGE_KEEP:\n            yield from k.lock_page(page)\n"
                  "        if result in (PAGE_KEEP, PAGE_ACTIVATE):",
     "PAGE_KEEP: retried on every pass, the page kept dirty: expected the migration to finish; "
     "got it waits forever in lock_page"),
], ids=["no-relock", "activate-moves", "keeps-buffers", "clean-retried", "relock-after-keep"])
def test_plausible_wrong_answers_fail(old, new, failing):
    v = grade("04.1", fallback_migrate_page=edited(old, new))
    assert not v.passed
    assert failing in one_line(v), v.details()


DIFFERENT = """\
# Only clean pages without buffers may move; everything else asks for another pass.
written = k.pageout(page, mapping) if PageDirty(page) else PAGE_CLEAN
if written == PAGE_SUCCESS:
    yield from k.lock_page(page)
if written != PAGE_CLEAN:
    return -EAGAIN
if not PagePrivate(page) or k.try_to_release_page(page):
    rc = yield from k.migrate_page(mapping, newpage, page)
    return rc
return -EAGAIN
"""


def test_a_differently_written_correct_answer_passes():
    v = grade("04.1", fallback_migrate_page=answer(body(DIFFERENT)))
    assert v.passed, v.details()


def test_an_answer_that_never_sleeps_is_refused_in_one_line():
    v = grade("04.1", fallback_migrate_page=answer(body("return -EAGAIN")))
    assert not v.passed
    assert "fallback_migrate_page must be a generator" in one_line(v)
