"""One scheduler and one list of failures (migsim.sched), schedules written by points, and one verdict everywhere."""

import pytest

import migsim
from migsim import errors, explore, scenarios, sched, widgets
from migsim.widgets import recording

# Bug B's interleaving said by its points: M migrates up to the walk that restores the last
# page's ptes; F forks up to the copy of that page's pte (holding both page table locks);
# then M walks on (the new child first, when new vmas go at the head) and F finishes.
BUG_B_POINTS = "M@remove_migration_ptes#10 F@copy_one_pte M F"


def test_bug_b_by_points_fails_before_its_fix_and_passes_at_it():
    broken = scenarios.run(scenarios.FORK_RACE, "swapless-core", BUG_B_POINTS)
    assert broken.applies and scenarios.shows_bug(scenarios.FORK_RACE, broken), broken
    fixed = scenarios.run(scenarios.FORK_RACE, "fork-race-fix", BUG_B_POINTS)
    assert fixed.applies and not fixed.failed, fixed


def test_the_letter_schedule_of_bug_b_does_not_apply_at_the_fix():
    out = scenarios.run(scenarios.FORK_RACE, "fork-race-fix", scenarios.FORK_RACE.schedule)
    assert not out.applies and not out.failed and out.error == ""
    assert "does not apply at this step" in out.stopped and "task M" in out.stopped and "blocked" in out.stopped
    assert out.stopped in str(out)
    assert scenarios.FORK_RACE.schedule.startswith(out.schedule[:-1])      # where it stopped: a prefix
    again = scenarios.run(scenarios.FORK_RACE, "fork-race-fix", out.schedule)
    assert again.applies and not again.failed                               # and that prefix replays


def test_a_point_the_task_never_meets_does_not_apply():
    out = scenarios.run(scenarios.FORK_RACE, "swapless-core", "F:no_such_point M")
    assert not out.applies and "without passing no_such_point" in out.stopped


def test_a_letter_schedule_naming_a_finished_task_does_not_apply():
    out = scenarios.run(scenarios.DIRTY_FALLBACK, "dirty-fallback", "M200")
    assert not out.applies and "has finished" in out.stopped


@pytest.mark.parametrize("bad", ["M@", "M:1x", "M:a#0", "M: F", 85, None])
def test_a_malformed_schedule_is_a_mistake_named_before_anything_runs(bad):
    with pytest.raises(migsim.MigsimError, match="bad schedule"):
        scenarios.run(scenarios.FORK_RACE, "swapless-core", bad)


def test_parse_reads_both_forms():
    assert "".join(str(m) for m in sched.parse("M3F2M")) == "M3F2M"
    assert [str(m) for m in sched.parse("M@a#2 F:b M")] == ["M@a#2", "F:b", "M"]
    assert sched.parse("M3F") == [sched.Move("M", 3), sched.Move("F", 1)]


def test_kernel_replay_takes_points_and_says_where_a_letter_schedule_stops():
    k, _ = scenarios.FORK_RACE.build("swapless-core")
    k.replay("M@remove_migration_ptes")
    assert "remove_migration_ptes" in k.task("M").stack()
    k, _ = scenarios.FORK_RACE.build("fork-race-fix")
    with pytest.raises(migsim.TaskError, match="does not apply.*task M .*is blocked"):
        k.replay(scenarios.FORK_RACE.schedule)


def test_a_bare_label_in_a_point_schedule_runs_the_task_as_far_as_it_goes():
    k, _ = scenarios.FORK_RACE.build("swapless-core")
    k.replay("F M")
    assert k.task("F").done and k.task("M").done


# --- one list of failures, one verdict --------------------------------------------------------

def test_there_is_one_list_of_failures_and_it_counts_out_of_memory():
    assert recording.FAILURES is sched.FAILURES             # the widgets use the one list
    assert set(sched.FAILURES) == {errors.KernelBug, errors.SegmentationFault, errors.OutOfMemory}


def _runs_out(k, ctx):
    raise errors.OutOfMemory("out of memory: no free frame on any node")


OOM = scenarios.Scenario(name="oom", bug="-", title="the ending runs out of memory", about="",
                         build=scenarios.FORK_RACE.build, finish=_runs_out)


def test_out_of_memory_is_a_failure_for_the_explorer_the_scenarios_and_the_stepper():
    report = explore.explore(OOM, "fork-race-fix", bound=0)   # M first, or F first: both run out
    out = scenarios.run(OOM, "fork-race-fix", "")
    rec = widgets.Recording(OOM, "fork-race-fix", out.schedule, finish=True)
    assert report.failing == report.explored == 2 and out.failed and rec.error
    assert report.shortest_error == out.error == rec.error


@pytest.mark.parametrize("scenario", list(scenarios.ALL.values()), ids=list(scenarios.ALL))
def test_the_explorer_the_scenarios_and_the_stepper_agree_on_the_shortest_failure(scenario):
    at = scenario.lives[0]
    report = explore.explore(scenario, at, bound=2)
    assert report.failing
    out = scenarios.run(scenario, at, report.shortest)
    stepper = widgets.Stepper(scenario, at, schedule=report.shortest, finish=True)
    assert out.failed and out.schedule == report.shortest
    assert report.shortest_error == out.error == stepper.rec.error


@pytest.mark.parametrize("scenario, at", [(scenarios.FORK_RACE, "fork-race-fix"),
                                          (scenarios.COW_FORK, "cow-fix"),
                                          (scenarios.DIRTY_FALLBACK, "dirty-fallback")])
def test_they_agree_on_a_passing_schedule(scenario, at):
    report = explore.explore(scenario, at, bound=0)        # bound 0: each task first, none preempted
    out = scenarios.run(scenario, at, "")
    stepper = widgets.Stepper(scenario, at, schedule=out.schedule, finish=True)
    assert report.explored == explore.explore(scenario, at, bound=0, prune=False).explored
    assert report.failing == 0
    assert not out.failed and stepper.rec.error == "" and stepper.rec.runnable() == []


def test_the_stepper_opens_a_schedule_by_points_as_its_letters():
    out = scenarios.run(scenarios.FORK_RACE, "swapless-core", BUG_B_POINTS)
    stepper = widgets.Stepper(scenarios.FORK_RACE, "swapless-core", schedule=BUG_B_POINTS, finish=True)
    assert stepper.rec.schedule() == out.schedule and stepper.rec.error == out.error
    with pytest.raises(migsim.MigsimError, match="applies at swapless-core.*without passing nowhere"):
        widgets.Stepper(scenarios.FORK_RACE, "swapless-core", schedule="F:nowhere")


def test_pruned_exploration_finds_the_quiet_fork_race_that_plain_enumeration_finds():
    # The race needs F before all of M (free) and two switches later; with sleep sets, or with
    # backtracking only at the conflict, the pruned explorer never tried F first and found nothing.
    report = explore.explore(scenarios.FORK_RACE_QUIET, "v2.6.16", bound=2)
    assert report.failing and report.shortest.startswith("F") and report.shortest_preemptions == 2
    assert scenarios.shows_bug(scenarios.FORK_RACE_QUIET, scenarios.run(scenarios.FORK_RACE_QUIET, "v2.6.16",
                                                                         report.shortest))
    assert explore.explore(scenarios.FORK_RACE_QUIET, "fork-race-fix", bound=2).failing == 0


def test_explore_takes_a_patch_and_a_tail_insertion_fixes_the_loud_race():
    from migsim.include.linux.spinlock import spin_lock, spin_unlock

    def anon_vma_link(k, vma):
        anon_vma = vma.anon_vma
        if anon_vma is not None:
            yield from spin_lock(anon_vma.lock, k.who())
            anon_vma.head.append(vma)
            spin_unlock(anon_vma.lock)

    assert explore.explore(scenarios.FORK_RACE, "swapless-core", bound=2).failing
    assert explore.explore(scenarios.FORK_RACE, "swapless-core", bound=2,
                           patch={"anon_vma_link": anon_vma_link}).failing == 0
    with pytest.raises(migsim.MigsimError, match="patch"):
        explore.explore(scenarios.FORK_RACE, "swapless-core", patch=[anon_vma_link])
