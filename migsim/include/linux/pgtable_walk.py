"""Page-table walking for the simulated i386 (pgd -> pte; the pmd is folded).

Plain helpers, like the pgd_offset/pte_offset_map macros: they read and write
the mm's tables and never schedule. Tables are allocated on first use.
"""

from ..asm_i386.pgtable import PAGE_SHIFT, PGDIR_SHIFT, PTRS_PER_PTE


def get_pte(mm, address):
    """The pte value mapping `address` (0 if there is no page table)."""
    table = mm.pgd[address >> PGDIR_SHIFT]
    return 0 if table is None else table[(address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)]


def set_pte_at(mm, address, pte):
    """Store `pte` for `address`, allocating the page table if needed."""
    i = address >> PGDIR_SHIFT
    table = mm.pgd[i]
    if table is None:
        table = mm.pgd[i] = [0] * PTRS_PER_PTE
    table[(address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)] = pte


def pte_clear(mm, address):
    table = mm.pgd[address >> PGDIR_SHIFT]
    if table is not None:
        table[(address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)] = 0


def ptes_in_range(mm, start, end):
    """(address, pte) for every non-none pte in [start, end), in address order."""
    addr = start
    while addr < end:
        table = mm.pgd[addr >> PGDIR_SHIFT]
        next_table = ((addr >> PGDIR_SHIFT) + 1) << PGDIR_SHIFT
        stop = min(end, next_table)
        if table is not None:
            i = (addr >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)
            for a in range(addr, stop, 1 << PAGE_SHIFT):
                pte = table[i]
                if pte:
                    yield a, pte
                i += 1
        addr = stop
