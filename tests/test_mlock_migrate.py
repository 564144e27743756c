"""mlock-migrate (e6a1530d) and the words around it: what moves an mlocked page in 2.6.18, and the young bit.

try_to_unmap_one tested `VM_LOCKED || ptep_clear_flush_young(...)`: on a
locked vma the young bit was never cleared, before or after the patch; in
migration mode the patch stops clearing it altogether. The policy layer's
vma_migratable still refuses VM_LOCKED until 0dc952dc (2.6.21).
"""

import pytest

import migsim
from migsim.include.linux.mm import VM_LOCKED
from migsim.include.linux.rmap import SWAP_FAIL



def locked_page(at):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=1)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"pinned")                     # the pte is young (accessed) and dirty
    p.mm.mmap[0].vm_flags |= VM_LOCKED        # Simplified: no sys_mlock; its effect on the vma
    return k, p, a


@pytest.mark.parametrize("at", ["v2.6.16", "dirty-fallback", "file-entries", "vma-migrate"])
def test_a_locked_vma_keeps_its_young_bit_when_unmapping_fails(at):
    """`VM_LOCKED || clear_young`: the || stops at the lock, so the pte stays young."""
    k, p, a = locked_page(at)
    assert k.pte(p, a).young
    vma = k.find_vma(p.mm, a)
    t = k.start(k.try_to_unmap_one, k.page(p, a), vma, 1, label="U")
    k.run_tasks()
    assert t.result == SWAP_FAIL
    assert k.pte(p, a).young and k.pte(p, a).present
    k.check()


def test_vma_migratable_is_a_kernel_function_of_mm_mempolicy_c():
    listing = migsim.series.listing("mm/mempolicy.c", "v2.6.18")
    assert "def vma_migratable(k, vma)" in listing and "VM_LOCKED" in listing.split("def vma_migratable")[1]
    assert migsim.series.where("vma_migratable", "v2.6.18")


@pytest.mark.parametrize("how, node", [
    ("sys_migrate_pages", 0),                 # vma_migratable skips the locked vma
    ("mbind MOVE", 0),                        # the same
    ("mbind MOVE|STRICT", 1),                 # STRICT walks every vma: the page is isolated and moves
    ("sys_move_pages", 1),                    # no vma_migratable test at all
])
def test_at_v2618_an_mlocked_page_moves_only_by_move_pages_or_a_strict_mbind(how, node):
    k, p, a = locked_page("v2.6.18")
    if how == "sys_migrate_pages":
        assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    elif how.startswith("mbind"):
        flags = migsim.MPOL_MF_MOVE | (migsim.MPOL_MF_STRICT if "STRICT" in how else 0)
        assert p.mbind(a, 1, "bind", [1], flags) == 0
    else:
        st = [None]
        assert k.sys_move_pages(p.pid, [a], [1], st, migsim.MPOL_MF_MOVE) == 0 and st == [1]
    assert k.page(p, a).node == node and p.read(a, 6) == b"pinned"
    k.check()
