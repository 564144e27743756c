"""The fixups context patch (e23ca00b, 2.6.17-rc2): a reference too many under tree_lock is retried.

The reorg brought one answer of migrate_page_remove_references back in an
older convention: when the count (or the radix-tree slot) is not what it
should be under tree_lock, it answered 1, a permanent failure. The trigger
used here is the one that meets it in practice: swap on, migration has
unmapped an anonymous page (its pte is now a swap entry), and the owner's
read fault finds the page in the swap cache, takes a reference and waits
for the page lock.
"""

import pytest

import migsim

ORDER = ["v2.6.16", "reorg", "fixups", "unexport-swap-page", "dirty-fallback"]


def fault_during_migration(at):
    """Migration stops after try_to_unmap; the owner's read fault takes a swap-cache reference and waits.

    Returns (kernel, process, address, migration task, read task) with both
    tasks still running: the read blocked on the page lock.
    """
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=3)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"moving")
    old = k.page(p, a)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not k.pte(p, a).swap:               # try_to_unmap has made the pte a swap entry
        m.step()
    assert old.node == 0 and k.swapper_space.page_tree.get(k.pte(p, a).swp_entry) is old
    r = k.start(p.read, a, 6, label="R")
    while not r.blocked:
        r.step()
    assert r.stack()[-1] == "lock_page"
    assert old._count == 3                    # isolation, swap cache, and the fault's lookup
    return k, p, a, m, r


def test_the_series_puts_fixups_right_after_the_reorg():
    ids = migsim.series.ids()
    assert ids[ids.index("v2.6.16"):ids.index("dirty-fallback") + 1] == ORDER


@pytest.mark.parametrize("at, not_moved, node", [
    ("v2.6.16", 0, 1), ("reorg", 1, 0), ("fixups", 0, 1), ("unexport-swap-page", 0, 1)])
def test_a_transient_reference_is_given_up_for_good_only_at_the_reorg(at, not_moved, node):
    """At the reorg the count test under tree_lock answers 1 ("1 not moved"); elsewhere -EAGAIN and a retry."""
    k, p, a, m, r = fault_during_migration(at)
    k.run_tasks()
    assert (m.result, r.result) == (not_moved, b"moving")
    assert k.page(p, a).node == node
    k.check()


def test_only_the_tree_lock_answer_changes_at_fixups():
    """The still-mapped test already answered -EAGAIN at the reorg; fixups changes the other one."""
    reorg = migsim.series.diff("fixups")
    removed = [line for line in reorg.splitlines() if line.startswith("-") and "return" in line]
    added = [line for line in reorg.splitlines() if line.startswith("+") and "return" in line]
    assert [line[1:].split("#")[0].strip() for line in removed] == ["return 1"]
    assert [line[1:].split("#")[0].strip() for line in added] == ["return -EAGAIN"]
