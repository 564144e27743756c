"""mm/mmap.c: creating, splitting and removing vmas.

Simplified: no vma merging, no accounting (VM_ACCOUNT), bottom-up placement
from TASK_UNMAPPED_BASE only, page tables are never freed.
"""

import bisect
from errno import EINVAL, ENOMEM

from ..include.asm_i386 import pgtable as pg
from ..include.asm_i386.mman import MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE
from ..include.linux.mm import (VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_READ,
                                VM_SHARED, VM_WRITE, VM_EXEC, VMA)
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..kbuild import kfile

mmap_c = kfile("mm/mmap.c")

TASK_UNMAPPED_BASE = 0x40000000

# protection_map[VM_READ|VM_WRITE|VM_EXEC|VM_SHARED]: private writable is COW (read-only ptes)
protection_map = [pg.PAGE_NONE, pg.PAGE_READONLY, pg.PAGE_COPY, pg.PAGE_COPY,
                  pg.PAGE_READONLY, pg.PAGE_READONLY, pg.PAGE_COPY, pg.PAGE_COPY,
                  pg.PAGE_NONE, pg.PAGE_READONLY, pg.PAGE_SHARED, pg.PAGE_SHARED,
                  pg.PAGE_READONLY, pg.PAGE_READONLY, pg.PAGE_SHARED, pg.PAGE_SHARED]


def calc_vm_prot_bits(prot):
    return ((VM_READ if prot & PROT_READ else 0) | (VM_WRITE if prot & PROT_WRITE else 0)
            | (VM_EXEC if prot & PROT_EXEC else 0))


@mmap_c.function(since="v2.6.16")
def find_vma(k, mm, addr):
    """The first vma with vm_end > addr (it may start above addr), or None."""
    for vma in mm.mmap:
        if vma.vm_end > addr:
            return vma
    return None


@mmap_c.function(since="v2.6.16")
def get_unmapped_area(k, mm, length):
    """The lowest free range of `length` bytes from TASK_UNMAPPED_BASE (0 if none)."""
    addr = TASK_UNMAPPED_BASE
    for vma in mm.mmap:
        if vma.vm_end <= addr:
            continue
        if vma.vm_start >= addr + length:
            break
        addr = vma.vm_end
    return addr if addr + length <= pg.TASK_SIZE else 0


def __vma_link_list(mm, vma):
    bisect.insort(mm.mmap, vma, key=lambda v: v.vm_start)


@mmap_c.function(since="v2.6.16")
def vma_link(k, mm, vma, after=None):
    """Add a vma to its mm and to its file's i_mmap (after `after`, else at the end)."""
    __vma_link_list(mm, vma)
    if vma.vm_file is not None:
        mapping = vma.vm_file.i_mapping
        yield from spin_lock(mapping.i_mmap_lock, k.who())
        if after is not None and after in mapping.i_mmap:
            mapping.i_mmap.insert(mapping.i_mmap.index(after) + 1, vma)
        else:
            mapping.i_mmap.append(vma)
        spin_unlock(mapping.i_mmap_lock)


@mmap_c.function(since="v2.6.16")
def do_mmap_pgoff(k, file, length, prot, flags, pgoff):
    """Map `length` bytes (of `file` from page `pgoff`) in the current mm: address or -errno."""
    mm = k.current.mm
    length = (length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK
    addr = k.get_unmapped_area(mm, length)
    if not addr:
        return -ENOMEM
    vm_flags = calc_vm_prot_bits(prot) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC
    if flags & MAP_SHARED:
        vm_flags |= VM_SHARED | VM_MAYSHARE
    if file is None:
        pgoff = addr >> pg.PAGE_SHIFT
    vma = VMA(mm, addr, addr + length, vm_flags, protection_map[vm_flags & 0xF], pgoff, file)
    yield from k.vma_link(mm, vma)
    return addr


@mmap_c.function(since="v2.6.16")
def split_vma(k, mm, vma, addr, new_below):
    """Cut `vma` at `addr`; the new vma takes the part below (new_below) or above.

    As vma_adjust does, the old vma shrinks and the new one is linked (mm list,
    i_mmap, anon_vma) under the file's i_mmap_lock and the anon_vma lock, all
    at once: an rmap walk on another CPU sees the vma whole or split, never a
    range that no vma covers.
    """
    new = VMA(mm, vma.vm_start, vma.vm_end, vma.vm_flags, vma.vm_page_prot, vma.vm_pgoff, vma.vm_file)
    new.anon_vma, new.vm_policy = vma.anon_vma, vma.vm_policy
    delta = (addr - vma.vm_start) >> pg.PAGE_SHIFT
    if new_below:
        new.vm_end = addr
    else:
        new.vm_start = addr
        new.vm_pgoff += delta
    mapping = vma.vm_file.i_mapping if vma.vm_file is not None else None
    if mapping is not None:
        yield from spin_lock(mapping.i_mmap_lock, k.who())
    if vma.anon_vma is not None:
        yield from spin_lock(vma.anon_vma.lock, k.who())
    if new_below:
        vma.vm_start = addr
        vma.vm_pgoff += delta
    else:
        vma.vm_end = addr
    __vma_link_list(mm, new)                  # __insert_vm_struct: list, file, anon_vma
    if mapping is not None:
        mapping.i_mmap.insert(mapping.i_mmap.index(vma) + 1, new)
    if new.anon_vma is not None:
        k.__anon_vma_link(new)
        spin_unlock(vma.anon_vma.lock)
    if mapping is not None:
        spin_unlock(mapping.i_mmap_lock)
    return 0


@mmap_c.function(since="v2.6.16")
def remove_vma(k, vma):
    """Unlink a vma from its anon_vma, its file and its mm."""
    yield from k.anon_vma_unlink(vma)
    if vma.vm_file is not None:
        mapping = vma.vm_file.i_mapping
        yield from spin_lock(mapping.i_mmap_lock, k.who())
        mapping.i_mmap.remove(vma)
        spin_unlock(mapping.i_mmap_lock)
    vma.vm_mm.mmap.remove(vma)


@mmap_c.function(since="v2.6.16")
def do_munmap(k, mm, start, length):
    """Unmap [start, start+len): 0 or -EINVAL. Caller holds mmap_sem for writing."""
    if start & ~pg.PAGE_MASK or start + length > pg.TASK_SIZE or length <= 0:
        return -EINVAL
    end = start + ((length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK)
    for vma in [v for v in mm.mmap if v.vm_end > start and v.vm_start < end]:
        if vma.vm_start < start:
            yield from k.split_vma(mm, vma, start, 1)
        if vma.vm_end > end:
            yield from k.split_vma(mm, vma, end, 0)
    for vma in [v for v in mm.mmap if v.vm_start >= start and v.vm_end <= end]:
        yield from k.zap_page_range(vma, vma.vm_start, vma.vm_end - vma.vm_start)
        yield from k.remove_vma(vma)
    return 0


@mmap_c.function(since="v2.6.16")
def exit_mmap(k, mm):
    """Tear down a whole address space (the last user of the mm is gone)."""
    for vma in list(mm.mmap):
        yield from k.zap_page_range(vma, vma.vm_start, vma.vm_end - vma.vm_start)
    for vma in list(mm.mmap):
        yield from k.remove_vma(vma)
