"""Chapter 07's graders: their special cases (the five-answer contract is tests/contracts/ch07.py)."""

import pytest

from migsim.errors import MigsimError
from migsim.grading import EXERCISES, grade

from chapter_cells import answer, cells, one_line
from contracts import kernel_source

CHAPTER = "07-the-fork-race.ipynb"
SOLUTION = cells(CHAPTER, "solutions")


def test_07_2_takes_any_of_its_functions_but_not_others():
    with pytest.raises(MigsimError, match="one or more of anon_vma_link=.*remove_from_swap"):
        grade("07.2", try_to_unmap=lambda k, page, migration: 0)
    with pytest.raises(MigsimError, match="one or more of"):
        grade("07.2")


def test_07_2_a_function_a_step_lacks_is_left_out_there_and_judged_where_it_lives():
    """remove_from_swap is gone at swapless-core: the loud form runs without it, and fails; no exception."""
    source = kernel_source("remove_from_swap", "v2.6.16").replace("for vma in list(anon_vma.head):",
                                                                  "for vma in reversed(anon_vma.head):")
    v = grade("07.2", remove_from_swap=answer(SOLUTION["setup"], source, "remove_from_swap"))
    assert not v.passed and "the loud form" in one_line(v)
    quiet = next(r for r in v.results if r.name.startswith("the quiet form at migration-entries"))
    assert quiet.passed                        # at migration-entries the reverse walk closes the quiet form


def test_07_2_hidden_only_runs_the_hidden_checks_alone():
    fn = answer(SOLUTION["setup"], SOLUTION["fix_anon_vma_link"], "anon_vma_link")
    v = grade("07.2", anon_vma_link=fn, hidden="only")
    assert v.passed and v.total == len(EXERCISES["07.2"].hidden)
    with pytest.raises(MigsimError, match="bad hidden: 'yes'"):
        grade("07.2", anon_vma_link=fn, hidden="yes")
