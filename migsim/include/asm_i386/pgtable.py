"""include/asm-i386/pgtable.h and pgtable-2level.h: i386 ptes as integers.

A pte is a 32-bit int: the page frame number from bit 12 and flag bits below.
A swap pte (not present, not a file pte) keeps the swap type in bits 1-5 and
the offset from bit 8. Everything that makes or reads a pte goes through
these helpers, so a dump shows the value the hardware would see.
Simplified: two-level paging only (no PAE), no highmem, no NX bit.
"""

PAGE_SHIFT = 12
PAGE_SIZE = 1 << PAGE_SHIFT
PAGE_MASK = ~(PAGE_SIZE - 1) & 0xFFFFFFFF
PGDIR_SHIFT = 22
PTRS_PER_PGD = 1024
PTRS_PER_PTE = 1024
TASK_SIZE = 0xC0000000
ZERO_PAGE = bytes(PAGE_SIZE)    # the bytes of a page never written (the kernel's zero page holds them)

_PAGE_PRESENT = 0x001
_PAGE_RW = 0x002
_PAGE_USER = 0x004
_PAGE_PWT = 0x008
_PAGE_PCD = 0x010
_PAGE_ACCESSED = 0x020
_PAGE_DIRTY = 0x040
_PAGE_PSE = 0x080
_PAGE_GLOBAL = 0x100
_PAGE_FILE = 0x040       # only when not present: a nonlinear file pte
_PAGE_PROTNONE = 0x080   # only when not present: PROT_NONE

PAGE_NONE = _PAGE_PROTNONE | _PAGE_ACCESSED
PAGE_SHARED = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED
PAGE_COPY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED
PAGE_READONLY = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED

FLAG_MASK = (1 << PAGE_SHIFT) - 1


def pgd_index(address):
    return address >> PGDIR_SHIFT


def pte_index(address):
    return (address >> PAGE_SHIFT) & (PTRS_PER_PTE - 1)


def pte_none(pte):
    return pte == 0


def pte_present(pte):
    return bool(pte & (_PAGE_PRESENT | _PAGE_PROTNONE))


def pte_file(pte):
    return bool(pte & _PAGE_FILE)


def pte_write(pte):
    return bool(pte & _PAGE_RW)


def pte_dirty(pte):
    return bool(pte & _PAGE_DIRTY)


def pte_young(pte):
    return bool(pte & _PAGE_ACCESSED)


def pte_pfn(pte):
    return pte >> PAGE_SHIFT


def pfn_pte(pfn, prot):
    return (pfn << PAGE_SHIFT) | prot


def pte_mkwrite(pte):
    return pte | _PAGE_RW


def pte_wrprotect(pte):
    return pte & ~_PAGE_RW


def pte_mkdirty(pte):
    return pte | _PAGE_DIRTY


def pte_mkclean(pte):
    return pte & ~_PAGE_DIRTY


def pte_mkyoung(pte):
    return pte | _PAGE_ACCESSED


def pte_mkold(pte):
    return pte & ~_PAGE_ACCESSED


def pte_modify(pte, prot):
    """Keep the frame and the dirty/accessed bits, take the rest from `prot`."""
    keep = pte & ~FLAG_MASK | (pte & (_PAGE_DIRTY | _PAGE_ACCESSED))
    return keep | prot


# pgtable-2level.h swap encoding: type in bits 1-5, offset from bit 8.
def __swp_type(x):
    return (x >> 1) & 0x1F


def __swp_offset(x):
    return x >> 8


def __swp_entry(type_, offset):
    return ((type_ << 1) | (offset << 8)) & 0xFFFFFFFF


_BIT_NAMES = ((_PAGE_PRESENT, "present"), (_PAGE_RW, "rw"), (_PAGE_USER, "user"),
              (_PAGE_ACCESSED, "accessed"), (_PAGE_DIRTY, "dirty"))


def pte_bits(pte):
    """The names of the flag bits set in a present pte."""
    return [name for bit, name in _BIT_NAMES if pte & bit]
