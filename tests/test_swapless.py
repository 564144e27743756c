"""Steps 10-15: migration entries, the swapless core, and bugs B, C and D."""

import re

import pytest

import migsim
from migsim import explore, scenarios
from migsim.include.linux.page_flags import SetPageLocked
from migsim.include.linux.swapops import swp_entry, swp_entry_to_pte
from helpers import written_pages

PAGE = migsim.PAGE_SIZE
LATER = ["migration-entries", "rip-out-swap", "swapless-core", "fork-race-fix", "cow-fix", "swapon-fix"]


def test_migration_entries_are_bit_exact():
    k = migsim.Kernel(at="migration-entries", nodes=1, frames_per_node=0x300)
    page = k.pfn_to_page(0x1234)
    SetPageLocked(page)
    write, read = k.make_migration_entry(page, 1), k.make_migration_entry(page, 0)
    assert (write, read) == (0xF8001234, 0xF0001234)
    assert (swp_entry_to_pte(write), swp_entry_to_pte(read)) == (0x12343E, 0x12343C)
    assert k.is_migration_entry(write) and k.is_write_migration_entry(write)
    assert k.is_migration_entry(read) and not k.is_write_migration_entry(read)
    assert k.make_migration_entry_read(write) == read
    assert k.migration_entry_to_page(write) is page
    assert (k.MAX_SWAPFILES, k.SWP_MIGRATION_READ, k.SWP_MIGRATION_WRITE) == (30, 30, 31)


def test_migration_entries_need_the_page_locked():
    k = migsim.Kernel(at="migration-entries", nodes=1, frames_per_node=16)
    page = k.pfn_to_page(0x1003)
    with pytest.raises(migsim.KernelBug, match="include/linux/swapops.h"):
        k.make_migration_entry(page, 1)
    with pytest.raises(migsim.KernelBug, match="include/linux/swapops.h"):
        k.migration_entry_to_page(swp_entry(31, page.pfn))


def test_before_the_series_swap_types_30_and_31_are_ordinary():
    k = migsim.Kernel(at="fallback-function")
    assert k.MAX_SWAPFILES == 32 and not hasattr(k, "is_migration_entry")


@pytest.mark.parametrize("at", ["swapless-core", "fork-race-fix", "cow-fix", "swapon-fix"])
def test_anonymous_pages_migrate_without_any_swap(at):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=5)
    p, a = written_pages(k, 3, b"no swap %d")
    c = p.fork()
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    kinds = set()
    while not t.done:
        t.step()
        k.check()
        kinds.add(k.pte(p, a).kind())
    assert t.result == 0 and k.nr_swapfiles == 0
    assert "migration-read" in kinds           # the shared page's ptes were read-only
    assert [k.page(p, a + i * PAGE).node for i in range(3)] == [1, 1, 1]
    assert [c.read(a + i * PAGE, 9) for i in range(3)] == [b"no swap %d" % i for i in range(3)]


def test_a_write_entry_brings_back_a_writable_pte():
    k = migsim.Kernel(at="swapless-core", nodes=2, frames_per_node=16)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"rw")
    assert k.pte(p, a).write
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    while not t.done:
        t.step()
        if k.pte(p, a).migration:
            assert k.pte(p, a).migration_write
    assert k.pte(p, a).write and k.page(p, a).node == 1   # no write fault needed afterwards


def test_a_fault_on_a_migration_entry_waits_for_the_page_lock():
    k = migsim.Kernel(at="swapon-fix", nodes=2, frames_per_node=16)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"wait")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not k.pte(p, a).migration:
        m.step()
    r = k.start(p.read, a, 4, label="R")
    while not r.blocked:
        r.step()
    assert "wait_on_page_locked" in r.waits_on()
    k.run_tasks()                   # the waiter's reference makes one pass fail; a later one succeeds
    assert m.result == 0 and r.result == b"wait" and k.page(p, a).node == 1
    k.check()


def test_rip_out_swap_is_broken_the_way_the_real_tree_was():
    k = migsim.Kernel(at="rip-out-swap", nodes=2, frames_per_node=16)
    assert k.BUILD_WARNINGS == ("mm/migrate.c: migrate_page: undefined reference to `remove_from_swap'",)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"stuck")
    k.sys_migrate_pages(p.pid, [0], [1])
    assert k.pte(p, a).migration                # nothing put the pte back
    with pytest.raises(migsim.BadPageState, match="for unlocked pfn"):
        k.check()
    with pytest.raises(migsim.KernelBug, match="include/linux/swapops.h"):
        p.read(a, 5)


# --- the bug table: each bug where it lived, and gone after its fix ----------------------------

def _from(fix):
    """The fix's step and every later one, to the release: no bug of the series comes back."""
    return [s for s in migsim.series.ids() if migsim.steps.INDEX[s] >= migsim.steps.INDEX[fix]]


AFTER = {"dirty_fallback": _from("dirty-fallback"), "fork_race_quiet": _from("fork-race-fix"),
         "fork_race": _from("fork-race-fix"), "cow_fork": _from("cow-fix"), "swapon_overflow": _from("swapon-fix")}
TABLE = [(s, at, True) for s in scenarios.ALL.values() for at in s.lives] + \
        [(s, at, False) for s in scenarios.ALL.values() for at in AFTER[s.name]]


@pytest.mark.parametrize("scenario, at, lives", TABLE, ids=lambda v: getattr(v, "name", v))
def test_bug_table(scenario, at, lives):
    if lives:
        outcome = scenarios.run(scenario, at, scenario.schedule_for(at))
        assert scenarios.shows_bug(scenario, outcome), str(outcome)
    elif scenario.bug in "BC":                  # races: no schedule within the bound shows it
        report = explore.explore(scenario, at, bound=2)
        assert report.explored > 10 and report.failing == 0, str(report)
    else:
        outcome = scenarios.run(scenario, at, scenario.schedule_for(at))
        assert not scenarios.shows_bug(scenario, outcome), str(outcome)


def test_the_bug_table_covers_every_step_but_rip_out_swap():
    """Each scenario is checked at every step: where its bug lives, and from its fix on."""
    for s in scenarios.ALL.values():
        first_fix = migsim.steps.INDEX[AFTER[s.name][0]]
        assert AFTER[s.name] == migsim.series.ids()[first_fix:], s.name
    quiet, loud = scenarios.FORK_RACE_QUIET, scenarios.FORK_RACE
    assert quiet.lives == tuple(migsim.series.ids()[:migsim.steps.INDEX["rip-out-swap"]])
    assert loud.lives == ("swapless-core",)     # rip-out-swap is broken on purpose, for every scenario


def test_the_quiet_fork_race_reads_a_previous_boots_bytes_not_zeroes():
    quiet = scenarios.FORK_RACE_QUIET
    outcome = scenarios.run(quiet, "v2.6.16", quiet.schedule_for("v2.6.16"))
    assert "byte 0 is b'stale sw'" in outcome.error and "never written since swapon" in outcome.error
    assert "swapops.h" not in outcome.error and "migration entry" not in outcome.error   # quiet: no BUG


def test_at_swapless_core_the_fork_race_is_loud_and_no_longer_quiet():
    quiet, loud = scenarios.FORK_RACE_QUIET, scenarios.FORK_RACE
    outcome = scenarios.run(loud, "swapless-core", loud.schedule)
    assert re.search(r"migration entry .* for unlocked pfn|include/linux/swapops\.h", outcome.error), str(outcome)
    assert not scenarios.shows_bug(quiet, outcome)
    assert not scenarios.run(quiet, "swapless-core", quiet.schedule_for("swapless-core")).failed


def test_the_swapon_fix_refuses_the_31st_area():
    outcome = scenarios.run("swapon_overflow", "swapon-fix")
    assert not outcome.failed
    k = migsim.Kernel(at="swapon-fix")
    assert [k.sys_swapon(1) for _ in range(31)][-1] == -1     # -EPERM


def test_with_the_old_check_type_30_is_taken_for_a_migration_entry():
    k = migsim.Kernel(at="cow-fix", nodes=2, frames_per_node=16)
    assert [k.sys_swapon(1) for _ in range(31)][-1] == 30
    assert k.is_migration_entry(swp_entry(30, 1))            # a swap slot of area 30 ...
    with pytest.raises(migsim.MemoryCorruption, match=re.escape("swap_info[30]")):
        k.check()


# --- the explorer -------------------------------------------------------------------------------

def test_explore_finds_the_fork_race_before_its_fix_and_nothing_after():
    before = explore.explore("fork_race", "swapless-core", bound=2)
    after = explore.explore("fork_race", "fork-race-fix", bound=2)
    assert before.failing > 0 and after.failing == 0
    assert before.shortest_preemptions == 2
    replay = scenarios.run("fork_race", "swapless-core", before.shortest)
    assert replay.failed and replay.error == before.shortest_error


def test_explore_finds_the_cow_bug_before_its_fix_and_nothing_after():
    before = explore.explore("cow_fork", "fork-race-fix", bound=2)
    after = explore.explore("cow_fork", "cow-fix", bound=2)
    assert before.failing > 0 and after.failing == 0
    assert scenarios.shows_bug("cow_fork", scenarios.run("cow_fork", "fork-race-fix", before.shortest))


def test_pruning_explores_fewer_schedules_and_finds_the_same_bug():
    pruned = explore.explore("fork_race", "swapless-core", bound=1, prune=True)
    plain = explore.explore("fork_race", "swapless-core", bound=1, prune=False)
    assert pruned.explored < plain.explored
    assert pruned.failing == plain.failing == 0             # bug B needs two preemptions


def test_random_scheduling_is_seeded():
    a = explore.random_run("fork_race", "swapless-core", seed=3)
    b = explore.random_run("fork_race", "swapless-core", seed=3)
    assert a == b
