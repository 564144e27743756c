"""mm/migrate.c: page migration, from its creation (2.6.17) through 2.6.18.

The file appears with the reorg patch, which moves the migration code here
from mm/vmscan.c, fs/buffer.c and mm/mempolicy.c. Each later patch of the
series registers whole new versions of the functions it changes, in series
order, so this module reads as the file's history. Functions that move here
unchanged are registered with `migrate.relink` (a move), not copied.
"""

from errno import EAGAIN, EBUSY, EIO, ENODEV, ENOMEM, EPERM

from ..include.asm_i386 import pgtable as pg
from ..include.linux.list import list_add_tail, list_move
from ..include.linux.mm import (PageAnon, get_page, page_index, page_mapcount, page_mapped,
                                page_mapping, put_page, vma_address)
from ..include.linux.pgtable_walk import get_pte, set_pte_at
from ..include.linux.swapops import pte_to_swp_entry
from ..include.linux.page_flags import (ClearPagePrivate, PageDirty, PageLRU, PagePrivate,
                                        PageSwapCache, PageWriteback, SetPagePrivate,
                                        SetPageSwapCache, TestSetPageLocked)
from ..include.linux.buffer_head import BH_Lock, page_buffers
from ..include.linux.rmap import SWAP_FAIL
from ..include.linux.sched import PF_SWAPWRITE
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swap import PAGE_ACTIVATE, PAGE_CLEAN, PAGE_KEEP, PAGE_SUCCESS
from ..errors import KernelBug
from ..fs import buffer  # noqa: F401  (registers the versions that migrate.relink moves here)
from ..kbuild import kfile
from ..sched import Point
from . import mempolicy, vmscan  # noqa: F401  (the same)

migrate = kfile("mm/migrate.c")


# === reorg (b20a3503, 2.6.17): the file is created ================================

@migrate.function(since="reorg")
def isolate_lru_page(k, page, pagelist):
    """Take a page off the LRU onto `pagelist`, with a reference: 0, or -EBUSY if not on the LRU."""
    ret = -EBUSY
    if PageLRU(page):
        zone = page.zone
        yield from spin_lock(zone.lru_lock, k.who())
        if PageLRU(page):
            ret = 0
            get_page(page)
            zone.lru_del(page)
            list_add_tail(page, pagelist)
        spin_unlock(zone.lru_lock)
    return ret


@migrate.function(since="reorg")
def migrate_prep(k):
    """Get ready to isolate pages: swap must be available, and the LRU drained."""
    if k.nr_swap_pages <= 0:
        return -ENODEV                        # must have swap device for migration
    k.lru_add_drain()
    return 0


# Moved here unchanged; the exports come along (swap_page's too, though it is static).
for _name, _export in (("move_to_lru", False), ("putback_lru_pages", False),
                       ("fail_migrate_page", True), ("swap_page", True),
                       ("migrate_page_remove_references", True), ("migrate_page_copy", True),
                       ("migrate_page", True), ("migrate_pages", False),
                       ("buffer_migrate_page", True)):
    migrate.relink(_name, since="reorg", export=_export)
migrate.relink("migrate_pages_to", since="reorg", static=False)   # mempolicy.c calls it now

migrate.layout(since="reorg", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "fail_migrate_page",
    "swap_page", "migrate_page_remove_references", "migrate_page_copy", "migrate_page",
    "migrate_pages", "buffer_migrate_page", "migrate_pages_to"))


# === unexport-swap-page (64a3ca5f, 2.6.17) ==============================================

migrate.relink("swap_page", since="unexport-swap-page", export=False)


# === dirty-fallback (4c28f811, 2.6.17): unmap before testing PageDirty ================

@migrate.function(since="dirty-fallback")
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
            # Unmap first: that moves a dirty bit from the ptes into PG_dirty.
            if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
                rc = -EPERM                   # a vma is VM_LOCKED: permanent failure
            elif page_mapped(page):
                pass                          # still mapped: retry (-EAGAIN)
            else:
                if PageDirty(page):
                    result = k.pageout(page, mapping)
                    if result == PAGE_SUCCESS:    # the write unlocked the old page
                        k.unlock_page(newpage)
                        return rc, None
                    if result != PAGE_CLEAN:
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


# === group-functions (1d8b85cc, 2.6.18): the migratepage methods together ============

migrate.layout(since="group-functions", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "swap_page",
    "migrate_page_remove_references", "migrate_page_copy",
    "/* Migration functions */",
    "fail_migrate_page", "migrate_page", "buffer_migrate_page",
    "migrate_pages", "migrate_pages_to"))


# === remove-definitions (e7340f73, 2.6.18): no more exports for two helpers ===========

migrate.relink("migrate_page_remove_references", since="remove-definitions", export=False, static=True)
migrate.relink("migrate_page_copy", since="remove-definitions", export=False, static=True)


# === drop-nr-refs (5b5c7120, 2.6.18): the expected count is worked out inside ==========

@migrate.function(since="drop-nr-refs", static=True)
def migrate_page_remove_references(k, newpage, page):
    """Unmap `page` and put `newpage` in its radix-tree slot. 0, -EAGAIN or -EPERM.

    Besides the ptes, only these references may be left: the isolation one
    (an anonymous page without a mapping), plus the radix tree's (a page with
    a mapping), plus the buffers' (PagePrivate). Only the count seen under
    tree_lock decides.
    """
    mapping = page_mapping(page)
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        return -EPERM                         # a vma is VM_LOCKED: permanent failure
    if page_mapcount(page):
        return -EAGAIN
    if mapping is None:
        return 0 if page._count == 1 else -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page._count != 2 + (1 if PagePrivate(page) else 0) or mapping.page_tree.get(index) is not page:
        spin_unlock(mapping.tree_lock)
        return -EAGAIN
    get_page(newpage)                         # the radix tree's reference to the new page
    newpage.index, newpage.mapping = page.index, page.mapping
    if PageSwapCache(page):
        SetPageSwapCache(newpage)
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    page._count -= 1                          # __put_page: the tree's old reference
    spin_unlock(mapping.tree_lock)
    return 0


@migrate.function(since="drop-nr-refs", export=True)
def migrate_page(k, newpage, page):
    """The common migratepage method: move the mapping, copy, rebuild swap ptes."""
    if PageWriteback(page):
        raise KernelBug("migrate_page: page under writeback", "mm/migrate.c")
    rc = yield from k.migrate_page_remove_references(newpage, page)
    if rc:
        return rc
    k.migrate_page_copy(newpage, page)
    yield from k.remove_from_swap(newpage)
    return 0


@migrate.function(since="drop-nr-refs", export=True)
def buffer_migrate_page(k, newpage, page):
    """migratepage for buffer-based filesystems: move the buffers to the new page too."""
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_remove_references(newpage, page)
    if rc:
        return rc
    for bh in bhs:                            # get_bh + lock_buffer
        bh.b_count += 1
        bh.b_state |= BH_Lock
    ClearPagePrivate(page)
    newpage.private = page.private
    page.private = 0
    put_page(page)
    get_page(newpage)
    for bh in bhs:                            # set_bh_page
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    for bh in bhs:                            # unlock_buffer + put_bh
        bh.b_state &= ~BH_Lock
        bh.b_count -= 1
    return 0


# === extract-unmap (c3fcf8a5, 2.6.18): unmap in migrate_pages, before anyone looks ======

migrate.remove("migrate_page_remove_references", at="extract-unmap")


@migrate.function(since="extract-unmap", static=True)
def migrate_page_move_mapping(k, newpage, page):
    """Put `newpage` in the unmapped old page's radix-tree slot. 0 or -EAGAIN.

    Allowed references: the isolation one (no mapping), plus the radix
    tree's (a mapping), plus the buffers' (PagePrivate), seen under tree_lock.
    """
    mapping = page_mapping(page)
    if mapping is None:
        return 0 if page._count == 1 else -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page._count != 2 + (1 if PagePrivate(page) else 0) or mapping.page_tree.get(index) is not page:
        spin_unlock(mapping.tree_lock)
        return -EAGAIN
    get_page(newpage)                         # the radix tree's reference to the new page
    newpage.index, newpage.mapping = page.index, page.mapping
    if PageSwapCache(page):
        SetPageSwapCache(newpage)
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    page._count -= 1                          # __put_page: the tree's old reference
    spin_unlock(mapping.tree_lock)
    return 0


@migrate.function(since="extract-unmap", export=True)
def migrate_page(k, newpage, page):
    """The common migratepage method: move the mapping, copy, rebuild swap ptes."""
    if PageWriteback(page):
        raise KernelBug("migrate_page: page under writeback", "mm/migrate.c")
    rc = yield from k.migrate_page_move_mapping(newpage, page)
    if rc:
        return rc
    k.migrate_page_copy(newpage, page)
    yield from k.remove_from_swap(newpage)
    return 0


@migrate.function(since="extract-unmap", export=True)
def buffer_migrate_page(k, newpage, page):
    """migratepage for buffer-based filesystems: move the buffers to the new page too."""
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_move_mapping(newpage, page)
    if rc:
        return rc
    for bh in bhs:                            # get_bh + lock_buffer
        bh.b_count += 1
        bh.b_state |= BH_Lock
    ClearPagePrivate(page)
    newpage.private = page.private
    page.private = 0
    put_page(page)
    get_page(newpage)
    for bh in bhs:                            # set_bh_page
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    for bh in bhs:                            # unlock_buffer + put_bh
        bh.b_state &= ~BH_Lock
        bh.b_count -= 1
    return 0


@migrate.function(since="extract-unmap")
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
        # Unmap before anything looks at the page: it may make the page dirty.
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif page_mapped(page):
            pass                              # still mapped: retry (-EAGAIN)
        else:
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
                    if result != PAGE_CLEAN:
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


migrate.layout(since="extract-unmap", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "swap_page",
    "migrate_page_move_mapping", "migrate_page_copy",
    "/* Migration functions */",
    "fail_migrate_page", "migrate_page", "buffer_migrate_page",
    "migrate_pages", "migrate_pages_to"))


# === pass-mapping (2d1db3b1, 2.6.18): every migration function takes the mapping ==========

@migrate.function(since="pass-mapping", static=True)
def migrate_page_move_mapping(k, mapping, newpage, page):
    """Put `newpage` in the unmapped old page's slot of `mapping`. 0 or -EAGAIN.

    Allowed references: the isolation one (no mapping), plus the radix
    tree's (a mapping), plus the buffers' (PagePrivate), seen under tree_lock.
    """
    if mapping is None:
        return 0 if page._count == 1 else -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page._count != 2 + (1 if PagePrivate(page) else 0) or mapping.page_tree.get(index) is not page:
        spin_unlock(mapping.tree_lock)
        return -EAGAIN
    get_page(newpage)                         # the radix tree's reference to the new page
    if PageSwapCache(page):
        SetPageSwapCache(newpage)
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    page._count -= 1                          # __put_page: the tree's old reference
    spin_unlock(mapping.tree_lock)
    return 0


@migrate.function(since="pass-mapping", export=True)
def fail_migrate_page(k, mapping, newpage, page):
    """A migratepage method for mappings whose pages must never move."""
    return -EIO


@migrate.function(since="pass-mapping", export=True)
def migrate_page(k, mapping, newpage, page):
    """The common migratepage method: move the mapping, copy, rebuild swap ptes."""
    if PageWriteback(page):
        raise KernelBug("migrate_page: page under writeback", "mm/migrate.c")
    rc = yield from k.migrate_page_move_mapping(mapping, newpage, page)
    if rc:
        return rc
    k.migrate_page_copy(newpage, page)
    yield from k.remove_from_swap(newpage)
    return 0


@migrate.function(since="pass-mapping", export=True)
def buffer_migrate_page(k, mapping, newpage, page):
    """migratepage for buffer-based filesystems: move the buffers to the new page too."""
    if not PagePrivate(page):
        return (yield from k.migrate_page(mapping, newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_move_mapping(mapping, newpage, page)
    if rc:
        return rc
    for bh in bhs:                            # get_bh + lock_buffer
        bh.b_count += 1
        bh.b_state |= BH_Lock
    ClearPagePrivate(page)
    newpage.private = page.private
    page.private = 0
    put_page(page)
    get_page(newpage)
    for bh in bhs:                            # set_bh_page
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    for bh in bhs:                            # unlock_buffer + put_bh
        bh.b_state &= ~BH_Lock
        bh.b_count -= 1
    return 0


@migrate.function(since="pass-mapping")
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
        # Unmap before anything looks at the page: it may make the page dirty.
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            k.unlock_page(page)
            return -EPERM, None               # a vma is VM_LOCKED: permanent failure
        if page_mapped(page):
            k.unlock_page(page)
            return rc, None
        newpage = next(reversed(to))          # lru_to_page: the tail of `to`
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping   # prepare it for the mapping
        mapping = page_mapping(page)
        if mapping is None:
            pass
        elif mapping.a_ops.migratepage:
            rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
        else:
            # No migration method: only a clean page without buffers can move.
            if PageDirty(page):
                result = k.pageout(page, mapping)
                if result == PAGE_SUCCESS:    # the write unlocked the old page
                    k.unlock_page(newpage)
                    return rc, newpage
                if result != PAGE_CLEAN:
                    k.unlock_page(newpage)
                    k.unlock_page(page)
                    return rc, newpage
            if not PagePrivate(page) or k.try_to_release_page(page):
                rc = yield from k.migrate_page(mapping, newpage, page)
            elif pass_ > 4:                   # last resort: buffers will not go, swap it
                newpage.mapping = None
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
            if rc:
                if newpage is not None:
                    newpage.mapping = None    # the new page stays unused
                if rc == -EAGAIN:
                    retry += 1
                else:
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


# === fallback-function (8351a6e4, 2.6.18): the default path gets a function =============

@migrate.function(since="fallback-function", static=True)
def fallback_migrate_page(k, mapping, newpage, page):
    """Migrate a page of a mapping without migratepage: clean, buffer-less pages only.

    A dirty page is written out and the attempt retried (-EAGAIN); writing
    it out unlocked it, so it is locked again first.
    """
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result in (PAGE_KEEP, PAGE_ACTIVATE):
            return -EAGAIN
        if result == PAGE_SUCCESS:
            yield from k.lock_page(page)      # pageout dropped the lock: take it back
            return -EAGAIN                    # the page may have changed meanwhile
    if PagePrivate(page) and not k.try_to_release_page(page):
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


@migrate.function(since="fallback-function")
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
        # Unmap before anything looks at the page: it may make the page dirty.
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            k.unlock_page(page)
            return -EPERM, None               # a vma is VM_LOCKED: permanent failure
        if page_mapped(page):
            k.unlock_page(page)
            return rc, None
        newpage = next(reversed(to))          # lru_to_page: the tail of `to`
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping   # prepare it for the mapping
        mapping = page_mapping(page)
        if mapping is None:
            pass
        elif mapping.a_ops.migratepage:
            rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
        else:
            rc = yield from k.fallback_migrate_page(mapping, newpage, page)
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
            if rc:
                if newpage is not None:
                    newpage.mapping = None    # the new page stays unused
                if rc == -EAGAIN:
                    retry += 1
                else:
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


migrate.layout(since="fallback-function", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "swap_page",
    "migrate_page_move_mapping", "migrate_page_copy",
    "/* Migration functions */",
    "fail_migrate_page", "migrate_page", "buffer_migrate_page", "fallback_migrate_page",
    "migrate_pages", "migrate_pages_to"))


# === migration-entries (0697212a as first posted, 2.6.18) ==================================

@migrate.function(since="migration-entries", static=True)
def is_swap_pte(k, pte):
    """A pte holding a swap (or migration) entry."""
    return not pg.pte_none(pte) and not pg.pte_present(pte) and not pg.pte_file(pte)


@migrate.function(since="migration-entries", static=True)
def remove_migration_pte(k, vma, addr, old, new):
    """If `vma`'s pte at `addr` is a migration entry for `old`, make it a pte to `new`."""
    mm = vma.vm_mm
    if addr < 0 or not k.is_swap_pte(get_pte(mm, addr)):
        return                                # quick unlocked check
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, addr)
    if k.is_swap_pte(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_migration_entry(entry) and k.migration_entry_to_page(entry) is old:
            mm.anon_rss += 1
            get_page(new)
            newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
            if k.is_write_migration_entry(entry):
                newpte = pg.pte_mkwrite(newpte)
            set_pte_at(mm, addr, newpte)
            k.page_add_anon_rmap(new, vma, addr)
    # As first posted this ended with pte_unmap_unlock(pte, ptl): the pte's value where
    # the mapped pointer belongs (Ingo Molnar's build fix; harmless without HIGHPTE).
    spin_unlock(mm.page_table_lock)


@migrate.function(since="migration-entries", static=True)
def remove_migration_ptes(k, old, new):
    """Replace every migration entry for `old` by a pte to `new` (anonymous pages only).

    The caller holds mmap_sem of one of the page's vmas, so the anon_vma
    cannot go away; the walk takes anon_vma->lock and visits the vmas in
    list order, a scheduling point at each.
    """
    if new.mapping is None or not PageAnon(new):
        return
    anon_vma = new.mapping
    yield from spin_lock(anon_vma.lock, k.who())
    for vma in list(anon_vma.head):
        yield Point("remove_migration_ptes_vma", (new, vma))
        yield from k.remove_migration_pte(vma, vma_address(new, vma), old, new)
    spin_unlock(anon_vma.lock)


@migrate.function(since="migration-entries")
def migration_entry_wait(k, mm, address):
    """A fault met a migration entry: wait until the page it names is unlocked."""
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


# === rip-out-swap (d75a0fcd, 2.6.18): no more migration through swap ========================
# Nothing turns migration entries back into ptes yet: migration is broken at this commit.

migrate.remove("swap_page", at="rip-out-swap")


@migrate.function(since="rip-out-swap")
def migrate_prep(k):
    """Get ready to isolate pages: drain the LRU (swap is no longer needed)."""
    k.lru_add_drain()
    return 0


@migrate.function(since="rip-out-swap")
def migrate_pages(k, from_, to, moved, failed):
    """Migrate the pages on `from_` to the new pages on `to`; return those not moved.

    Passes 0-2 skip locked pages, later ones wait for the lock; pass 0 skips
    pages under writeback. -EAGAIN leaves a page for the next of up to 11
    passes; any other error is permanent (the page goes to `failed`).
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
        # Unmap before anything looks at the page: it may make the page dirty.
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            k.unlock_page(page)
            return -EPERM, None               # a vma is VM_LOCKED: permanent failure
        if page_mapped(page):
            k.unlock_page(page)
            return rc, None
        newpage = next(reversed(to))          # lru_to_page: the tail of `to`
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping   # prepare it for the mapping
        mapping = page_mapping(page)
        if mapping is None:
            pass                              # an anonymous page outside the swap cache: stuck
        elif mapping.a_ops.migratepage:
            rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
        else:
            rc = yield from k.fallback_migrate_page(mapping, newpage, page)
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
            elif not len(to):
                break
            else:
                rc, newpage = yield from migrate_one(page)
            if rc:
                if newpage is not None:
                    newpage.mapping = None    # the new page stays unused
                if rc == -EAGAIN:
                    retry += 1
                else:
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


# === swapless-core (6c5240ae, 2.6.18): anonymous pages migrate without swap ===================

@migrate.function(since="swapless-core", export=True)
def migrate_page(k, mapping, newpage, page):
    """The common migratepage method: move the mapping and copy the page."""
    if PageWriteback(page):
        raise KernelBug("migrate_page: page under writeback", "mm/migrate.c")
    rc = yield from k.migrate_page_move_mapping(mapping, newpage, page)
    if rc:
        return rc
    k.migrate_page_copy(newpage, page)
    return 0


@migrate.function(since="swapless-core")
def migrate_pages(k, from_, to, moved, failed):
    """Migrate the pages on `from_` to the new pages on `to`; return those not moved.

    Passes 0-2 skip locked pages, later ones wait for the lock; pass 0 skips
    pages under writeback. -EAGAIN leaves a page for the next of up to 11
    passes; any other error is permanent (the page goes to `failed`).
    The old page's ptes become migration entries while it moves; afterwards
    they point at the new page, or at the old one again if it did not move.
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
        newpage = None
        # Establish migration entries (anonymous) or drop the ptes (file pages).
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif not page_mapped(page):
            newpage = next(reversed(to))      # lru_to_page: the tail of `to`
            yield from k.lock_page(newpage)
            newpage.index, newpage.mapping = page.index, page.mapping
            mapping = page_mapping(page)
            if mapping is None:
                rc = yield from k.migrate_page(mapping, newpage, page)
            elif mapping.a_ops.migratepage:
                rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
            else:
                rc = yield from k.fallback_migrate_page(mapping, newpage, page)
            if not rc:
                yield from k.remove_migration_ptes(page, newpage)
            k.unlock_page(newpage)
        if rc:
            yield from k.remove_migration_ptes(page, page)
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
            elif not len(to):
                break
            else:
                rc, newpage = yield from migrate_one(page)
            if rc:
                if newpage is not None:
                    newpage.mapping = None    # the new page stays unused
                if rc == -EAGAIN:
                    retry += 1
                else:
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


migrate.layout(since="migration-entries", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "is_swap_pte",
    "remove_migration_pte", "remove_migration_ptes", "migration_entry_wait", "swap_page",
    "migrate_page_move_mapping", "migrate_page_copy",
    "/* Migration functions */",
    "fail_migrate_page", "migrate_page", "buffer_migrate_page", "fallback_migrate_page",
    "migrate_pages", "migrate_pages_to"))
