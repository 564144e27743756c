"""include/linux/swapops.h: the arch-independent swap entry (swp_entry_t).

A swap entry is one unsigned long: the swap *type* (which swap area) in the
top MAX_SWAPFILES_SHIFT bits and the *offset* (slot) in all the bits below.
The simulated machine is 32-bit, so the type sits in bits 27-31.
"""

from ...errors import KernelBug
from ...kbuild import kfile
from ..asm_i386 import pgtable as pg
from .page_flags import PageLocked

MAX_SWAPFILES_SHIFT = 5
BITS_PER_LONG = 32
SWP_TYPE_SHIFT = BITS_PER_LONG - MAX_SWAPFILES_SHIFT
SWP_OFFSET_MASK = (1 << SWP_TYPE_SHIFT) - 1


def swp_entry(type_, offset):
    """The swap entry for slot `offset` of swap area `type_`."""
    return ((type_ << SWP_TYPE_SHIFT) | (offset & SWP_OFFSET_MASK)) & 0xFFFFFFFF


def swp_type(entry):
    return entry >> SWP_TYPE_SHIFT


def swp_offset(entry):
    return entry & SWP_OFFSET_MASK


def is_swap_pte(pte):
    """A pte that holds a swap entry: not none, not present, not a file pte."""
    return not pg.pte_none(pte) and not pg.pte_present(pte) and not pg.pte_file(pte)


def pte_to_swp_entry(pte):
    """Decode a swap pte into a swap entry (BUG on a nonlinear file pte)."""
    if pg.pte_file(pte):
        raise KernelBug("pte_to_swp_entry on a file pte", "include/linux/swapops.h")
    return swp_entry(pg.__swp_type(pte), pg.__swp_offset(pte))


def swp_entry_to_pte(entry):
    """Encode a swap entry as an i386 swap pte."""
    pte = pg.__swp_entry(swp_type(entry), swp_offset(entry))
    if pg.pte_file(pte):
        raise KernelBug("swp_entry_to_pte made a file pte", "include/linux/swapops.h")
    return pte


# --- migration entries (CONFIG_MIGRATION), from "Swapless page migration: add R/W
# migration entries" (0697212a, 2.6.18). They are registered kernel functions so
# that the patch that adds them shows them in its diff.

swapops_h = kfile("include/linux/swapops.h")


@swapops_h.function(since="migration-entries")
def make_migration_entry(k, page, write):
    """A swap entry that stands for the locked `page` while it migrates (BUG if unlocked)."""
    if not PageLocked(page):
        raise KernelBug("make_migration_entry: page not locked", "include/linux/swapops.h")
    return swp_entry(k.SWP_MIGRATION_WRITE if write else k.SWP_MIGRATION_READ, page.pfn)


@swapops_h.function(since="migration-entries")
def is_migration_entry(k, entry):
    return swp_type(entry) in (k.SWP_MIGRATION_READ, k.SWP_MIGRATION_WRITE)


@swapops_h.function(since="migration-entries")
def is_write_migration_entry(k, entry):
    return swp_type(entry) == k.SWP_MIGRATION_WRITE


@swapops_h.function(since="migration-entries")
def make_migration_entry_read(k, entry):
    """The same entry, downgraded to a read entry (the kernel rewrites it in place)."""
    return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))


@swapops_h.function(since="migration-entries")
def migration_entry_to_page(k, entry):
    """The page a migration entry stands for; it must still be locked (BUG otherwise)."""
    page = k.pfn_to_page(swp_offset(entry))
    if not PageLocked(page):
        raise KernelBug(f"migration entry 0x{entry:08x} for unlocked pfn 0x{page.pfn:x}",
                        "include/linux/swapops.h")
    return page
