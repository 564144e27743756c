"""mm/vmscan.c: page reclaim, and in 2.6.16 also page migration.

Reclaim (shrink_list) and migration share their tools: both lock a page,
unmap it with try_to_unmap, write it out with pageout and drop it from its
mapping with remove_mapping. In 2.6.16 the migration functions live here,
below the reclaim code; the next patch of the series moves them to
mm/migrate.c.
Simplified reclaim: one zone per node; refill moves unreferenced active
pages to the inactive list; no swap token, no laptop mode, no throttling.
"""

from errno import EAGAIN, EIO, ENOMEM, EPERM

from ..include.linux.list import list_add_tail, list_del, list_move
from ..include.linux.mm import (PageAnon, get_page, page_mapcount,
                                page_mapped, page_mapping, page_index, put_page)
from ..include.linux.page_flags import (
    ClearPageActive, ClearPageDirty, ClearPageReclaim, SetPageLRU, ClearPagePrivate, ClearPageSwapCache, PageActive,
    PageChecked, PageDirty, PageError, PageLRU, PageMappedToDisk, PagePrivate, PageReferenced,
    PageSwapCache, PageUptodate, PageWriteback, SetPageActive, SetPageChecked, SetPageError,
    SetPageMappedToDisk, SetPageReclaim, SetPageReferenced, SetPageSwapCache, SetPageUptodate,
    TestSetPageLocked)
from ..include.linux.rmap import SWAP_AGAIN, SWAP_FAIL, SWAP_SUCCESS
from ..include.linux.sched import PF_SWAPWRITE
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swap import PAGE_ACTIVATE, PAGE_CLEAN, PAGE_KEEP, PAGE_SUCCESS
from ..errors import KernelBug
from ..kbuild import kfile
from ..mm.filemap import new_private_list
from ..sched import Point

vmscan = kfile("mm/vmscan.c")

AOP_WRITEPAGE_ACTIVATE = 0x80000


# --- reclaim ----------------------------------------------------------------

@vmscan.function(since="v2.6.16", static=True)
def pageout(k, page, mapping):
    """Write a dirty, locked page out through ->writepage. A PAGE_* result."""
    if page._count - (1 if PagePrivate(page) else 0) != 2:
        return PAGE_KEEP                      # is_page_cache_freeable: us + the cache only
    if mapping is None:
        if PagePrivate(page) and k.try_to_free_buffers(page):
            ClearPageDirty(page)
            return PAGE_CLEAN
        return PAGE_KEEP
    if mapping.a_ops.writepage is None:
        return PAGE_ACTIVATE
    if k.clear_page_dirty_for_io(page):
        SetPageReclaim(page)
        res = getattr(k, mapping.a_ops.writepage)(page, {"for_reclaim": 1, "nonblocking": 1})
        if res == AOP_WRITEPAGE_ACTIVATE:
            ClearPageReclaim(page)
            return PAGE_ACTIVATE
        if not PageWriteback(page):
            ClearPageReclaim(page)
        return PAGE_SUCCESS
    return PAGE_CLEAN


@vmscan.function(since="v2.6.16", static=True)
def remove_mapping(k, mapping, page):
    """Drop an unused, clean, locked page from its page or swap cache. 1 if done."""
    if mapping is None:
        return 0
    yield from spin_lock(mapping.tree_lock, k.who())
    if page._count != 2 or PageDirty(page):  # the cache + us, nobody else
        spin_unlock(mapping.tree_lock)
        return 0
    if PageSwapCache(page):
        entry = page.private
        k.__delete_from_swap_cache(page)
        spin_unlock(mapping.tree_lock)
        k.swap_free(entry)
    else:
        k.__remove_from_page_cache(page)
        spin_unlock(mapping.tree_lock)
    put_page(page)                            # the cache's reference
    return 1


@vmscan.function(since="v2.6.16", static=True)
def shrink_list(k, page_list, keep):
    """Try to free the isolated pages on `page_list`; the rest go to `keep`. Return pages freed."""
    reclaimed = 0
    for page in page_list:
        yield Point("cond_resched", (page,))
        list_del(page)
        if TestSetPageLocked(page):
            list_add_tail(page, keep)
            continue
        outcome = yield from k.shrink_one_page(page)
        if outcome == "freed":
            k.unlock_page(page)
            reclaimed += 1
            put_page(page)                    # the isolation reference: frees the frame
            continue
        if outcome == "activate":
            SetPageActive(page)
        if outcome != "unlocked":
            k.unlock_page(page)
        list_add_tail(page, keep)
    return reclaimed


@vmscan.function(since="v2.6.16", static=True)
def shrink_one_page(k, page):
    """shrink_list's body for one locked page: "freed", "activate", "keep" or "unlocked"."""
    if PageWriteback(page):
        return "keep"
    referenced = yield from k.page_referenced(page, 1)
    if referenced and page_mapped(page):
        return "activate"
    if PageAnon(page) and not PageSwapCache(page):
        if not (yield from k.add_to_swap(page)):
            return "activate"
    mapping = page_mapping(page)
    if page_mapped(page) and mapping is not None:
        ret = yield from k.try_to_unmap(page, 0)
        if ret == SWAP_FAIL:
            return "activate"
        if ret == SWAP_AGAIN:
            return "keep"
    if PageDirty(page):
        if referenced:
            return "keep"
        result = k.pageout(page, mapping)
        if result == PAGE_KEEP:
            return "keep"
        if result == PAGE_ACTIVATE:
            return "activate"
        if result == PAGE_SUCCESS:
            if PageWriteback(page) or PageDirty(page) or TestSetPageLocked(page):
                return "unlocked"
            if PageDirty(page) or PageWriteback(page):
                return "keep"
            mapping = page_mapping(page)
    if PagePrivate(page):
        if not k.try_to_release_page(page):
            return "activate"
        if mapping is None and page._count == 1:
            return "freed"
    if mapping is None or not (yield from k.remove_mapping(mapping, page)):
        return "keep"
    return "freed"


@vmscan.function(since="v2.6.16", static=True)
def isolate_lru_pages(k, zone, nr_to_scan, src, dst):
    """Move the first `nr_to_scan` pages of LRU list `src` to private list `dst`; return how many.

    Called with zone->lru_lock held. Each page taken gets a reference, so
    that it cannot be freed while it is off the LRU. Simplified: every page
    on the list can be taken (the kernel skips a page whose count is
    already 0, one being freed, which never sits on an LRU list here).
    """
    taken = 0
    for page in list(src)[:nr_to_scan]:
        zone.lru_del(page)
        get_page(page)
        list_add_tail(page, dst)
        taken += 1
    return taken


@vmscan.function(since="v2.6.16", static=True)
def refill_inactive_zone(k, zone, nr_pages):
    """Move active pages whose ptes were not referenced to the inactive list.

    The pages are isolated with a reference first (isolate_lru_pages), so that
    none is freed or taken by another path while page_referenced sleeps.
    """
    l_hold = new_private_list(f"node{zone.nid}.l_hold")
    l_active = new_private_list(f"node{zone.nid}.l_active")
    l_inactive = new_private_list(f"node{zone.nid}.l_inactive")
    yield from spin_lock(zone.lru_lock, k.who())
    k.isolate_lru_pages(zone, nr_pages, zone.active_list, l_hold)
    spin_unlock(zone.lru_lock)
    for page in l_hold:
        yield Point("cond_resched", (page,))
        list_del(page)
        if page_mapped(page) and (yield from k.page_referenced(page, 0)):
            list_add_tail(page, l_active)
            continue
        list_add_tail(page, l_inactive)
    yield from spin_lock(zone.lru_lock, k.who())
    held = list(l_inactive) + list(l_active)
    for page in l_inactive:
        list_del(page)
        ClearPageActive(page)
        SetPageLRU(page)
        zone.lru_add(page)
    for page in l_active:
        list_del(page)
        SetPageLRU(page)
        zone.lru_add(page)
    spin_unlock(zone.lru_lock)
    for page in held:                         # __pagevec_release: may free a page unmapped meanwhile
        put_page(page)


@vmscan.function(since="v2.6.16", static=True)
def shrink_zone(k, zone, nr_to_scan):
    """Refill the inactive list, then reclaim from it. Return pages freed."""
    yield from k.refill_inactive_zone(zone, nr_to_scan)
    isolated = new_private_list(f"node{zone.nid}.shrink")
    keep = new_private_list(f"node{zone.nid}.keep")
    yield from spin_lock(zone.lru_lock, k.who())
    k.isolate_lru_pages(zone, nr_to_scan, zone.inactive_list, isolated)
    spin_unlock(zone.lru_lock)
    freed = yield from k.shrink_list(isolated, keep)
    for page in keep:                            # putback
        list_del(page)
        SetPageLRU(page)
        zone.lru_add(page)
        put_page(page)
    return freed


@vmscan.function(since="v2.6.16")
def try_to_free_pages(k, nr_pages):
    """Reclaim up to `nr_pages` frames from every node; return how many were freed."""
    freed = 0
    for _priority in range(3):
        for zone in k.nodes:
            freed += yield from k.shrink_zone(zone, zone.nr_frames)
            if freed >= nr_pages:
                return freed
    return freed


# --- page migration (CONFIG_MIGRATION) ------------------------------------------
#
# Pages to migrate have been isolated from the LRU (each holds one extra
# reference) onto a private list. Anonymous pages borrow the swap cache: once
# a page is in it, try_to_unmap turns its ptes into swap entries, the page
# can move like a page-cache page, and remove_from_swap rebuilds the ptes.

@vmscan.function(since="v2.6.16", static=True)
def move_to_lru(k, page):
    """Put an isolated page back on its LRU list and drop the isolation reference."""
    list_del(page)
    if PageActive(page):
        ClearPageActive(page)
        k.lru_cache_add_active(page)
    else:
        k.lru_cache_add(page)
    put_page(page)


@vmscan.function(since="v2.6.16")
def putback_lru_pages(k, l):  # noqa: E741  (the kernel names its list l)
    """Return every page on list `l` to the LRU; return how many there were."""
    count = 0
    for page in l:
        k.move_to_lru(page)
        count += 1
    return count


@vmscan.function(since="v2.6.16", export=True)
def fail_migrate_page(k, newpage, page):
    """A migratepage method for mappings whose pages must never move."""
    return -EIO


@vmscan.function(since="v2.6.16", export=True, static=True)
def swap_page(k, page):
    """Migrate a locked page to swap (no target page); it comes back unlocked. 0 or -EAGAIN."""
    mapping = page_mapping(page)
    if page_mapped(page) and mapping is not None:
        if (yield from k.try_to_unmap(page, 1)) != SWAP_SUCCESS:
            k.unlock_page(page)
            return -EAGAIN
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result in (PAGE_KEEP, PAGE_ACTIVATE):
            k.unlock_page(page)
            return -EAGAIN
        if result == PAGE_SUCCESS:
            return -EAGAIN                    # the write unlocked the page
    if PagePrivate(page):
        if not k.try_to_release_page(page) or (mapping is None and page._count == 1):
            k.unlock_page(page)
            return -EAGAIN
    if (yield from k.remove_mapping(mapping, page)):
        k.unlock_page(page)
        return 0
    k.unlock_page(page)
    return -EAGAIN


@vmscan.function(since="v2.6.16", export=True)
def migrate_page_remove_references(k, newpage, page, nr_refs):
    """Unmap `page` and put `newpage` in its radix-tree slot. 0, -EAGAIN or -EPERM.

    `nr_refs` counts the references besides the ptes: the isolation one, the
    page cache's (2), and the buffers' (3). Only when exactly those are left,
    with tree_lock held, can no one else be using the page.
    """
    mapping = page_mapping(page)
    if mapping is None or page_mapcount(page) + nr_refs != page._count:
        return -EAGAIN
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        return -EPERM                         # a vma is VM_LOCKED: permanent failure
    if page_mapcount(page):
        return -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page_mapping(page) is None or page._count != nr_refs or mapping.page_tree.get(index) is not page:
        spin_unlock(mapping.tree_lock)
        return -EAGAIN
    get_page(newpage)                         # the radix tree's reference to the new page
    newpage.index, newpage.mapping = page.index, page.mapping
    if PageSwapCache(page):
        SetPageSwapCache(newpage)
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    page._count -= 1                          # __put_page: the tree's old reference (never the last)
    spin_unlock(mapping.tree_lock)
    return 0


@vmscan.function(since="v2.6.16", export=True)
def migrate_page_copy(k, newpage, page):
    """Copy contents and state from the old page to the new one, and scrub the old."""
    newpage.data = None if page.data is None else bytearray(page.data)
    for test, set_ in ((PageError, SetPageError), (PageReferenced, SetPageReferenced),
                       (PageUptodate, SetPageUptodate), (PageActive, SetPageActive),
                       (PageChecked, SetPageChecked), (PageMappedToDisk, SetPageMappedToDisk)):
        if test(page):
            set_(newpage)
    if PageDirty(page):
        k.clear_page_dirty_for_io(page)
        k.set_page_dirty(newpage)
    ClearPageSwapCache(page)
    ClearPageActive(page)
    ClearPagePrivate(page)
    page.private = 0
    page.mapping = None
    if PageWriteback(newpage):
        k.end_page_writeback(newpage)


@vmscan.function(since="v2.6.16", export=True)
def migrate_page(k, newpage, page):
    """The common migratepage method: move the mapping, copy, rebuild swap ptes."""
    if PageWriteback(page):
        raise KernelBug("migrate_page: page under writeback", "mm/vmscan.c")
    rc = yield from k.migrate_page_remove_references(newpage, page, 2)
    if rc:
        return rc
    k.migrate_page_copy(newpage, page)
    yield from k.remove_from_swap(newpage)
    return 0


@vmscan.function(since="v2.6.16")
def migrate_pages(k, from_, to, moved, failed):
    """Migrate the pages on `from_` to the new pages on `to`; return those not moved.

    Passes 0-2 skip locked pages, later ones wait for the lock; pass 0 skips
    pages under writeback. -EAGAIN leaves a page for the next of up to 11
    passes; any other error is permanent (the page goes to `failed`).
    With `to` None, pages are swapped out instead.
    """

    def migrate_one(page):
        # The loop body for one page, with the kernel's gotos as returns:
        # (rc, the new page used or None).
        rc = -EAGAIN
        if pass_ > 2:
            yield from k.lock_page(page)
        elif TestSetPageLocked(page):
            return rc, None
        if pass_ > 0:
            yield from k.wait_on_page_writeback(page)
        elif PageWriteback(page):
            k.unlock_page(page)
            return rc, None
        if PageAnon(page) and not PageSwapCache(page):
            if not (yield from k.add_to_swap(page)):
                k.unlock_page(page)
                return -ENOMEM, None
        if to is None:
            return (yield from k.swap_page(page)), None
        newpage = next(reversed(to))          # lru_to_page: the tail of `to`
        yield from k.lock_page(newpage)
        mapping = page_mapping(page)
        if mapping is None:
            pass
        elif mapping.a_ops.migratepage:
            rc = yield from getattr(k, mapping.a_ops.migratepage)(newpage, page)
        else:
            # No migration method: only a clean page without buffers can move.
            if PageDirty(page):
                result = k.pageout(page, mapping)
                if result == PAGE_SUCCESS:    # the write unlocked the old page
                    k.unlock_page(newpage)
                    return rc, None
                if result == PAGE_CLEAN:
                    pass
                else:
                    k.unlock_page(newpage)
                    k.unlock_page(page)
                    return rc, newpage
            if not PagePrivate(page) or k.try_to_release_page(page):
                rc = yield from k.migrate_page(newpage, page)
            elif pass_ > 4:                   # last resort: buffers will not go, swap it
                k.unlock_page(newpage)
                return (yield from k.swap_page(page)), None
        k.unlock_page(newpage)
        k.unlock_page(page)
        return rc, newpage

    swapwrite = k.current.flags & PF_SWAPWRITE
    k.current.flags |= PF_SWAPWRITE
    nr_failed = 0
    pass_ = 0
    while True:
        retry = 0
        for page in from_:
            newpage = None
            yield Point("cond_resched", (page,))
            rc = 0
            if page._count == 1:
                pass                          # freed from under us: done
            elif to is not None and not len(to):
                break
            else:
                rc, newpage = yield from migrate_one(page)
            if rc == -EAGAIN:
                retry += 1
            elif rc:
                list_move(page, failed)
                nr_failed += 1
            else:
                if newpage is not None:
                    k.move_to_lru(newpage)
                list_move(page, moved)
        if not retry or pass_ >= 10:
            break
        pass_ += 1
    if not swapwrite:
        k.current.flags &= ~PF_SWAPWRITE
    return nr_failed + retry


@vmscan.function(since="v2.6.16")
def isolate_lru_page(k, page):
    """Take a page off its LRU list with a reference: 1 if done, 0 if not on the LRU."""
    ret = 0
    if PageLRU(page):
        zone = page.zone
        yield from spin_lock(zone.lru_lock, k.who())
        if PageLRU(page):
            zone.lru_del(page)
            get_page(page)
            ret = 1
        spin_unlock(zone.lru_lock)
    return ret


# === reorg (b20a3503, 2.6.17): mm/migrate.c calls these, so they stop being static ============

vmscan.relink("pageout", since="reorg", static=False)
vmscan.relink("remove_mapping", since="reorg", static=False)


# === file-entries (04e62a29, 2.6.18): migration writes pages out itself, pageout is local again ===

vmscan.relink("pageout", since="file-entries", static=True)
