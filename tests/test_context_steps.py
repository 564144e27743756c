"""The context patches: mainline commits between the course's steps, each a step of its own."""

import inspect

import pytest

import migsim
from migsim import machine
from migsim.include.linux.rmap import SWAP_AGAIN

PAGE = migsim.PAGE_SIZE


@pytest.mark.parametrize("at, changed", [
    ("fixups", {"migrate_page_remove_references"}),
    ("redo-fault", {"do_swap_page"}),
    ("rename-migration", {"try_to_unmap", "try_to_unmap_one"}),
])
def test_each_context_patch_changes_only_its_own_functions(at, changed):
    assert {name for name, _, _ in migsim.series.changes(at)} == changed
    hunks = [line for line in migsim.series.diff(at).splitlines() if line.startswith("@@")]
    assert hunks and all(line.split("@@")[-1].strip() in changed for line in hunks)


def counting_lookups(at):
    """A kernel at `at` that counts its calls of lookup_swap_cache."""
    class Counting(machine.build(at)):
        lookups = 0

        def lookup_swap_cache(self, entry):
            type(self).lookups += 1
            return (yield from super().lookup_swap_cache(entry))
    return Counting(at, nodes=2, frames_per_node=16, seed=3)


@pytest.mark.parametrize("at, lookups", [("v2.6.16", 2), ("dirty-fallback", 2), ("redo-fault", 1),
                                         ("fallback-function", 1)])
def test_do_swap_page_looks_the_entry_up_again_only_until_redo_fault(at, lookups):
    """A swap fault that waits on the page lock of a page migration then moves.

    Until 4da5eda0 do_swap_page looks the same (now stale) entry up again; from
    it on, the pte has changed and the fault is simply backed out and retried.
    """
    k = counting_lookups(at)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"moving")
    old = k.page(p, a)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not (k.pte(p, a).swap and k.swapper_space.page_tree.get(k.pte(p, a).swp_entry) not in (None, old)):
        m.step()                                 # the new page has taken the swap-cache slot, locked
    r = k.start(p.read, a, 6, label="R")
    while not r.blocked:
        r.step()
    assert r.stack()[-1] == "lock_page"
    k.run_tasks()
    assert r.result == b"moving" and k.page(p, a).node == 1
    k.check()
    assert type(k).lookups == lookups


@pytest.mark.parametrize("at, name", [("dirty-fallback", "ignore_refs"), ("rename-migration", "migration"),
                                      ("migration-entries", "migration"), ("swapon-fix", "migration")])
def test_try_to_unmap_names_its_second_argument_migration_from_the_rename_on(at, name):
    k = migsim.Kernel(at=at)
    assert list(inspect.signature(k.try_to_unmap).parameters) == ["page", name]
    assert list(inspect.signature(k.try_to_unmap_one).parameters) == ["page", "vma", name]


def never_unmapping(at):
    """A kernel at `at` whose try_to_unmap leaves every pte in place (and counts its calls)."""
    class Stuck(machine.build(at)):
        calls = 0

        def try_to_unmap(self, page, migration):
            type(self).calls += 1
            return SWAP_AGAIN                    # still mapped, try again later
            yield
    return Stuck(at, nodes=2, frames_per_node=16, seed=3)


@pytest.mark.parametrize("at", ["v2.6.16", "reorg", "fixups", "unexport-swap-page", "dirty-fallback"])
def test_a_page_still_mapped_after_unmapping_is_retried_at_every_step(at):
    """The still-mapped test answers -EAGAIN from v2.6.16 on, the reorg included (fixups mends another line)."""
    attempts = 11
    k = never_unmapping(at)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"mapped")
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 1           # not moved, either way
    assert type(k).calls == attempts          # 1: a permanent failure at once; 11: every pass retried
    assert k.page(p, a).node == 0
    k.check()
