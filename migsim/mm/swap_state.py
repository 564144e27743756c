"""mm/swap_state.c: the swap cache, pages indexed by their swap entry.

A page in the swap cache has PG_swapcache, its swap entry in `private`, one
reference held by the cache, and one count in its slot's swap map.
"""

from errno import EEXIST, ENOENT

from ..include.linux.fs import AddressSpaceOperations
from ..include.linux.mm import get_page, page_cache_release
from ..include.linux.page_flags import (ClearPageSwapCache, PageLocked, PagePrivate, PageSwapCache,
                                        SetPageDirty, SetPageLocked, SetPageSwapCache, SetPageUptodate)
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..errors import KernelBug
from ..kbuild import kfile

swap_state = kfile("mm/swap_state.c")


@swap_state.function(since="v2.6.16")
def __add_to_swap_cache(k, page, entry):
    """Insert a page at `entry` in swapper_space (locks it). 0 or -EEXIST."""
    if PageSwapCache(page) or PagePrivate(page):
        raise KernelBug("__add_to_swap_cache: page already private or in swap cache", "mm/swap_state.c")
    space = k.swapper_space
    yield from spin_lock(space.tree_lock, k.who())
    if entry in space.page_tree:
        spin_unlock(space.tree_lock)
        return -EEXIST
    space.page_tree[entry] = page
    get_page(page)
    SetPageLocked(page)
    SetPageSwapCache(page)
    page.private = entry
    spin_unlock(space.tree_lock)
    return 0


@swap_state.function(since="v2.6.16")
def add_to_swap_cache(k, page, entry):
    """Swap-in's insert: take a swap-map count for the cache first."""
    if not k.swap_duplicate(entry):
        return -ENOENT
    err = yield from k.__add_to_swap_cache(page, entry)
    if err:
        k.swap_free(entry)
    return err


@swap_state.function(since="v2.6.16")
def add_to_swap(k, page, gfp_mask=None):
    """Give a locked anonymous page a swap slot and put it in the swap cache. 1 ok, 0 none."""
    if not PageLocked(page):
        raise KernelBug("add_to_swap: page not locked", "mm/swap_state.c")
    while True:
        entry = k.get_swap_page()
        if not entry:
            return 0
        err = yield from k.__add_to_swap_cache(page, entry)
        if err == 0:
            SetPageUptodate(page)
            SetPageDirty(page)
            return 1
        k.swap_free(entry)
        if err != -EEXIST:
            return 0


@swap_state.function(since="v2.6.16")
def __delete_from_swap_cache(k, page):
    """Remove a page from the swap cache (caller holds tree_lock)."""
    del k.swapper_space.page_tree[page.private]
    page.private = 0
    ClearPageSwapCache(page)


@swap_state.function(since="v2.6.16")
def delete_from_swap_cache(k, page):
    """Remove a locked page from the swap cache, free its slot count and the cache's ref."""
    entry = page.private
    space = k.swapper_space
    yield from spin_lock(space.tree_lock, k.who())
    k.__delete_from_swap_cache(page)
    spin_unlock(space.tree_lock)
    k.swap_free(entry)
    page_cache_release(page)


@swap_state.function(since="v2.6.16")
def lookup_swap_cache(k, entry):
    """The swap-cache page for `entry`, with a reference, or None."""
    return (yield from k.find_get_page(k.swapper_space, entry))


@swap_state.function(since="v2.6.16")
def read_swap_cache_async(k, entry, vma, addr):
    """The page for `entry`: found in the swap cache or read from the device."""
    while True:
        page = yield from k.find_get_page(k.swapper_space, entry)
        if page is not None:
            return page
        new_page = k.alloc_page_vma(vma, addr)
        if new_page is None:
            return None
        err = yield from k.add_to_swap_cache(new_page, entry)
        if err == 0:
            k.lru_cache_add_active(new_page)
            k.swap_readpage(new_page)
            return new_page
        page_cache_release(new_page)
        if err != -EEXIST:
            return None


swap_aops = AddressSpaceOperations(
    writepage="swap_writepage", set_page_dirty="__set_page_dirty_nobuffers",
    migratepage="migrate_page")
