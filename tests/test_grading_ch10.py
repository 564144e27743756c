"""The grader of chapter 10 (10.1, do_move_pages), judged on the answers students can give.

The solution and the untouched student function come from the built notebooks
solutions/10-what-2.6.18-shipped.ipynb and its student copy in exercises/
(tests/test_course.py keeps both in sync with the .md source).
"""

from pathlib import Path

import pytest

from migsim import kbuild
from migsim.grading import grade
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "10-what-2.6.18-shipped.ipynb"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answer(source, cell="answer"):
    """The chapter's setup cell, then `source` as a cell of its own: its do_move_pages."""
    return chapter_cells.answer(SOLUTION["setup"], source, "do_move_pages", cell)


def edited(old, new):
    source = SOLUTION["fix_do_move_pages"]
    assert source.count(old) == 1, old
    return answer(source.replace(old, new))


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("10.1", do_move_pages=answer(STUDENT["fix_do_move_pages"]))
    assert not v.passed and v.score == 0 and v.total == 8
    assert one_line(v).startswith("Exercise 10.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check():
    v = grade("10.1", do_move_pages=answer(SOLUTION["fix_do_move_pages"]))
    assert v.passed and one_line(v) == "Exercise 10.1: correct (8/8 checks)"


def test_the_function_as_registered_passes():
    (version,) = kbuild.REGISTRY["do_move_pages"]
    assert grade("10.1", do_move_pages=version.obj).passed


@pytest.mark.parametrize("old, new, failing", [
    # moves a page another process maps too, although MPOL_MF_MOVE_ALL was not asked for
    ("if page_mapcount(page) <= 1 or migrate_all:", "if True:", "-EACCES without MPOL_MF_MOVE_ALL"),
    # says the page will move without asking whether it could be isolated
    ("err = yield from k.isolate_lru_page(page, pagelist)",
     "yield from k.isolate_lru_page(page, pagelist)\n                        err = pp.node", "-EBUSY"),
    # forgets to remember the page: the allocator cannot tell which status is whose
    ("pp.page = page\n", "pass\n", "two pages move"),
    # an address without a vma reported as a page not present
    ("err = -EFAULT\n", "err = -ENOENT\n", "-EFAULT"),
], ids=["moves-shared-pages", "ignores-ebusy", "forgets-pp-page", "enoent-for-no-vma"])
def test_plausible_wrong_answers_fail(old, new, failing):
    v = grade("10.1", do_move_pages=edited(old, new))
    assert not v.passed
    assert failing in one_line(v), v.details()


def test_forgetting_follow_pages_reference_fails():
    v = grade("10.1", do_move_pages=edited("                put_page(page)                # follow_page's reference\n",
                                           ""))
    assert not v.passed, v.details()


DIFFERENT = '''\
        vma = k.find_vma(mm, pp.addr)
        page = None if vma is None else (yield from k.follow_page(vma, pp.addr, FOLL_GET))
        if vma is None:
            pp.status = -EFAULT
            continue
        if page is None:
            pp.status = -ENOENT
            continue
        pp.page = page
        if page.node == pp.node:
            pp.status = pp.node               # already where it should be
        elif page_mapcount(page) > 1 and not migrate_all:
            pp.status = -EACCES               # someone else's too
        else:
            pp.status = yield from k.isolate_lru_page(page, pagelist)
        put_page(page)
'''


def test_a_differently_written_correct_answer_passes():
    source = SOLUTION["fix_do_move_pages"]
    start = source.index("        ### BEGIN SOLUTION")
    end = source.index("        ### END SOLUTION\n") + len("        ### END SOLUTION\n")
    v = grade("10.1", do_move_pages=answer(source[:start] + DIFFERENT + source[end:]))
    assert v.passed, v.details()
