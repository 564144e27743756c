"""Bugs of the simulator found by tests/test_stateful.py, each replayed directly.

Each test names the symptom Hypothesis found and checks that it is gone.
"""

import migsim
from helpers import step_until, written_pages

AT = "v2.6.16"
PAGE = migsim.PAGE_SIZE


def test_prot_none_pte_still_maps_its_page():
    # check() did not count a PROT_NONE pte (_PAGE_PROTNONE set, _PAGE_PRESENT clear)
    # as a mapping, and reported "mapcount 1 but 0 ptes map it". On i386 such a pte
    # is pte_present(): it keeps its page, its reference and its mapcount.
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=24, seed=2006)
    p = k.spawn("p")
    f = k.create_file("e0", 2, fs="ext2")
    a = p.mmap(1, file=f, shared=False)
    b = p.mmap(1)
    p.read(a, 16)
    p.write(b, b"anon")
    assert p.mprotect(a, 1, "") == 0
    assert p.mprotect(b, 1, "") == 0
    assert k.pte(p, a).protnone and k.pte(p, b).protnone
    k.check()
    assert p.mprotect(b, 1, "rw") == 0
    assert p.read(b, 4) == b"anon"
    k.check()


def _reclaim_into_page_referenced(k):
    """Start reclaim and step it until it waits for an anon_vma lock in page_referenced."""
    r = k.start(k.try_to_free_pages, 8, label="R")
    while True:
        point = r.step()
        k.check()
        if r.where()[0] == "page_referenced" and point.name == "spin_lock":
            return r


def swapping(npages, first):
    """A machine with an 8-slot swap area and a process with `npages` pages mapped, `first` written."""
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=24, seed=2006)
    k.sys_swapon(8)
    p = k.spawn("p")
    a = p.mmap(npages)
    p.write(a, first)
    return k, p, a


def test_migration_while_reclaim_walks_rmap_of_an_active_page():
    # refill_inactive_zone called page_referenced on pages still on the active list,
    # holding no reference, and page_referenced re-read PageAnon after its walk. A
    # migration that ran while the walk waited for the anon_vma lock moved and freed
    # the page; page_referenced then took the freed page for a file page and unlocked
    # it: "kernel BUG at mm/filemap.c! unlock_page of unlocked pfn". As in the kernel,
    # refill now isolates the pages with a reference first, and page_referenced
    # decides anon or file once.
    k, p, a = swapping(1, b"hello")
    r = _reclaim_into_page_referenced(k)
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not m.done:
        m.step()
        k.check()
    assert m.result == 0
    while not r.done:
        r.step()
        k.check()
    assert p.read(a, 5) == b"hello"
    k.check()


def test_task_ending_with_out_of_memory_is_no_longer_in_flight():
    # A task whose path raised OutOfMemory was left "not done": check() then
    # believed a kernel path was still running and relaxed its invariants for
    # the rest of the machine's life.
    k = migsim.Kernel(at=AT, nodes=1, frames_per_node=1, seed=2006)
    p = k.spawn("p")
    a = p.mmap(2)
    p.write(a, b"first")
    t = k.start(p.write, a + PAGE, b"second")
    try:
        while True:
            t.step()
    except migsim.OutOfMemory:
        pass
    assert t.done
    assert k.runnable_labels() == ""
    k.check()
    assert p.read(a, 5) == b"first"


def test_prot_none_pages_migrate_like_any_other():
    # check_pte_range skipped PROT_NONE ptes; in 2.6.16 it takes every pte_present()
    # pte, and a PROT_NONE pte is one, so its page moves with the rest.
    k, p, a = swapping(2, b"open")
    p.write(a + PAGE, b"closed")
    assert p.mprotect(a + PAGE, 1, "") == 0
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    k.check()
    assert k.pte(p, a + PAGE).protnone
    assert p.mprotect(a + PAGE, 1, "rw") == 0
    assert k.page(p, a).node == 1
    assert p.read(a + PAGE, 6) == b"closed"
    assert k.page(p, a + PAGE).node == 1
    k.check()


def test_split_vma_is_atomic_for_rmap_walks():
    # split_vma shrank the old vma first and linked the new one later, passing
    # scheduling points (spin_lock) in between. A migration of the forked child,
    # restoring the swap ptes in remove_from_swap at that moment, found no vma
    # covering the split-off part of the parent's range: the parent's swap pte
    # stayed, its swap-cache page was deleted, and the parent read zeroes
    # (check() also saw "pte ... outside any vma"). As vma_adjust does, the vma
    # now shrinks and the new one is linked under i_mmap_lock and the anon_vma lock.
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=24, seed=2006)
    k.sys_swapon(16)
    x = k.spawn("x")
    a = x.mmap(2)
    x.write(a, b"first")
    x.write(a + PAGE, b"second")
    y = x.fork()
    m = k.start(k.sys_migrate_pages, y.pid, [0], [1], label="M")     # MOVE_ALL: shared pages too
    step_until(m, "remove_from_swap", "spin_lock")
    k.check()
    t = k.start(x.mprotect, a + PAGE, 1, "r", label="P")
    step_until(t, "split_vma", "spin_lock")
    k.check()
    for task in (m, t):
        while not task.done:
            task.step()
            k.check()
    assert m.result == 0 and t.result == 0
    assert x.read(a, 5) == b"first" and x.read(a + PAGE, 6) == b"second"
    assert y.read(a, 5) == b"first" and y.read(a + PAGE, 6) == b"second"
    k.check()


def test_check_during_munmap_in_flight():
    # check() reported "lost what it wrote (pte is none)" while a munmap task was
    # between zapping the ptes and returning: the process's shadow forgets the
    # range only when munmap returns. It now tolerates exactly the range of a
    # do_munmap still in flight, and nothing else.
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=24, seed=2006)
    p, a = written_pages(k, 3, comm="p")
    t = k.start(p.munmap, a + PAGE, 1, label="U")
    while not t.done:
        t.step()
        k.check()
    assert t.result == 0
    assert p.read(a, 6) == b"page 0" and p.read(a + 2 * PAGE, 6) == b"page 2"
    k.check()
