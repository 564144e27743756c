"""Exercise 06.1 (write): remove_migration_pte's locked part: a migration entry for `old` becomes a pte to `new` (writable iff write entry), counted."""

from migsim.include.asm_i386 import pgtable as pg
from migsim.include.linux.mm import get_page
from migsim.include.linux.pgtable_walk import get_pte, set_pte_at
from migsim.include.linux.spinlock import spin_lock, spin_unlock
from migsim.include.linux.swapops import pte_to_swp_entry


def _make(locked):
    def remove_migration_pte(k, vma, addr, old, new):
        mm = vma.vm_mm
        if addr < 0 or not k.is_swap_pte(get_pte(mm, addr)):
            return
        yield from spin_lock(mm.page_table_lock, k.who())
        pte = get_pte(mm, addr)
        locked(k, vma, mm, addr, pte, old, new)
        spin_unlock(mm.page_table_lock)
    return remove_migration_pte


# CORRECT 1: as the kernel.
def body(k, vma, mm, addr, pte, old, new):
    if not k.is_swap_pte(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
        return
    mm.anon_rss += 1
    get_page(new)
    newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
    if k.is_write_migration_entry(entry):
        newpte = pg.pte_mkwrite(newpte)
    set_pte_at(mm, addr, newpte)
    k.page_add_anon_rmap(new, vma, addr)


# CORRECT 2: compares the entry's offset with old's pfn (no page lookup), builds the pte in one go.
def body2(k, vma, mm, addr, pte, old, new):
    if pg.pte_present(pte) or pte == 0 or pg.pte_file(pte):
        return
    entry = pte_to_swp_entry(pte)
    if k.is_migration_entry(entry) and k.migration_entry_to_page(entry).pfn == old.pfn:
        write = k.is_write_migration_entry(entry)
        base = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
        set_pte_at(mm, addr, pg.pte_mkwrite(base) if write else base)
        get_page(new)
        k.page_add_anon_rmap(new, vma, addr)
        mm.anon_rss += 1


CORRECT = {"as_kernel": {"remove_migration_pte": _make(body)},
           "pfn_compare": {"remove_migration_pte": _make(body2)}}


# WRONG 1: any migration entry at this address is taken, even one for another page under migration.
def body_any_entry(k, vma, mm, addr, pte, old, new):
    if not k.is_swap_pte(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry):
        return
    mm.anon_rss += 1
    get_page(new)
    newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
    if k.is_write_migration_entry(entry):
        newpte = pg.pte_mkwrite(newpte)
    set_pte_at(mm, addr, newpte)
    k.page_add_anon_rmap(new, vma, addr)


# WRONG 2: always writable (vma allows it): a COW-shared page comes back writable in both.
def body_always_write(k, vma, mm, addr, pte, old, new):
    if not k.is_swap_pte(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
        return
    mm.anon_rss += 1
    get_page(new)
    set_pte_at(mm, addr, pg.pte_mkwrite(pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))))
    k.page_add_anon_rmap(new, vma, addr)


# WRONG 3: forgets the pte's reference (get_page): the new page's count is one short per pte.
def body_no_ref(k, vma, mm, addr, pte, old, new):
    if not k.is_swap_pte(pte):
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
        return
    mm.anon_rss += 1
    newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
    if k.is_write_migration_entry(entry):
        newpte = pg.pte_mkwrite(newpte)
    set_pte_at(mm, addr, newpte)
    k.page_add_anon_rmap(new, vma, addr)


WRONG = {"takes_other_pages_entries": {"remove_migration_pte": _make(body_any_entry)},
         "always_writable": {"remove_migration_pte": _make(body_always_write)},
         "no_get_page": {"remove_migration_pte": _make(body_no_ref)}}


def _exit(k, vma, addr, old, new):
    raise SystemExit(0)
    yield


HOSTILE = {"system_exit": {"remove_migration_pte": _exit}}
