"""Exercise 05.2 (write): migration_entry_wait: re-read the pte under its lock, pin the page, drop the lock, wait for the unlock."""

from migsim.include.linux.mm import get_page, put_page
from migsim.include.linux.pgtable_walk import get_pte
from migsim.include.linux.spinlock import spin_lock, spin_unlock
from migsim.include.linux.swapops import pte_to_swp_entry


# CORRECT 1: as the kernel.
def mew(k, mm, address):
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not k.is_swap_pte(pte) or not k.is_migration_entry(pte_to_swp_entry(pte)):
        spin_unlock(mm.page_table_lock)
        return
    page = k.migration_entry_to_page(pte_to_swp_entry(pte))
    get_page(page)
    spin_unlock(mm.page_table_lock)
    yield from k.wait_on_page_locked(page)
    put_page(page)
    yield from ()


# CORRECT 2: one exit, page None when there is nothing to wait for.
def mew2(k, mm, address):
    page = None
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if k.is_swap_pte(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_migration_entry(entry):
            page = k.migration_entry_to_page(entry)
            get_page(page)
    spin_unlock(mm.page_table_lock)
    if page is not None:
        try:
            yield from k.wait_on_page_locked(page)
        finally:
            put_page(page)
    yield from ()


CORRECT = {"as_kernel": {"migration_entry_wait": mew}, "single_exit": {"migration_entry_wait": mew2}}


# WRONG 1: sleeps with the pte lock held: migration cannot take it to put the pte back.
def mew_sleep_locked(k, mm, address):
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if k.is_swap_pte(pte) and k.is_migration_entry(pte_to_swp_entry(pte)):
        page = k.migration_entry_to_page(pte_to_swp_entry(pte))
        get_page(page)
        yield from k.wait_on_page_locked(page)
        put_page(page)
    spin_unlock(mm.page_table_lock)
    yield from ()


# WRONG 2: no reference while sleeping: the page may be freed under the sleeper, and migration
# does not see that someone still uses it.
def mew_no_ref(k, mm, address):
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not k.is_swap_pte(pte) or not k.is_migration_entry(pte_to_swp_entry(pte)):
        spin_unlock(mm.page_table_lock)
        return
    page = k.migration_entry_to_page(pte_to_swp_entry(pte))
    spin_unlock(mm.page_table_lock)
    yield from k.wait_on_page_locked(page)
    yield from ()


# WRONG 3: does not re-check the pte: a pte that is present again (migration over) is decoded
# as an entry anyway (garbage page / BUG in migration_entry_to_page).
def mew_no_recheck(k, mm, address):
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    page = k.migration_entry_to_page(pte_to_swp_entry(pte))
    get_page(page)
    spin_unlock(mm.page_table_lock)
    yield from k.wait_on_page_locked(page)
    put_page(page)
    yield from ()


# WRONG 4: returns without waiting: the fault spins, retrying the access over and over.
def mew_no_wait(k, mm, address):
    return
    yield from ()


WRONG = {
    "sleeps_under_pte_lock": {"migration_entry_wait": mew_sleep_locked},
    "no_reference": {"migration_entry_wait": mew_no_ref},
    "no_recheck": {"migration_entry_wait": mew_no_recheck},
    "never_waits": {"migration_entry_wait": mew_no_wait},
}


def mew_exit(k, mm, address):
    import sys
    sys.settrace(None)
    raise SystemExit(0)
    yield


HOSTILE = {"settrace_off_and_exit": {"migration_entry_wait": mew_exit}}
