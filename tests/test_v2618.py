"""The rest of 2.6.18: from no-rss to the v2.6.18 release, each step told apart from the one before."""

import inspect

import pytest

import migsim
from migsim import kbuild
from migsim.include.linux.mm import VM_LOCKED
from helpers import written_pages

PAGE = migsim.PAGE_SIZE
NEW = ["no-rss", "file-entries", "unmap-and-move", "free-pages", "new-page-t", "move-pages",
       "vma-migrate", "mlock-migrate", "v2.6.18"]
EPERM, EIO, ENOMEM = 1, 5, 12


def family(at, nodes=2, frames=24):
    """A process with 3 written anonymous pages, a written shared ext2 page and a listfs page, and a child."""
    k = migsim.Kernel(at=at, nodes=nodes, frames_per_node=frames, seed=18)
    p, a = written_pages(k, 3, b"anon %d")
    q = p.mmap(1, file=k.create_file("notes", 1, fs="ext2"), shared=True)
    p.write(q, b"ext2")
    r = p.mmap(1, file=k.create_file("log", 1, fs="listfs"), shared=True)
    p.write(r, b"listfs")
    c = p.fork()
    return k, p, c, a, q, r


def migrate_stepwise(k, p, addr):
    """sys_migrate_pages(p, 0 -> 1) as a task, checked at every point; the pte kinds seen at `addr`."""
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    kinds, rss = set(), set()
    while not t.done:
        t.step()
        k.check()
        kinds.add(k.pte(p, addr).kind())
        rss.add(p.mm.anon_rss)
    assert t.result == 0
    return kinds, rss


# --- the release ------------------------------------------------------------------------------

def test_the_default_kernel_is_the_release():
    assert migsim.steps.LAST == "v2.6.18" and migsim.Kernel().at == "v2.6.18"
    assert migsim.series.step("v2.6.18").files == () and not migsim.series.changes("v2.6.18")


def test_the_released_migrate_c_lists_its_functions_in_the_release_order():
    assert kbuild.file_items("mm/migrate.c", migsim.steps.INDEX["v2.6.18"]) == [
        "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "is_swap_pte",
        "remove_migration_pte", "remove_file_migration_ptes", "remove_anon_migration_ptes",
        "remove_migration_ptes", "migration_entry_wait", "migrate_page_move_mapping", "migrate_page_copy",
        "/* Migration functions */",
        "fail_migrate_page", "migrate_page", "buffer_migrate_page", "writeout", "fallback_migrate_page",
        "move_to_new_page", "unmap_and_move", "migrate_pages",
        "new_page_node", "do_move_pages", "do_pages_stat", "sys_move_pages", "migrate_vmas"]
    k = migsim.Kernel(at="v2.6.18")
    assert "swap_page" not in k.SYMBOLS and "migrate_pages_to" not in k.SYMBOLS
    assert k.SYMBOLS["pageout"].static              # vmscan.c's own again since file-entries


@pytest.mark.parametrize("at", NEW)
def test_every_new_step_migrates_everything_and_keeps_the_bytes(at):
    k, p, c, a, q, r = family(at)
    migrate_stepwise(k, p, a)
    for addr in (a, a + PAGE, a + 2 * PAGE):
        assert k.page(p, addr).node == 1
    assert [p.read(a + i * PAGE, 6) for i in range(3)] == [b"anon %d" % i for i in range(3)]
    assert c.read(a, 6) == b"anon 0" and p.read(q, 4) == b"ext2" and p.read(r, 6) == b"listfs"
    k.check()


# --- no-rss (442c9137) ----------------------------------------------------------------------------

@pytest.mark.parametrize("at, dips", [("swapon-fix", True), ("no-rss", False), ("v2.6.18", False)])
def test_rss_no_longer_dips_while_a_page_is_a_migration_entry(at, dips):
    k, p, c, a, q, r = family(at)
    before = p.mm.anon_rss
    kinds, rss = migrate_stepwise(k, p, a)
    assert "migration-write" in kinds or "migration-read" in kinds
    assert (min(rss) < before) == dips and p.mm.anon_rss == before


# --- file-entries (04e62a29) ------------------------------------------------------------------------

@pytest.mark.parametrize("at, keeps", [("no-rss", False), ("file-entries", True), ("v2.6.18", True)])
def test_file_pages_keep_their_ptes_through_migration_entries(at, keeps):
    k, p, c, a, q, r = family(at)
    kinds, _ = migrate_stepwise(k, p, q)
    assert ("migration-write" in kinds) == keeps
    page = k.page(p, q, default=None)
    if keeps:
        assert page.node == 1 and k.pte(p, q).write     # no fault needed to use it again
    else:
        assert page is None and not k.pte(p, q).present  # the next touch faults it back in
    assert k.files["notes"].i_mapping.page_tree[0].node == 1


@pytest.mark.parametrize("at", ["file-entries", "v2.6.18"])
def test_a_dirty_page_without_migratepage_is_written_out_with_its_ptes_back(at):
    k, p, c, a, q, r = family(at)
    seen = []
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not t.done:
        t.step()
        k.check()                                  # a migration entry only ever names a locked page
        seen.append("writeout" in t.stack() and "listfs_writepage" not in t.stack())
    assert t.result == 0 and any(seen)
    assert k.files["log"].disk[0].startswith(b"listfs")       # written out on the way
    assert k.page(p, r).node == 1 and p.read(r, 6) == b"listfs"


def test_file_entries_unmaps_file_pages_into_entries_that_fork_copies():
    k, p, c, a, q, r = family("v2.6.18")
    f = k.create_file("data", 1, fs="ext2")
    x = p.mmap(1, file=f, shared=False)
    assert p.read(x, 5) == b"data:"
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    while not k.pte(p, x).migration:
        m.step()
    assert not k.pte(p, x).migration_write            # a private file page was mapped read-only
    g = k.start(p.fork, label="F")
    k.run_tasks()
    assert m.result == 0 and g.result.read(x, 5) == b"data:" and k.page(p, x).node == 1
    k.check()


# --- unmap-and-move (e24f0b8f) -------------------------------------------------------------------

def test_unmap_and_move_and_move_to_new_page_do_the_work_of_the_old_loop():
    stacks = {}
    for at in ("file-entries", "unmap-and-move"):
        k, p, c, a, q, r = family(at)
        t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
        stacks[at] = []
        while not t.done:
            t.step()
            stacks[at].append(t.stack())
    assert not any("unmap_and_move" in s for s in stacks["file-entries"])
    assert any(s[-3:] == ["migrate_pages", "unmap_and_move", "try_to_unmap"] for s in stacks["unmap-and-move"])
    assert any("move_to_new_page" in s and "buffer_migrate_page" in s for s in stacks["unmap-and-move"])


# --- free-pages (aaa994b3) and new-page-t (95a402c3) ---------------------------------------------

def test_the_signature_of_migrate_pages_over_the_last_steps():
    def params(at):
        return list(inspect.signature(migsim.Kernel(at=at).migrate_pages).parameters)
    assert params("unmap-and-move") == ["from_", "to", "moved", "failed"]
    assert params("free-pages") == ["from_", "to"]
    assert params("new-page-t") == ["from_", "get_new_page", "private"]


@pytest.mark.parametrize("at, nodes", [("free-pages", [2, 1, 2, 1]), ("new-page-t", [1, 2, 1, 2])])
def test_mbind_interleave_places_each_page_by_its_own_address_from_new_page_t(at, nodes):
    k = migsim.Kernel(at=at, nodes=3, frames_per_node=16, seed=1)
    p, a = written_pages(k, 4, b"x%d")
    assert p.mbind(a, 4, "interleave", [1, 2], migsim.MPOL_MF_MOVE) == 0
    assert [k.page(p, a + i * PAGE).node for i in range(4)] == nodes   # before: batch order, reversed
    k.check()


def crowded(at, hog_pages):
    """Two nodes of 4 frames: gcc's 4 pages on node 0, a hog on node 1."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=4, seed=1)
    p, a = written_pages(k, 4, b"x%d")
    q = k.spawn("hog", node=1)
    b = q.mmap(hog_pages)
    for i in range(hog_pages):
        q.write(b + i * PAGE, b"h")
    return k, p, a


# free-pages: the allocation fails before any page moves; aaa994b3's migrate_pages_to then counts
# the four isolated pages as not moved (and leaves them off the LRU) instead of answering -ENOMEM.
@pytest.mark.parametrize("at, ret, nodes", [("free-pages", 4, [0, 0, 0, 0]),
                                            ("new-page-t", 0, [1, 0, 0, 0])])
def test_one_free_frame_is_enough_once_pages_are_allocated_one_at_a_time(at, ret, nodes):
    k, p, a = crowded(at, 3)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == ret
    # One at a time, each old frame freed is the next one's target: alloc_pages_node falls back.
    assert [k.page(p, a + i * PAGE).node for i in range(4)] == nodes
    k.check()


@pytest.mark.parametrize("at", ["new-page-t", "v2.6.18"])
def test_no_frame_at_all_is_enomem_and_every_page_goes_back(at):
    k, p, a = crowded(at, 4)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == -ENOMEM
    assert [k.page(p, a + i * PAGE).node for i in range(4)] == [0, 0, 0, 0]
    assert p.read(a + 3 * PAGE, 2) == b"x3"
    k.check()


# --- vma-migrate (7b2259b3) ------------------------------------------------------------------------

class MigratingOps:
    """A vm_operations_struct whose ->migrate records its calls and answers `err`."""

    def __init__(self, err):
        self.err, self.calls = err, []

    def migrate(self, vma, to, from_, flags):
        self.calls.append((vma.vm_start, sorted(to), sorted(from_)))
        return self.err


@pytest.mark.parametrize("at, asked", [("move-pages", False), ("vma-migrate", True), ("v2.6.18", True)])
def test_a_vma_with_a_migrate_method_is_asked_first(at, asked):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=1)
    p = k.spawn("gcc")
    a, b = p.mmap(1), p.mmap(1)
    p.write(a, b"a")
    p.write(b, b"b")
    first, last = MigratingOps(-EIO), MigratingOps(0)
    p.mm.mmap[0].vm_ops, p.mm.mmap[1].vm_ops = first, last
    ret = k.sys_migrate_pages(p.pid, [0], [1])
    if asked:
        assert ret == -EIO and first.calls == [(p.mm.mmap[0].vm_start, [0], [1])]
        assert k.page(p, a).node == 0                 # the error stops the migration
    else:
        assert ret == 0 and not first.calls and k.page(p, a).node == 1
    assert not last.calls                             # the kernel's loop never asks the last vma
    k.check()


# --- mlock-migrate (e6a1530d) ----------------------------------------------------------------------

def mlocked(at):
    """gcc with one written page in a VM_LOCKED vma (as mlock would leave it) and a child sharing a file page."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=1)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"pinned")
    p.mm.mmap[0].vm_flags |= VM_LOCKED            # Simplified: no sys_mlock; its effect on the vma
    return k, p, a


@pytest.mark.parametrize("at, status", [("vma-migrate", -EPERM), ("mlock-migrate", 1), ("v2.6.18", 1)])
def test_an_mlocked_page_moves_from_mlock_migrate_on(at, status):
    k, p, a = mlocked(at)
    st = [None]
    ret = k.sys_move_pages(p.pid, [a], [1], st, migsim.MPOL_MF_MOVE)
    assert st == [status] and ret == (0 if status == 1 else 1)
    assert k.page(p, a).node == (1 if status == 1 else 0) and p.read(a, 6) == b"pinned"
    k.check()


@pytest.mark.parametrize("at, node", [("vma-migrate", 0), ("mlock-migrate", 1)])
def test_a_file_page_mlocked_by_another_process_moves_with_move_all(at, node):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=1)
    f = k.create_file("shared", 1, fs="ext2")
    p, q = k.spawn("reader"), k.spawn("locker")
    x, y = p.mmap(1, file=f, shared=True), q.mmap(1, file=f, shared=True)
    p.read(x, 1)
    q.read(y, 1)
    q.mm.mmap[0].vm_flags |= VM_LOCKED
    k.sys_migrate_pages(p.pid, [0], [1])              # root: MPOL_MF_MOVE_ALL
    assert k.page(p, x).node == node and k.page(q, y).node == node
    k.check()


@pytest.mark.parametrize("at", ["vma-migrate", "mlock-migrate"])
def test_reclaim_still_leaves_mlocked_pages_alone(at):
    k, p, a = mlocked(at)
    k.sys_swapon(16)
    k.reclaim(32)
    assert k.pte(p, a).present and p.read(a, 6) == b"pinned"
    k.check()
