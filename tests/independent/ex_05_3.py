"""Exercise 05.3 (fix): change_pte_range turns write migration entries into read ones; all other non-present ptes left alone."""

from migsim.include.asm_i386 import pgtable as pg
from migsim.include.linux.pgtable_walk import ptes_in_range, set_pte_at
from migsim.include.linux.spinlock import spin_lock, spin_unlock
from migsim.include.linux.swapops import pte_to_swp_entry, swp_entry_to_pte


def _make(other):
    def change_pte_range(k, mm, addr, end, newprot):
        yield from spin_lock(mm.page_table_lock, k.who())
        for a, pte in list(ptes_in_range(mm, addr, end)):
            if pg.pte_present(pte):
                set_pte_at(mm, a, pg.pte_modify(pte, newprot))
            else:
                other(k, mm, a, pte, newprot)
        spin_unlock(mm.page_table_lock)
    return change_pte_range


# CORRECT 1: as the patch.
def other_patch(k, mm, a, pte, newprot):
    if not pg.pte_file(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_write_migration_entry(entry):
            set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry_read(entry)))


# CORRECT 2: only rewrite when the value changes; skip none ptes explicitly.
def other_guarded(k, mm, a, pte, newprot):
    if pte == 0 or pg.pte_file(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry):
        return
    new = swp_entry_to_pte(k.make_migration_entry_read(entry))
    if new != pte:
        set_pte_at(mm, a, new)


CORRECT = {"as_patch": {"change_pte_range": _make(other_patch)},
           "guarded": {"change_pte_range": _make(other_guarded)}}


# WRONG 1: as before the patch: write entries stay write entries and come back writable after
# mprotect(PROT_READ).
def other_nothing(k, mm, a, pte, newprot):
    pass


# WRONG 2: "be exact": makes entries write entries when newprot allows writing, which turns a
# COW read entry into a write entry (shared writable page).
def other_follow_prot(k, mm, a, pte, newprot):
    if pg.pte_file(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry):
        return
    page = k.migration_entry_to_page(entry)
    write = pg.pte_write(pg.pte_modify(pg.pfn_pte(page.pfn, newprot), newprot))
    set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry(page, write)))


# WRONG 3: converts every swap pte (ordinary swap entries too) as if it were a migration entry.
def other_all_swap(k, mm, a, pte, newprot):
    if not pg.pte_file(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_write_migration_entry(entry) or not k.is_migration_entry(entry):
            set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry_read(entry)))


WRONG = {
    "entries_untouched": {"change_pte_range": _make(other_nothing)},
    "entries_follow_newprot": {"change_pte_range": _make(other_follow_prot)},
    "swap_entries_rewritten": {"change_pte_range": _make(other_all_swap)},
}


def _loop(k, mm, addr, end, newprot):
    while True:
        yield from ()


HOSTILE = {"endless_loop_no_points": {"change_pte_range": _loop}}
