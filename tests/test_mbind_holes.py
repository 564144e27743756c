"""mbind over partly mapped ranges: check_range's walk from find_vma(start), as the kernel's.

The layout: vma A (2 pages), a one-page hole, vma B (2 pages), nothing above.
-EFAULT comes only from a hole between two vmas of the range, or from a
range that ends past the last vma; a hole at the start, a range ending in a
hole before another vma, or a range with no vma in it is no error.
"""

import pytest

import migsim
from migsim.include.linux import mm as mm_h

PAGE = migsim.PAGE_SIZE
EFAULT = 14


def two_vmas_and_a_hole(at):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=8)
    k.sys_swapon(8)                           # migration needs swap before swapless-core
    p = k.spawn("holes")
    a = p.mmap(2)
    hole = p.mmap(1)
    b = p.mmap(2)
    p.munmap(hole, 1)
    for addr in (a, a + PAGE, b, b + PAGE):
        p.write(addr, b"on node 0")
    return k, p, a, b


# (what the range covers, first page relative to A, pages, errno)
TABLE = [
    ("A", 0, 2, 0),
    ("hole below A, then A", -1, 3, 0),
    ("only the hole below A", -2, 2, 0),
    ("A, then the hole before B", 0, 3, 0),
    ("only the hole between A and B", 2, 1, 0),
    ("the hole between, then B", 2, 3, 0),
    ("A, the hole, B", 0, 5, -EFAULT),
    ("B, then past the last vma", 3, 3, -EFAULT),
    ("only past the last vma", 5, 2, -EFAULT),
    ("everything and past the last vma", -1, 8, -EFAULT),
]


@pytest.mark.parametrize("at", ["v2.6.16", "swapless-core"])
@pytest.mark.parametrize("covers, first, npages, errno", TABLE, ids=[row[0] for row in TABLE])
def test_mbind_errno_over_partly_mapped_ranges(at, covers, first, npages, errno):
    k, p, a, b = two_vmas_and_a_hole(at)
    assert p.mbind(a + first * PAGE, npages, "bind", [1], migsim.MPOL_MF_MOVE) == errno
    k.check()


def test_a_hole_at_the_start_is_no_error_and_the_pages_after_it_move():
    k, p, a, b = two_vmas_and_a_hole("swapless-core")
    assert p.mbind(a - PAGE, 3, "bind", [1], migsim.MPOL_MF_MOVE) == 0
    assert [k.page(p, a + i * PAGE).node for i in range(2)] == [1, 1]
    assert [k.page(p, b + i * PAGE).node for i in range(2)] == [0, 0]
    assert p.read(a, 9) == b"on node 0"


def test_with_the_default_policy_holes_do_not_matter_but_a_range_past_every_vma_does():
    k, p, a, b = two_vmas_and_a_hole("swapless-core")
    assert p.mbind(a, 5, "default") == 0                     # MPOL_MF_DISCONTIG_OK
    assert p.mbind(b + 2 * PAGE, 1, "default") == -EFAULT    # find_vma finds nothing


@pytest.mark.parametrize("flag", ["VM_LOCKED", "VM_IO", "VM_HUGETLB", "VM_PFNMAP", "VM_RESERVED"])
def test_vma_migratable_refuses_locked_io_huge_pfnmap_and_reserved_vmas(flag):
    k, p, a, b = two_vmas_and_a_hole("swapless-core")
    vma = k.find_vma(p.mm, a)
    vma.vm_flags |= getattr(mm_h, flag)
    assert p.mbind(a, 2, "bind", [1], migsim.MPOL_MF_MOVE) == 0   # nothing asked to move: no error
    assert [k.page(p, a + i * PAGE).node for i in range(2)] == [0, 0]
    vma.vm_flags &= ~getattr(mm_h, flag)
    assert p.mbind(a, 2, "bind", [1], migsim.MPOL_MF_MOVE) == 0
    assert [k.page(p, a + i * PAGE).node for i in range(2)] == [1, 1]


@pytest.mark.parametrize("at", ["v2.6.16", "swapless-core"])
def test_mbind_over_part_of_a_vma_gives_the_policy_to_that_part_only(at):
    k, p, a, b = two_vmas_and_a_hole(at)
    assert p.mbind(b + PAGE, 1, "bind", [1], migsim.MPOL_MF_MOVE) == 0
    inside, below = k.find_vma(p.mm, b + PAGE), k.find_vma(p.mm, b)
    assert (inside.vm_start, inside.vm_end) == (b + PAGE, b + 2 * PAGE) and inside.vm_policy.nodes == {1}
    assert below.vm_end == b + PAGE and below.vm_policy is None
    assert [k.page(p, b + i * PAGE).node for i in range(2)] == [0, 1]
    assert p.mbind(a, 1, "interleave", [0, 1]) == 0         # a split at the end, none at the start
    first, rest = k.find_vma(p.mm, a), k.find_vma(p.mm, a + PAGE)
    assert first.vm_end == a + PAGE and first.vm_policy.policy == 3 and rest.vm_policy is None
    k.check()
