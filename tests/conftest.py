"""Test tiers, and what every test shares.

Markers (registered in pyproject.toml) are given here, by file and by name, so
that a new test in one of these files gets its tier without an edit:

- ``notebook``: a notebook cell run by nbval (every ``.ipynb`` collected);
- ``browser``: headless Chromium (tests/test_browser.py, tests/test_lite.py);
- ``nbgrader``: nbgrader's own commands (tests/test_nbgrader.py);
- ``slow``: all of the above, and the tests in `SLOW`, each measured at more
  than about 2 CPU-seconds (``pytest --durations``).

The fast tier is ``pytest -m "not slow"``.
"""

import fnmatch
import os
import sys

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

BY_FILE = {
    "test_browser.py": ("browser", "slow"),
    "test_lite.py": ("browser", "slow"),
    "test_nbgrader.py": ("nbgrader", "slow"),
    "test_nbgrader_course.py": ("nbgrader", "slow"),
}

# Measured with pytest --durations (2 workers, a busy machine): 2 s or more. Node ids, with or without
# their [parameters]; shell patterns allowed.
SLOW = (
    "tests/test_contracts.py::test_row",         # every grader's table, 211 grades: about 5 CPU-minutes
    "tests/test_independent_answers.py::test_an_independent_answer_gets_the_right_verdict",
    "tests/test_stateful.py::*",                 # the Hypothesis walks: 170 s together
    "tests/test_draw_more.py::test_machine_picture_redrawn_only_where_it_changed_*",
    "tests/test_explore_patch.py::test_a_patch_with_the_bug_makes_the_fixed_kernel_fail_*",
    "tests/test_explore_progress.py::test_explorer_view_shows_progress_and_stops_at_its_budget",
    "tests/test_grading*.py::test_the_solution_passes_every_check_and_the_hidden_ones",
    "tests/test_grading_ch01.py::test_the_fix_solution_and_the_registered_patch_pass",
    "tests/test_grading_ch03.py::test_the_count_migrate_page_passed_before_the_patch_fails_on_buffers",
    "tests/test_grading_ch03.py::test_plausible_wrong_answers_fail[three]",
    "tests/test_grading_ch03.py::test_plausible_wrong_answers_fail[private-field]",
    "tests/test_grading_ch08.py::test_plausible_wrong_answers_fail[new0-*]",
    "tests/test_grading_ch07.py::test_07_2_*",
    "tests/test_grading_ch07.py::test_hidden_only_runs_the_hidden_checks_alone",
    "tests/test_grading_ch08.py::test_the_historical_bug_fails_in_the_explorer_and_the_cow_check",
    "tests/test_schedules.py::test_pruned_exploration_finds_the_quiet_fork_race_*",
    "tests/test_schedules.py::test_the_explorer_the_scenarios_and_the_stepper_agree_on_the_shortest_failure",
    "tests/test_swapless.py::test_pruning_explores_fewer_schedules_and_finds_the_same_bug",
    "tests/test_widgets.py::test_every_picture_choice_draws_and_the_dump_is_the_machines",
    "tests/test_widgets.py::test_explorer_view_finds_the_fork_race_and_opens_it_in_a_stepper",
    "tests/test_widgets.py::test_play_ticks_follow_the_recording_and_stop_on_the_bug",
)


def matches(nodeid, pattern):
    """Whether `nodeid` is `pattern`'s: the name and, if the pattern gives one, the [parameters] (patterns each)."""
    name, _, params = nodeid.partition("[")
    want, bracket, want_params = pattern.partition("[")
    return fnmatch.fnmatchcase(name, want) and (not bracket or fnmatch.fnmatchcase(params[:-1], want_params[:-1]))


def tiers(item):
    """The markers `item` gets from its file and its name."""
    if item.path.suffix == ".ipynb":
        return ("notebook", "slow")
    marks = BY_FILE.get(item.path.name, ())
    if any(matches(item.nodeid, pattern) for pattern in SLOW):
        marks += ("slow",)
    return marks


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name in dict.fromkeys(tiers(item)):
            item.add_marker(getattr(pytest.mark, name))


@pytest.fixture(autouse=True)
def close_figures():
    """Close every matplotlib figure a test leaves open (pictures are drawn in many tests)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
