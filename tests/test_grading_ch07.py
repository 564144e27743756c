"""The graders of chapter 07 (the fork race), judged on the answers students can give.

The solution and the untouched student cells come from the built notebooks
solutions/07-the-fork-race.ipynb and exercises/07-the-fork-race.ipynb, so
these tests check what students see.
"""

import inspect
import textwrap
from pathlib import Path

import pytest

import migsim
from migsim import kbuild
from migsim.errors import MigsimError
from migsim.grading import EXERCISES, grade
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "07-the-fork-race.ipynb"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def run_cell(source, name, cell="answer"):
    """The chapter's setup cell, then `source`: the value of `name` (what the cell left there)."""
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    try:
        exec(compile(source, f"<cell {cell}>", "exec"), ns)
    except NotImplementedError:
        pass                                  # an untouched find cell: what it set before stays
    return ns[name]


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text
    return text


def registered(name, since):
    return next(v.obj for v in kbuild.REGISTRY[name] if v.since == since)


SETUP_NS = {}
exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), SETUP_NS)


def define(source, name):
    ns = dict(SETUP_NS)
    exec(compile(source, "<cell answer>", "exec"), ns)
    return ns[name]


# --- 07.1 (find) ------------------------------------------------------------------------------

def test_07_1_untouched_fails_in_one_line():
    v = grade("07.1", schedule=run_cell(STUDENT["find_schedule"], "schedule"))
    assert not v.passed and v.score == 0 and "not answered yet: the schedule is empty" in one_line(v)


def test_07_1_solution_passes():
    assert grade("07.1", schedule=run_cell(SOLUTION["find_schedule"], "schedule")).passed


def test_07_1_the_same_interleaving_by_scheduling_points_passes():
    assert grade("07.1", schedule="M@remove_migration_ptes#10 F@copy_one_pte M F").passed


@pytest.mark.parametrize("wrong", ["F M", "M85F9M"])
def test_07_1_a_schedule_without_the_race_fails(wrong):
    v = grade("07.1", schedule=wrong)               # fork first; or fork all at once inside the walk
    assert not v.passed and "at swapless-core" in one_line(v)


def test_07_1_a_schedule_that_is_not_a_string_is_a_problem_not_a_crash():
    v = grade("07.1", schedule=85)
    assert not v.passed and "must be a string" in one_line(v)


# --- 07.2 (fix) -------------------------------------------------------------------------------

def test_07_2_untouched_is_not_answered():
    v = grade("07.2", anon_vma_link=define(STUDENT["fix_anon_vma_link"], "anon_vma_link"))
    assert not v.passed and "not answered" in one_line(v)


def test_07_2_solution_passes():
    assert grade("07.2", anon_vma_link=define(SOLUTION["fix_anon_vma_link"], "anon_vma_link")).passed


def test_07_2_the_historical_bug_fails_on_the_explorer():
    v = grade("07.2", anon_vma_link=registered("anon_vma_link", "v2.6.16"))
    assert not v.passed and "explorer finds no failing" in one_line(v)
    assert "for unlocked pfn" in v.message


def test_07_2_tail_insertion_in_the_wrong_place_fails():
    def anon_vma_prepare(k, vma):                # a new anon_vma: no fork involved, so no help
        if vma.anon_vma is None:
            from migsim.include.linux.rmap import AnonVma
            vma.anon_vma = AnonVma(k.new_id("anon_vma"))
            vma.anon_vma.head.append(vma)
        return 0

    assert not grade("07.2", anon_vma_prepare=anon_vma_prepare).passed


def dup_mmap_edited(old, new):
    """The kernel's dup_mmap (v2.6.16 to swapless-core) with `old` replaced by `new` (once)."""
    source = textwrap.dedent(inspect.getsource(registered("dup_mmap", "v2.6.16")))
    source = "\n".join(line for line in source.splitlines() if not line.startswith("@"))
    assert source.count(old) == 1, old
    return define(source.replace(old, new), "dup_mmap")


LINK = "        yield from k.anon_vma_link(tmp)\n"
COPY = "        retval = yield from k.copy_page_range(mm, oldmm, tmp)\n"


def test_07_2_copying_before_linking_fails_as_the_notebook_says():
    copy_then_link = dup_mmap_edited(LINK + "        yield from k.vma_link(mm, tmp, after=mpnt)"
                                     "   # file vmas: vma_prio_tree_add after the parent's\n" + COPY,
                                     "        yield from k.vma_link(mm, tmp, after=mpnt)\n" + COPY + LINK)
    v = grade("07.2", dup_mmap=copy_then_link)
    assert not v.passed and "explorer finds no failing" in one_line(v)


BEHIND_PARENT = """\
        if tmp.anon_vma is not None:             # link the child right behind its parent
            yield from spin_lock(tmp.anon_vma.lock, k.who())
            head = tmp.anon_vma.head
            head.insert(head.index(mpnt) + 1, tmp)
            spin_unlock(tmp.anon_vma.lock)
"""


def test_07_2_a_child_linked_right_behind_its_parent_passes():
    v = grade("07.2", dup_mmap=dup_mmap_edited(LINK, BEHIND_PARENT))
    assert v.passed, v.details()


def test_07_2_takes_any_of_its_functions_but_not_others():
    with pytest.raises(migsim.MigsimError, match="one or more of anon_vma_link=.*dup_mmap"):
        grade("07.2", copy_one_pte=registered("anon_vma_link", "v2.6.16"))
    with pytest.raises(migsim.MigsimError, match="one or more of"):
        grade("07.2")


def test_hidden_only_runs_the_hidden_checks_alone():
    from migsim import machine
    registered = machine.build("fork-race-fix").SYMBOLS["anon_vma_link"].obj
    v = grade("07.2", anon_vma_link=registered, hidden="only")
    assert v.passed and v.total == len(EXERCISES["07.2"].hidden)
    with pytest.raises(MigsimError, match="bad hidden: 'yes'"):
        grade("07.2", anon_vma_link=registered, hidden="yes")
