"""Page migration as 2.6.16 shipped it: through the swap cache."""

import migsim
from migsim import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL
from helpers import written_pages

AT = "v2.6.16"
PAGE = migsim.PAGE_SIZE


def machine(pages=6, frames=32):
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=frames, seed=7)
    p, a = written_pages(k, pages, b"anon page %d", node=0)
    return k, p, a


def nodes_of(k, p, a, n):
    return [k.page(p, a + i * PAGE).node for i in range(n)]


def test_migration_moves_every_page_with_its_bytes_and_stays_consistent_at_every_point():
    k, p, a = machine()
    f = k.create_file("notes", 3, fs="ext2")
    q = p.mmap(3, file=f, shared=True)
    for i in range(3):
        p.write(q + i * PAGE + 100, f"note {i}".encode())
    assert k.sys_swapon(64) == 0
    before = [p.read(a + i * PAGE, 16) for i in range(6)] + [p.read(q + i * PAGE, 120) for i in range(3)]
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    points = 0
    while not t.done:
        t.step()
        points += 1
        k.check()
    assert t.result == 0
    assert points > 20
    assert nodes_of(k, p, a, 6) == [1] * 6
    assert all(k.pte(p, q + i * PAGE).none for i in range(3))   # file ptes are just dropped ...
    after = [p.read(a + i * PAGE, 16) for i in range(6)] + [p.read(q + i * PAGE, 120) for i in range(3)]
    assert nodes_of(k, p, q, 3) == [1] * 3                      # ... and fault back in from node 1
    assert after == before
    assert all(page.node == 1 for page in f.i_mapping.page_tree.values())
    k.check()


def test_anonymous_pages_pass_through_the_swap_cache_and_come_back_as_ptes():
    k, p, a = machine(pages=1)
    k.sys_swapon(8)
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    seen_swap_pte = False
    while not t.done:
        t.step()
        seen_swap_pte |= k.pte(p, a).swap
    assert seen_swap_pte
    pte = k.pte(p, a)
    assert pte.present and not pte.swap
    assert not pte.write                       # remove_from_swap rebuilt it read-only (vm_page_prot)
    assert k.swap_info[0].inuse_pages == 0     # the borrowed slot was given back
    p.write(a, b"again")                       # a write fault reuses the page in place
    assert k.page(p, a).node == 1 and k.pte(p, a).write


def test_without_swap_migrate_pages_quietly_moves_nothing():
    k, p, a = machine(pages=2)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0   # check_range's -ENODEV is dropped by migrate_to_node
    assert nodes_of(k, p, a, 2) == [0, 0]
    k.check()


def test_without_swap_mbind_move_reports_enodev():
    k, p, a = machine(pages=2)
    assert p.mbind(a, 2, "bind", [1], MPOL_MF_MOVE) == -19
    assert nodes_of(k, p, a, 2) == [0, 0]
    k.check()


def test_with_swap_mbind_move_migrates_to_the_policy_nodes():
    k, p, a = machine(pages=3)
    k.sys_swapon(8)
    assert p.mbind(a, 3, "bind", [1], MPOL_MF_MOVE) == 0
    assert nodes_of(k, p, a, 3) == [1, 1, 1]
    p.write(a + 3 * PAGE - 1, b"x")
    k.check()


def shared_after_fork():
    k, p, a = machine(pages=4)
    c = p.fork()
    p.write(a, b"parent's own")               # page 0 is now private to p (COW copy)
    k.sys_swapon(16)
    return k, p, c, a


def test_mpol_mf_move_skips_pages_mapped_by_more_than_one_process():
    k, p, c, a = shared_after_fork()
    assert p.migrate_pages(p.pid, [0], [1]) == 0      # as its owner: MPOL_MF_MOVE
    assert nodes_of(k, p, a, 4) == [1, 0, 0, 0]
    assert nodes_of(k, c, a, 4) == [0, 0, 0, 0]
    k.check()


def test_mpol_mf_move_all_moves_shared_pages_too():
    k, p, c, a = shared_after_fork()
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0  # as root: MPOL_MF_MOVE_ALL
    assert nodes_of(k, p, a, 4) == [1, 1, 1, 1]
    assert nodes_of(k, c, a, 4)[1:] == [1, 1, 1]      # the child sees the same moved pages
    assert c.read(a, 12) == b"anon page 0\0"[:12]
    k.check()


def test_mbind_move_all_needs_cap_sys_nice():
    k, p, c, a = shared_after_fork()
    assert p.mbind(a, 4, "bind", [1], MPOL_MF_MOVE_ALL) == -1
    assert nodes_of(k, p, a, 4) == [0, 0, 0, 0]


def test_migrating_another_users_process_is_refused():
    k, p, a = machine(pages=1)
    k.sys_swapon(8)
    other = k.spawn("intruder", uid=2000)
    assert other.migrate_pages(p.pid, [0], [1]) == -1
    assert nodes_of(k, p, a, 1) == [0]


def test_fork_then_write_leaves_the_parents_bytes_untouched():
    k, p, a = machine(pages=2)
    c = p.fork()
    assert not k.pte(p, a).write and not k.pte(c, a).write   # both write-protected for COW
    assert k.page(p, a) is k.page(c, a)
    c.write(a, b"CHILD")
    assert p.read(a, 11) == b"anon page 0"
    assert c.read(a, 11) == b"CHILDpage 0"
    assert k.page(p, a) is not k.page(c, a)
    k.check()


def test_a_locked_vma_is_a_permanent_failure():
    k, p, a = machine(pages=1)
    k.sys_swapon(8)
    from migsim.include.linux.mm import VM_LOCKED
    p.mm.mmap[0].vm_flags |= VM_LOCKED        # as mlock() would (mlock is not simulated)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0   # not counted: check_range skips VM_LOCKED vmas
    assert nodes_of(k, p, a, 1) == [0]
    k.check()


def test_swapped_out_pages_are_not_migrated_and_still_read_back():
    k, p, a = machine(pages=4, frames=8)
    k.sys_swapon(16)
    k.reclaim(8)
    assert any(k.pte(p, a + i * PAGE).swap for i in range(4))
    k.sys_migrate_pages(p.pid, [0], [1])
    assert [p.read(a + i * PAGE, 11) for i in range(4)] == [f"anon page {i}".encode() for i in range(4)]
    k.check()
