"""mm/swap.c: putting pages on the LRU lists and moving them between them.

Simplified: no per-CPU pagevecs, so a page goes on its LRU list at once and
lru_add_drain() has nothing left to do.
"""

from ..include.linux.page_flags import (PageActive, PageLRU, PageReferenced, ClearPageReferenced,
                                        SetPageActive, SetPageLRU, SetPageReferenced)
from ..kbuild import kfile

swap_c = kfile("mm/swap.c")


@swap_c.function(since="v2.6.16")
def lru_cache_add(k, page):
    """Put a new page on its node's inactive list."""
    SetPageLRU(page)
    page.zone.lru_add(page)


@swap_c.function(since="v2.6.16")
def lru_cache_add_active(k, page):
    """Put a new page on its node's active list."""
    SetPageActive(page)
    SetPageLRU(page)
    page.zone.lru_add(page)


@swap_c.function(since="v2.6.16")
def activate_page(k, page):
    """Move an inactive LRU page to the active list."""
    if PageLRU(page) and not PageActive(page):
        page.zone.lru_del(page)
        SetPageLRU(page)
        SetPageActive(page)
        page.zone.lru_add(page)


@swap_c.function(since="v2.6.16")
def mark_page_accessed(k, page):
    """Second touch of a referenced inactive page activates it."""
    if not PageActive(page) and PageReferenced(page) and PageLRU(page):
        k.activate_page(page)
        ClearPageReferenced(page)
    elif not PageReferenced(page):
        SetPageReferenced(page)


@swap_c.function(since="v2.6.16")
def lru_add_drain(k):
    """Flush this CPU's pagevecs to the LRU (nothing to do: no pagevecs here)."""
    return None
