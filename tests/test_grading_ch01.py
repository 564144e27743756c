"""The grader of chapter 01 (exercise 01.1, buffer_migrate_page as a module), judged on the answers students can give.

The solution and the untouched student function come from the built
notebooks solutions/01-centralize.ipynb and exercises/01-centralize.ipynb,
so these tests check what students see.
"""

from pathlib import Path

import pytest

import migsim
from migsim import kbuild
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


def test_the_untouched_exercise_fails_with_a_helpful_line():
    v = grade("01.1", buffer_migrate_page=answer(STUDENT[CELL]))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 01.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    fn = answer(SOLUTION[CELL])
    v = grade("01.1", buffer_migrate_page=fn)
    assert v.passed and one_line(v) == f"Exercise 01.1: correct ({v.total}/{v.total} checks)"
    assert grade("01.1", buffer_migrate_page=fn, hidden=True).passed


def test_the_function_as_it_was_in_fs_buffer_c_passes():
    fs_buffer = next(v.obj for v in kbuild.REGISTRY["buffer_migrate_page"] if v.kfile == "fs/buffer.c")
    assert grade("01.1", buffer_migrate_page=fs_buffer).passed


@pytest.mark.parametrize("old, new, failing", [
    # the buffers stay pointed at the old page: the next I/O on them goes to a freed frame
    ("        bh.b_page = newpage\n", "        pass\n", "buffers"),
    # counts the references of a page without buffers: never exactly that many, so it never moves
    ("remove_references(newpage, page, 3)", "remove_references(newpage, page, 2)", "a clean ext2 page moves"),
    # the buffers' page reference is not moved over: the old frame keeps one too many
    ("    put_page(page)\n    get_page(newpage)\n", "", "a clean ext2 page moves"),
    # unmaps first, as chapter 02 teaches, but try_to_unmap is no export: the module does not link
    ("    bhs = page_buffers(page)\n",
     "    yield from k.try_to_unmap(page, 1)\n    bhs = page_buffers(page)\n", "Unknown symbol"),
], ids=["buffers-left-behind", "wrong-count", "reference-not-moved", "calls-an-unexported-function"])
def test_plausible_wrong_answers_fail(old, new, failing):
    v = grade("01.1", buffer_migrate_page=edited(old, new))
    assert not v.passed and failing in one_line(v), v.details()


def test_the_unexported_call_fails_only_the_link_check():
    fn = edited("    bhs = page_buffers(page)\n", "    yield from k.try_to_unmap(page, 1)\n    bhs = page_buffers(page)\n")
    v = grade("01.1", buffer_migrate_page=fn)
    assert v.score == v.total - 1 and "it calls try_to_unmap, not exported there" in v.message


DIFFERENT = '''\
def buffer_migrate_page(k, newpage, page):
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    ring, bh = [], page.private               # walk the ring by hand
    while bh not in ring:
        ring.append(bh)
        bh = bh.b_this_page
    err = yield from k.migrate_page_remove_references(newpage, page, 3)
    if err == 0:
        for bh in ring:
            bh.b_count, bh.b_state = bh.b_count + 1, bh.b_state | BH_Lock
            bh.b_page = newpage
        newpage.private = page.private
        page.private = 0
        ClearPagePrivate(page)
        SetPagePrivate(newpage)
        get_page(newpage)
        put_page(page)
        k.migrate_page_copy(newpage, page)
        for bh in ring:
            bh.b_count, bh.b_state = bh.b_count - 1, bh.b_state & ~BH_Lock
    return err
'''


def test_a_differently_written_correct_answer_passes():
    v = grade("01.1", buffer_migrate_page=answer(DIFFERENT))
    assert v.passed, v.details()


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

FIX = "fix_remove_references"
RETRY = ("        spin_unlock(mapping.tree_lock)\n"
         "        return -EAGAIN                        # held by someone, maybe for a moment: the next pass retries\n")


def remove_references(new=None):
    source = SOLUTION[FIX] if new is None else SOLUTION[FIX].replace(RETRY, new)
    assert new is None or source != SOLUTION[FIX]
    return answer(source, "migrate_page_remove_references")


def test_the_untouched_fix_fails_with_a_helpful_line():
    v = grade("01.2", migrate_page_remove_references=answer(STUDENT[FIX], "migrate_page_remove_references"))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 01.2: not answered yet")


def test_the_fix_solution_and_the_registered_patch_pass():
    v = grade("01.2", migrate_page_remove_references=remove_references())
    assert v.passed and one_line(v) == f"Exercise 01.2: correct ({v.total}/{v.total} checks)"
    assert grade("01.2", hidden=True, migrate_page_remove_references=remove_references()).passed
    fixups = next(v.obj for v in kbuild.REGISTRY["migrate_page_remove_references"] if v.since == "fixups")
    assert grade("01.2", migrate_page_remove_references=fixups).passed


def test_the_exercise_is_graded_at_the_reorg():
    from migsim.grading.ch01 import FIX_01_2
    assert FIX_01_2.at == "reorg"


def test_the_reorg_version_fails_on_the_passing_reference_only():
    reorg = next(v.obj for v in kbuild.REGISTRY["migrate_page_remove_references"] if v.since == "reorg")
    v = grade("01.2", migrate_page_remove_references=reorg)
    assert not v.passed and v.score == v.total - 1
    assert "1 not moved: a reference that was gone a moment later made the page stay for good" in one_line(v)


@pytest.mark.parametrize("new, failing", [
    # another permanent failure
    ("        spin_unlock(mapping.tree_lock)\n        return -EPERM\n", "moves on a later pass"),
    # carries on as if nobody held the page: it moves from under the holder
    ("        pass\n", "a reference that stays"),
    # retries, but keeps tree_lock: the next pass (or anyone) waits on it for ever
    ("        return -EAGAIN\n", "a fault's passing reference"),
], ids=["eperm", "carries-on", "keeps-tree-lock"])
def test_plausible_wrong_fixes_fail(new, failing):
    v = grade("01.2", migrate_page_remove_references=remove_references(new))
    assert not v.passed and failing in one_line(v), v.details()


def test_a_differently_written_fix_passes():
    test = ("    if page_mapping(page) is None or page._count != nr_refs or "
            "mapping.page_tree.get(index) is not page:\n")
    assert SOLUTION[FIX].count(test) == 1
    source = SOLUTION[FIX].replace(test, (
        "    if page._count != nr_refs:                # a reference more: held, perhaps only for now\n"
        "        spin_unlock(mapping.tree_lock)\n        return -EAGAIN\n"
        "    if page_mapping(page) is None or mapping.page_tree.get(index) is not page:\n"))
    assert grade("01.2", migrate_page_remove_references=answer(source, "migrate_page_remove_references")).passed


def test_an_answer_that_retries_through_the_caller_also_passes():
    """Unlocking and answering "still mapped" by another path (page_mapcount is 0, so it is -EAGAIN anyway)."""
    source = SOLUTION[FIX].replace(RETRY, "        spin_unlock(mapping.tree_lock)\n        err = -EAGAIN\n"
                                          "        return err\n")
    assert grade("01.2", migrate_page_remove_references=answer(source, "migrate_page_remove_references")).passed
