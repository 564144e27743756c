"""The explorer reports progress through a callback and can be stopped by it (no threads, no timing)."""

import ipywidgets
import pytest

import migsim
from migsim import explore, scenarios, widgets

FORK, AT = scenarios.FORK_RACE, "swapless-core"


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def test_progress_is_called_every_n_schedules_and_once_at_the_end():
    seen = []
    report = explore.explore(FORK, AT, bound=2,
                             progress=lambda r: seen.append((r.explored, r.failing)), every=5)
    assert [n for n, _ in seen[:-1]] == list(range(5, report.explored + 1, 5))
    assert seen[-1] == (report.explored, report.failing) and not report.stopped


def test_unpruned_exploration_at_bound_2_stops_when_the_callback_says_so():
    calls = []

    def stop_after_three(r):
        calls.append(r.explored)
        return len(calls) == 3

    report = explore.explore(FORK, AT, bound=2, prune=False, progress=stop_after_three, every=10)
    assert report.explored == 30 and report.stopped and calls == [10, 20, 30, 30]
    assert "stopped early" in str(report)


def test_pruned_exploration_stops_too_and_the_limit_is_a_budget():
    report = explore.explore(FORK, AT, bound=2, progress=lambda r: True, every=7)
    assert report.explored == 7 and report.stopped
    report = explore.explore(FORK, AT, bound=2, prune=False, limit=12)
    assert report.explored == 12 and report.stopped
    assert not explore.explore(FORK, AT, bound=2).stopped


@pytest.mark.parametrize("kwargs", [{"progress": "yes"}, {"every": 0}, {"every": "10"}, {"limit": 0}])
def test_bad_progress_arguments_are_named(kwargs):
    with pytest.raises(migsim.MigsimError, match="bad (progress|every|limit)"):
        explore.explore(FORK, AT, bound=1, **kwargs)


def test_explorer_view_shows_progress_and_stops_at_its_budget():
    e = widgets.ExplorerView(FORK, AT, bound=2, budget=50)
    e.prune.value = False
    e.run()
    assert e.report.explored == 50 and e.report.stopped
    assert e.progress.value == 50 and e.progress.max >= 50
    assert e.progress_label.value == "50 schedules, %d failing (stopped at the budget)" % e.report.failing
    assert "stopped at the budget of 50 schedules" in e.counts_text()
    e.budget.value = 20000
    e.prune.value = True
    e.run()
    assert e.progress.value == e.progress.max == e.report.explored and not e.report.stopped   # done: full
    assert "stopped" not in e.progress_label.value
