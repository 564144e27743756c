"""mm/mprotect.c: changing the protection of a range of memory."""

from errno import EACCES, EINVAL, ENOMEM

from ..include.asm_i386 import pgtable as pg
from ..include.asm_i386.mman import PROT_EXEC, PROT_READ, PROT_WRITE
from ..include.linux.mm import VM_EXEC, VM_READ, VM_WRITE
from ..include.linux.pgtable_walk import ptes_in_range, set_pte_at
from ..include.linux.rwsem import down_write, up_write
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swapops import pte_to_swp_entry, swp_entry_to_pte
from ..kbuild import kfile
from .mmap import calc_vm_prot_bits, protection_map

mprotect_c = kfile("mm/mprotect.c")


@mprotect_c.function(since="v2.6.16")
def change_pte_range(k, mm, addr, end, newprot):
    """Rewrite the present ptes of [addr, end) with the new protection."""
    yield from spin_lock(mm.page_table_lock, k.who())
    for a, pte in list(ptes_in_range(mm, addr, end)):
        if pg.pte_present(pte):
            set_pte_at(mm, a, pg.pte_modify(pte, newprot))
    spin_unlock(mm.page_table_lock)


@mprotect_c.function(since="v2.6.16")
def change_protection(k, vma, start, end, newprot):
    yield from k.change_pte_range(vma.vm_mm, start, end, newprot)


@mprotect_c.function(since="v2.6.16")
def mprotect_fixup(k, vma, start, end, newflags):
    """Give [start, end) of `vma` new flags, splitting it as needed."""
    mm = vma.vm_mm
    if start != vma.vm_start:
        yield from k.split_vma(mm, vma, start, 1)
    if end != vma.vm_end:
        yield from k.split_vma(mm, vma, end, 0)
    vma.vm_flags = newflags
    vma.vm_page_prot = protection_map[newflags & 0xF]
    yield from k.change_protection(vma, start, end, vma.vm_page_prot)
    return 0


@mprotect_c.function(since="v2.6.16", syscall=True)
def sys_mprotect(k, start, length, prot):
    """Change the protection of [start, start+len): 0 or -errno."""
    if start & ~pg.PAGE_MASK:
        return -EINVAL
    if prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC):
        return -EINVAL
    length = (length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK
    end = start + length
    if end <= start:
        return -ENOMEM if end < start else 0
    mm = k.current.mm
    yield from down_write(mm.mmap_sem)
    err = 0
    vmas = [v for v in mm.mmap if v.vm_end > start and v.vm_start < end]
    if not vmas or vmas[0].vm_start > start:
        err = -ENOMEM
    nstart = start
    for vma in vmas if not err else []:
        if vma.vm_start > nstart:
            err = -ENOMEM                     # a hole in the range
            break
        newflags = calc_vm_prot_bits(prot) | (vma.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC))
        if (newflags & ~(newflags >> 4)) & 0xF:
            err = -EACCES                     # asks for a right the mapping may not have
            break
        tmp = min(vma.vm_end, end)
        err = yield from k.mprotect_fixup(vma, nstart, tmp, newflags)
        if err:
            break
        nstart = tmp
    if not err and nstart < end:
        err = -ENOMEM
    up_write(mm.mmap_sem)
    return err


# === migration-entries (0697212a, 2.6.18) ==================================================

@mprotect_c.function(since="migration-entries")
def change_pte_range(k, mm, addr, end, newprot):
    """Rewrite the present ptes of [addr, end) with the new protection.

    A write migration entry becomes a read entry: working out whether the
    new protection allows writing is hard here, so be safe and deny it
    (a later write fault will grant it).
    """
    yield from spin_lock(mm.page_table_lock, k.who())
    for a, pte in list(ptes_in_range(mm, addr, end)):
        if pg.pte_present(pte):
            set_pte_at(mm, a, pg.pte_modify(pte, newprot))
        elif not pg.pte_file(pte):
            entry = pte_to_swp_entry(pte)
            if k.is_write_migration_entry(entry):
                set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry_read(entry)))
    spin_unlock(mm.page_table_lock)
