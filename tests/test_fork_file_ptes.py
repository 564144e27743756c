"""fork copies no ptes for a vma without an anon_vma (kernel-facts §7), at every step.

Shared file mappings, and private ones never written, are left for the
child to fault in: copy_page_range returns at once. So after fork such a
page is still mapped once (by the parent), MPOL_MF_MOVE moves it, and file
rmap walks meet the child's vma with no pte in it.
"""

import pytest

import migsim
from migsim.include.linux.mm import page_mapcount, vma_address
from migsim.include.linux.page_flags import TestSetPageLocked
from migsim.include.linux.rmap import SWAP_SUCCESS

PAGE = migsim.PAGE_SIZE
STEPS = ["v2.6.16", "dirty-fallback", "swapless-core", migsim.series.ids()[-1]]
FS = ["ext2", "listfs"]


def forked(at, fs, shared=True):
    """A parent that read page 0 of a two-page file mapping, and its child."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=16)
    k.sys_swapon(8)                           # MPOL_MF_MOVE needs swap before swapless-core
    f = k.create_file("data", 2, fs=fs)
    p = k.spawn("parent")
    q = p.mmap(2, file=f, shared=shared)
    assert p.read(q, 7) == b"data:0\n"
    c = p.fork()
    return k, f, p, c, q


@pytest.mark.parametrize("fs", FS)
@pytest.mark.parametrize("at", STEPS)
@pytest.mark.parametrize("shared", [True, False], ids=["shared", "private never written"])
def test_the_child_of_a_fork_has_no_pte_for_a_file_mapping_without_anon_vma(at, fs, shared):
    k, f, p, c, q = forked(at, fs, shared)
    page = k.page(p, q)
    assert k.pte(c, q).value == 0 and k.page(c, q, default=None) is None
    assert page._mapcount == 0 and page_mapcount(page) == 1        # the parent's pte only
    assert c.read(q, 7) == b"data:0\n"                               # the child faults it in
    assert k.page(c, q) is page and page_mapcount(page) == 2
    k.check()


@pytest.mark.parametrize("fs", FS)
@pytest.mark.parametrize("at", STEPS)
def test_mbind_move_by_the_parent_moves_a_shared_file_page_after_fork(at, fs):
    k, f, p, c, q = forked(at, fs)
    old = k.page(p, q)
    assert old.node == 0
    assert p.mbind(q, 1, "bind", [1], migsim.MPOL_MF_MOVE) == 0
    new = f.i_mapping.page_tree[0]
    # Before file-entries the parent's pte goes with the old page; from then on it is kept.
    kept = migsim.steps.INDEX[at] >= migsim.steps.INDEX["file-entries"]
    assert new is not old and new.node == 1 and page_mapcount(new) == int(kept)
    assert c.read(q, 7) == b"data:0\n" and p.read(q, 7) == b"data:0\n"
    assert k.page(c, q) is new and k.page(p, q) is new
    k.check()


def test_what_the_parent_wrote_to_a_shared_page_the_child_reads_through_its_own_fault():
    k, f, p, c, q = forked("v2.6.16", "ext2")
    p.write(q + PAGE, b"from the parent")
    assert k.pte(c, q + PAGE).value == 0
    assert c.read(q + PAGE, 15) == b"from the parent"
    k.check()


def test_a_written_private_file_mapping_has_an_anon_vma_so_fork_copies_all_its_ptes():
    k, f, p, c, q = forked("v2.6.16", "ext2", shared=False)
    p.write(q + PAGE, b"private copy")       # COW: the vma gets an anon_vma
    c2 = p.fork()
    assert k.page(c2, q) is k.page(p, q)      # the page-cache page read before, shared again
    assert c2.read(q + PAGE, 12) == b"private copy"
    assert k.pte(c, q).value == 0             # the first child forked before the write
    k.check()


@pytest.mark.parametrize("at", ["v2.6.16", "swapless-core"])
def test_file_rmap_walks_meet_the_childs_vma_with_no_pte(at):
    k, f, p, c, q = forked(at, "listfs")
    page = k.page(p, q)
    parent_vma, child_vma = f.i_mapping.i_mmap
    assert parent_vma.vm_mm is p.mm and child_vma.vm_mm is c.mm
    assert vma_address(page, child_vma) == q and k.pte(c, q).value == 0   # a vma to visit, no pte in it
    assert not TestSetPageLocked(page)
    t = k.start(k.try_to_unmap, page, 1, label="R")   # as migration does: young ptes go too
    visited = []
    while not t.done:
        point = t.step()
        if point is not None and point.name == "rmap_walk_vma":
            visited.append(point.objs[1])
    assert t.result == SWAP_SUCCESS
    assert visited == [parent_vma]            # unmapped once the parent's pte is gone
    k.unlock_page(page)
    assert page_mapcount(page) == 0 and k.pte(p, q).value == 0
    assert c.read(q, 7) == b"data:0\n" and p.read(q, 7) == b"data:0\n"
    k.check()
