"""include/linux/page-flags.h: the PG_* bits of struct page and their macros.

Bit numbers are those of 2.6.16. The macros keep their kernel spellings:
``PageDirty(page)``, ``SetPageDirty(page)``, ``ClearPageDirty(page)``,
``TestSetPageLocked(page)`` (returns the old bit) ...
"""

PG_BITS = {
    "locked": 0, "error": 1, "referenced": 2, "uptodate": 3, "dirty": 4,
    "lru": 5, "active": 6, "slab": 7, "checked": 8, "arch_1": 9,
    "reserved": 10, "private": 11, "writeback": 12, "nosave": 13,
    "compound": 14, "swapcache": 15, "mappedtodisk": 16, "reclaim": 17,
    "nosave_free": 18, "uncached": 19,
}

# The macro names' capitalisation, as in the header.
_MACRO = {"lru": "LRU", "arch_1": "Arch1", "swapcache": "SwapCache",
          "mappedtodisk": "MappedToDisk", "nosave_free": "NosaveFree"}


def _macros(flag, bit):
    mask = 1 << bit

    def test(page):
        return bool(page.flags & mask)

    def set_(page):
        page.flags |= mask

    def clear(page):
        page.flags &= ~mask

    def test_set(page):
        old = page.flags & mask
        page.flags |= mask
        return bool(old)

    def test_clear(page):
        old = page.flags & mask
        page.flags &= ~mask
        return bool(old)

    return test, set_, clear, test_set, test_clear


for _flag, _bit in PG_BITS.items():
    globals()[f"PG_{_flag}"] = _bit
    _name = _MACRO.get(_flag, _flag.capitalize())
    (globals()[f"Page{_name}"], globals()[f"SetPage{_name}"], globals()[f"ClearPage{_name}"],
     globals()[f"TestSetPage{_name}"], globals()[f"TestClearPage{_name}"]) = _macros(_flag, _bit)


def flag_names(flags):
    """The PG_* names set in `flags`, lowest bit first, as in a bad-page report."""
    return [name for name, bit in PG_BITS.items() if flags & (1 << bit)]


def format_flags(flags):
    """`flags` as 0x... plus names, e.g. '0x00000019 locked|uptodate|dirty'."""
    names = "|".join(flag_names(flags)) or "-"
    return f"0x{flags:08x} {names}"
