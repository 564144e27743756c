"""Page-table walking for the simulated i386 (pgd -> pte; the pmd is folded).

Plain helpers, like the pgd_offset/pte_offset_map macros: they read and write
the mm's tables and never schedule. Tables are allocated on first use.

`PageDirectory` and `PageTable` are lists of the real sizes (1024 entries)
that also keep an index the kernel has no need of: which tables exist, which
of their slots hold a pte, and a count of the changes made to them. It lets
`Kernel.check()` visit the ptes that exist instead of every slot, and skip
re-reading an mm whose tables and vmas are as they were at the last check.
Every store goes through ``table[i] = pte``, so no path can miss the index.
"""

from ..asm_i386.pgtable import PAGE_SHIFT, PGDIR_SHIFT, PTRS_PER_PGD, PTRS_PER_PTE


class PageDirectory(list):
    """An mm's pgd: 1024 entries, each a PageTable or None; `tables` holds the indices in use.

    `changes` counts every store into the directory or any of its tables;
    `PageTable.stores` counts those of every mm.
    """

    __slots__ = ("tables", "changes")

    def __init__(self):
        super().__init__([None] * PTRS_PER_PGD)
        self.tables, self.changes = set(), 0

    def __setitem__(self, i, table):
        if not isinstance(i, int):
            raise TypeError(f"a pgd entry is set one at a time (index {i!r})")
        i %= PTRS_PER_PGD
        list.__setitem__(self, i, table)
        self.changes += 1
        PageTable.stores += 1
        if table is None:
            self.tables.discard(i)
        else:
            table.pgd = self
            self.tables.add(i)


class PageTable(list):
    """One page-table page: 1024 pte integers; `used` holds the indices of those not none."""

    __slots__ = ("used", "pgd")
    stores = 0


    def __init__(self):
        super().__init__([0] * PTRS_PER_PTE)
        self.used, self.pgd = set(), None

    def __setitem__(self, i, pte):
        if not isinstance(i, int):
            raise TypeError(f"a pte is set one at a time (index {i!r})")
        i %= PTRS_PER_PTE
        list.__setitem__(self, i, pte)
        if pte:
            self.used.add(i)
        else:
            self.used.discard(i)
        if self.pgd is not None:
            self.pgd.changes += 1
        PageTable.stores += 1


def get_pte(mm, address):
    """The pte value mapping `address` (0 if there is no page table)."""
    table = mm.pgd[address >> PGDIR_SHIFT]
    return 0 if table is None else table[(address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)]


def set_pte_at(mm, address, pte):
    """Store `pte` for `address`, allocating the page table if needed."""
    i = address >> PGDIR_SHIFT
    table = mm.pgd[i]
    if table is None:
        table = mm.pgd[i] = PageTable()
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
