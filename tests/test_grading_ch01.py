"""The grader of chapter 01 (exercise 01.1, buffer_migrate_page as a module), judged on the answers students can give.

The solution and the untouched student function come from the built
notebooks solutions/01-centralize.ipynb and exercises/01-centralize.ipynb,
so these tests check what students see.
"""

from pathlib import Path

import pytest

import migsim
from migsim.grading import grade
from migsim.grading.ch01 import as_module
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "01-centralize.ipynb"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")
CELL = "build_buffer_migrate_page"


def answer(source, name="buffer_migrate_page"):
    """Run the chapter's setup cell, then `source` as a cell of its own: the function `name`."""
    return chapter_cells.answer(SOLUTION["setup"], source, name)


def edited(old, new):
    source = SOLUTION[CELL]
    assert source.count(old) == 1, old
    return answer(source.replace(old, new))


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


def test_the_unexported_call_fails_only_the_link_check():
    fn = edited("    bhs = page_buffers(page)\n", "    yield from k.try_to_unmap(page, 1)\n    bhs = page_buffers(page)\n")
    v = grade("01.1", buffer_migrate_page=fn)
    assert v.score == v.total - 1 and "it calls try_to_unmap, not exported there" in v.message


def test_the_module_links_until_remove_definitions_and_not_there():
    fn = answer(SOLUTION[CELL])
    assert as_module(fn).needs == ("migrate_page_copy", "migrate_page_remove_references")
    for at in ("v2.6.16", "reorg", "fixups", "group-functions"):
        assert migsim.Kernel(at=at, seed=1).sys_init_module(as_module(fn)) == 0, at
    k = migsim.Kernel(at="remove-definitions", seed=1)
    assert k.sys_init_module(as_module(fn)) == -2
    assert k.dmesg[-2:] == ["myfs: Unknown symbol migrate_page_copy",
                            "myfs: Unknown symbol migrate_page_remove_references"]


def test_as_module_of_an_unanswered_exercise_is_a_clear_error():
    with pytest.raises(migsim.MigsimError, match="answer exercise 01.1 first"):
        as_module(answer(STUDENT[CELL]))
    with pytest.raises(migsim.MigsimError, match="expected a generator function"):
        as_module(lambda k, newpage, page: 0)


def test_an_ext2_page_still_migrates_where_the_module_stops_linking():
    """The chapter's predict-then-reveal answer: the in-tree buffer_migrate_page needs no export."""
    k = migsim.Kernel(at="remove-definitions", nodes=2, frames_per_node=12, seed=1)
    f = k.create_file("notes", 1, fs="ext2")
    p = k.spawn("reader")
    a = p.mmap(1, file=f, shared=True)
    p.write(a, b"kept")
    k.sys_swapon(8)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    assert f.i_mapping.page_tree[0].node == 1 and p.read(a, 4) == b"kept"
    k.check()


# --- 01.2, the fixups context patch --------------------------------------------------------------------




# --- 01.2 (its contract is in tests/contracts/ch01.py): what only this exercise has -----------------

def test_01_2_is_graded_at_the_reorg():
    from migsim.grading.ch01 import FIX_01_2
    assert FIX_01_2.at == "reorg"


def test_the_reorg_version_fails_on_the_passing_reference_only():
    from migsim import kbuild
    from contracts import kernel_copy
    v = grade("01.2", migrate_page_remove_references=kernel_copy("migrate_page_remove_references", "reorg"))
    assert not v.passed and v.score == v.total - 1
    assert "1 not moved: a reference that was gone a moment later made the page stay for good" in v.message
    assert any(v.since == "reorg" for v in kbuild.REGISTRY["migrate_page_remove_references"])
