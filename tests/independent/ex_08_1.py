"""Exercise 08.1 (fix): copy_one_pte leaves a READ migration entry in parent and child for a COW mapping (bug C)."""

from migsim.include.asm_i386 import pgtable as pg
from migsim.include.linux.mm import VM_SHARED, PageAnon, get_page, is_cow_mapping
from migsim.include.linux.pgtable_walk import get_pte, set_pte_at
from migsim.include.linux.swapops import pte_to_swp_entry, swp_entry_to_pte
from migsim.mm.memory import vm_normal_page


def _make(branch):
    """copy_one_pte at fork-race-fix with `branch(k, src_mm, vma, addr, entry, pte)` -> pte for the child."""
    def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
        pte = get_pte(src_mm, addr)
        if not pg.pte_present(pte):
            if not pg.pte_file(pte):
                entry = pte_to_swp_entry(pte)
                k.swap_duplicate(entry)
                dst_mm.on_mmlist = True
                pte = branch(k, src_mm, vma, addr, entry, pte)
            set_pte_at(dst_mm, addr, pte)
            return
        if is_cow_mapping(vma.vm_flags):
            pte = pg.pte_wrprotect(pte)
            set_pte_at(src_mm, addr, pte)
        if vma.vm_flags & VM_SHARED:
            pte = pg.pte_mkclean(pte)
        pte = pg.pte_mkold(pte)
        page = vm_normal_page(k, pte)
        get_page(page)
        page._mapcount += 1
        rss[1 if PageAnon(page) else 0] += 1
        set_pte_at(dst_mm, addr, pte)
    return copy_one_pte


# CORRECT 1: the kernel's fix: only a write entry changes, through make_migration_entry_read.
def br_read_helper(k, src_mm, vma, addr, entry, pte):
    if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
        entry = k.make_migration_entry_read(entry)
        pte = swp_entry_to_pte(entry)
        set_pte_at(src_mm, addr, pte)
    return pte


# CORRECT 2: rebuild any migration entry with write=0 (a boolean, not the type number 30).
def br_rebuild_false(k, src_mm, vma, addr, entry, pte):
    if is_cow_mapping(vma.vm_flags) and k.is_migration_entry(entry):
        page = k.migration_entry_to_page(entry)
        new = swp_entry_to_pte(k.make_migration_entry(page, False))
        if new != pte:
            set_pte_at(src_mm, addr, new)
        pte = new
    return pte


CORRECT = {
    "write_entry_made_read": {"copy_one_pte": _make(br_read_helper)},
    "rebuilt_with_write_false": {"copy_one_pte": _make(br_rebuild_false)},
}


# WRONG 1: the bug as it was: SWP_MIGRATION_READ is the type 30, truthy, so "write" stays on.
def br_type_as_bool(k, src_mm, vma, addr, entry, pte):
    if k.is_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
        page = k.migration_entry_to_page(entry)
        entry = k.make_migration_entry(page, k.SWP_MIGRATION_READ)
        pte = swp_entry_to_pte(entry)
        set_pte_at(src_mm, addr, pte)
    return pte


# WRONG 2: only the child's copy is made read; the parent keeps its write entry and gets a
# writable pte to the page it still shares with the child once migration ends.
def br_child_only(k, src_mm, vma, addr, entry, pte):
    if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
        pte = swp_entry_to_pte(k.make_migration_entry_read(entry))
    return pte


# WRONG 3: nothing downgraded at all (the "no COW handling for entries" mistake).
def br_nothing(k, src_mm, vma, addr, entry, pte):
    return pte


WRONG = {
    "type_number_as_write_flag": {"copy_one_pte": _make(br_type_as_bool)},
    "parent_left_writable": {"copy_one_pte": _make(br_child_only)},
    "entries_copied_verbatim": {"copy_one_pte": _make(br_nothing)},
}


# HOSTILE: raise SystemExit from inside the kernel.
def _exit(k, dst_mm, src_mm, vma, addr, rss):
    raise SystemExit("bye")


# HOSTILE 2: untraced endless loop.
def _spin(k, dst_mm, src_mm, vma, addr, rss):
    import sys
    sys.settrace(None)
    while True:
        pass


HOSTILE = {
    "system_exit": {"copy_one_pte": _exit},
    "settrace_none_spin": {"copy_one_pte": _spin},
}
