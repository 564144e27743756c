"""Exercise 05.1 (write): the four swapops.h migration-entry helpers (types 30 read / 31 write, offset = pfn, BUG if unlocked)."""

from migsim.errors import KernelBug
from migsim.include.linux.page_flags import PageLocked
from migsim.include.linux.swapops import swp_entry, swp_offset, swp_type


# CORRECT 1: straightforward.
def mme(k, page, write):
    if not PageLocked(page):
        raise KernelBug("make_migration_entry: page not locked", "include/linux/swapops.h")
    return swp_entry(k.SWP_MIGRATION_WRITE if write else k.SWP_MIGRATION_READ, page.pfn)


def iwme(k, entry):
    return swp_type(entry) == k.SWP_MIGRATION_WRITE


def metp(k, entry):
    page = k.pfn_to_page(swp_offset(entry))
    if not PageLocked(page):
        raise KernelBug("migration_entry_to_page: page not locked", "include/linux/swapops.h")
    return page


def mmer(k, entry):
    return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))


# CORRECT 2: bool() of write added to the read type; checks folded into helpers.
def _bug_unless_locked(page, who):
    if not PageLocked(page):
        raise KernelBug(f"{who}: pfn 0x{page.pfn:x} is not locked", "include/linux/swapops.h")


def mme2(k, page, write):
    _bug_unless_locked(page, "make_migration_entry")
    return swp_entry(k.SWP_MIGRATION_READ + (1 if write else 0), page.pfn)


def iwme2(k, entry):
    return bool(k.is_migration_entry(entry)) and swp_type(entry) != k.SWP_MIGRATION_READ


def metp2(k, entry):
    page = k.pfn_to_page(swp_offset(entry))
    _bug_unless_locked(page, "migration_entry_to_page")
    return page


def mmer2(k, entry):
    return entry if swp_type(entry) == k.SWP_MIGRATION_READ else swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))


def _four(a, b, c, d):
    return {"make_migration_entry": a, "is_write_migration_entry": b,
            "migration_entry_to_page": c, "make_migration_entry_read": d}


CORRECT = {
    "plain": _four(mme, iwme, metp, mmer),
    "read_plus_bool": _four(mme2, iwme2, metp2, mmer2),
}


# WRONG 1: write == 1 taken literally: write=30 (SWP_MIGRATION_READ passed as a flag) or any
# other nonzero gives a read entry.
def mme_eq1(k, page, write):
    if not PageLocked(page):
        raise KernelBug("make_migration_entry: page not locked", "include/linux/swapops.h")
    return swp_entry(k.SWP_MIGRATION_WRITE if write == 1 else k.SWP_MIGRATION_READ, page.pfn)


# WRONG 2: is_write answers "is a migration entry" (read entries too).
def iwme_any(k, entry):
    return swp_type(entry) >= k.SWP_MIGRATION_READ


# WRONG 3: no lock check in migration_entry_to_page (the BUG that catches bug B's orphans).
def metp_nocheck(k, entry):
    return k.pfn_to_page(swp_offset(entry))


# WRONG 4: type and offset swapped in the read conversion.
def mmer_swapped(k, entry):
    return swp_entry(swp_offset(entry), k.SWP_MIGRATION_READ)


WRONG = {
    "write_eq_1": _four(mme_eq1, iwme, metp, mmer),
    "is_write_true_for_read": _four(mme, iwme_any, metp, mmer),
    "no_bug_on_unlocked": _four(mme, iwme, metp_nocheck, mmer),
    "read_args_swapped": _four(mme, iwme, metp, mmer_swapped),
}


def mme_huge(k, page, write):
    junk = [page] * (1 << 34)
    return len(junk)


HOSTILE = {"huge_list": _four(mme_huge, iwme, metp, mmer)}
