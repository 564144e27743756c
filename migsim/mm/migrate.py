"""mm/migrate.c: page migration, from its creation (2.6.17) through 2.6.18.

The file appears with the reorg patch, which moves the migration code here
from mm/vmscan.c, fs/buffer.c and mm/mempolicy.c. Each later patch of the
series registers whole new versions of the functions it changes, in series
order, so this module reads as the file's history. Functions that move here
unchanged are registered with `migrate.relink` (a move), not copied.
"""

from errno import E2BIG, EACCES, EAGAIN, EBUSY, EFAULT, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, EPERM, ESRCH

from ..errors import KernelBug
from ..fs import buffer  # noqa: F401  (registers the versions that migrate.relink moves here)
from ..include.asm_i386 import pgtable as pg
from ..include.linux.buffer_head import BH_Lock, page_buffers
from ..include.linux.list import list_add_tail, list_del, list_move
from ..include.linux.mm import (PageAnon, get_page, page_index, page_mapcount, page_mapped,
                                page_mapping, put_page, vma_address)
from ..include.linux.page_flags import (ClearPageActive, ClearPagePrivate, PageActive, PageDirty, PageLRU,
                                        PagePrivate, PageSwapCache, PageWriteback, SetPagePrivate,
                                        SetPageSwapCache, TestSetPageLocked)
from ..include.linux.pgtable_walk import get_pte, set_pte_at
from ..include.linux.rmap import SWAP_FAIL
from ..include.linux.rwsem import down_read, up_read
from ..include.linux.sched import CAP_SYS_NICE, PF_SWAPWRITE
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swap import PAGE_ACTIVATE, PAGE_CLEAN, PAGE_KEEP, PAGE_SUCCESS
from ..include.linux.swapops import pte_to_swp_entry
from ..kbuild import kfile
from ..sched import Point
from . import mempolicy  # noqa: F401  (registers the versions that migrate.relink moves here)
from . import vmscan     # the reorg and fixups re-register some of its functions here
from .filemap import new_private_list
from .memory import FOLL_GET
from .mempolicy import MIGRATE_CHUNK_SIZE, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL
from .vmscan import AOP_WRITEPAGE_ACTIVATE

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
                       ("fail_migrate_page", True), ("swap_page", True), ("migrate_page_copy", True),
                       ("migrate_page", True), ("migrate_pages", False),
                       ("buffer_migrate_page", True)):
    migrate.relink(_name, since="reorg", export=_export)
migrate.relink("migrate_pages_to", since="reorg", static=False)   # mempolicy.c calls it now


@migrate.function(since="reorg", export=True)
def migrate_page_remove_references(k, newpage, page, nr_refs):
    """Unmap `page` and put `newpage` in its radix-tree slot. 0, -EAGAIN, -EPERM, or 1.

    `nr_refs` counts the references besides the ptes: the isolation one, the
    page cache's (2), and the buffers' (3). Only when exactly those are left,
    with tree_lock held, can no one else be using the page. The move from
    vmscan.c brought back one answer of the older convention: when the count
    (or the radix-tree slot) is not what it should be under tree_lock, the
    answer is 1, which callers pass up as a permanent failure, although a
    reference taken meanwhile (a fault waiting for the page lock) is
    usually gone a moment later.
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
        return 1                              # someone else holds it: given up for good
    get_page(newpage)                         # the radix tree's reference to the new page
    newpage.index, newpage.mapping = page.index, page.mapping
    if PageSwapCache(page):
        SetPageSwapCache(newpage)
        newpage.private = page.private
    mapping.page_tree[index] = newpage
    page._count -= 1                          # __put_page: the tree's old reference (never the last)
    spin_unlock(mapping.tree_lock)
    return 0

migrate.layout(since="reorg", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "fail_migrate_page",
    "swap_page", "migrate_page_remove_references", "migrate_page_copy", "migrate_page",
    "migrate_pages", "buffer_migrate_page", "migrate_pages_to"))


# === fixups (e23ca00b, 2.6.17-rc2): a reference too many is retried, not failed ========
# The version is vmscan.c's again, as 2.6.16 had it: every failure but -EPERM is -EAGAIN.

migrate.function(since="fixups", export=True)(vmscan.migrate_page_remove_references)


# === unexport-swap-page (64a3ca5f, 2.6.17-rc2), five commits after fixups ==============

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

    A page without a mapping is refused (-EAGAIN) before any pte is touched.
    Otherwise, besides the ptes, only the isolation reference, the radix
    tree's and the buffers' (PagePrivate) may be left: 2 + !!PagePrivate,
    and only the count seen under tree_lock decides. (The patch's message
    also counts 1 for an anonymous page with no mapping; the code gets that
    case only with swapless-core.)
    """
    mapping = page_mapping(page)
    if mapping is None:
        return -EAGAIN
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        return -EPERM                         # a vma is VM_LOCKED: permanent failure
    if page_mapcount(page):
        return -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page_mapping(page) is None or page._count != 2 + (1 if PagePrivate(page) else 0) \
            or mapping.page_tree.get(index) is not page:
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

    A page without a mapping is refused (-EAGAIN). Allowed references: the
    isolation one, the radix tree's and the buffers' (PagePrivate): 2 +
    !!PagePrivate, seen under tree_lock.
    """
    mapping = page_mapping(page)
    if mapping is None:
        return -EAGAIN
    yield from spin_lock(mapping.tree_lock, k.who())
    index = page_index(page)
    if page_mapping(page) is None or page._count != 2 + (1 if PagePrivate(page) else 0) \
            or mapping.page_tree.get(index) is not page:
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

    The caller passes a mapping (migrate_pages gives up on a page without
    one). Allowed references: the isolation one, the radix tree's and the
    buffers' (PagePrivate): 2 + !!PagePrivate, seen under tree_lock.
    """
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
# The patch deletes the swap path (and remove_from_swap with it), while the code that turns migration
# entries back into ptes only comes with the next patch, swapless-core: migration is broken at this commit.

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

@migrate.function(since="swapless-core", static=True)
def migrate_page_move_mapping(k, mapping, newpage, page):
    """Put `newpage` in the unmapped old page's slot of `mapping`. 0 or -EAGAIN.

    No mapping (an anonymous page outside the swap cache): nothing to
    switch and no tree_lock; only the isolation reference may be left, since
    every pte is a migration entry and the page is locked. With a mapping:
    the isolation reference, the radix tree's and the buffers'
    (PagePrivate), 2 + !!PagePrivate, seen under tree_lock.
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


# === no-rss (442c9137, 2.6.18): a page under migration still counts in rss ====================

@migrate.function(since="no-rss", static=True)
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
            get_page(new)
            newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
            if k.is_write_migration_entry(entry):
                newpte = pg.pte_mkwrite(newpte)
            set_pte_at(mm, addr, newpte)
            k.page_add_anon_rmap(new, vma, addr)
    spin_unlock(mm.page_table_lock)


# === file-entries (04e62a29, 2.6.18): file pages keep their ptes as migration entries ==========

@migrate.function(since="file-entries", static=True)
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
            get_page(new)
            newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
            if k.is_write_migration_entry(entry):
                newpte = pg.pte_mkwrite(newpte)
            set_pte_at(mm, addr, newpte)
            if PageAnon(new):
                k.page_add_anon_rmap(new, vma, addr)
            else:
                k.page_add_file_rmap(new)
    spin_unlock(mm.page_table_lock)


@migrate.function(since="file-entries", static=True)
def remove_file_migration_ptes(k, old, new):
    """Restore the migration entries of a file page through its mapping's i_mmap.

    Only linear mappings get migration entries (the simulator has no others).
    """
    mapping = page_mapping(new)
    if mapping is None:
        return
    yield from spin_lock(mapping.i_mmap_lock, k.who())
    for vma in list(mapping.i_mmap):          # vma_prio_tree_foreach over the page's pgoff
        address = vma_address(new, vma)
        if address < 0:
            continue
        yield Point("remove_migration_ptes_vma", (new, vma))
        yield from k.remove_migration_pte(vma, address, old, new)
    spin_unlock(mapping.i_mmap_lock)


@migrate.function(since="file-entries", static=True)
def remove_anon_migration_ptes(k, old, new):
    """Restore the migration entries of an anonymous page through its anon_vma.

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


@migrate.function(since="file-entries", static=True)
def remove_migration_ptes(k, old, new):
    """Replace every migration entry for `old` by a pte to `new` (anonymous or file page)."""
    if PageAnon(new):
        yield from k.remove_anon_migration_ptes(old, new)
    else:
        yield from k.remove_file_migration_ptes(old, new)


@migrate.function(since="file-entries", static=True)
def writeout(k, mapping, page):
    """Start writing a dirty page so that it can migrate later: always an error.

    -EINVAL without ->writepage, -EAGAIN if someone else is writing it, -EIO
    on a write error; otherwise -EAGAIN, with the page locked again. The
    ptes come back first: ->writepage may unlock the page, and a migration
    entry must never name an unlocked page.
    """
    if mapping.a_ops.writepage is None:
        return -EINVAL
    if not k.clear_page_dirty_for_io(page):
        return -EAGAIN
    yield from k.remove_migration_ptes(page, page)
    wbc = {"sync_mode": "WB_SYNC_NONE", "nr_to_write": 1, "range": (0, (1 << 63) - 1),
           "nonblocking": 1, "for_reclaim": 1}
    rc = getattr(k, mapping.a_ops.writepage)(page, wbc)
    if rc < 0:
        return -EIO
    if rc != AOP_WRITEPAGE_ACTIVATE:
        yield from k.lock_page(page)          # ->writepage unlocked it
    return -EAGAIN


@migrate.function(since="file-entries", static=True)
def fallback_migrate_page(k, mapping, newpage, page):
    """Migrate a page of a mapping without migratepage: clean, buffer-less pages only.

    A dirty page is written out and the attempt retried (-EAGAIN).
    """
    if PageDirty(page):
        return (yield from k.writeout(mapping, page))
    if PagePrivate(page) and not k.try_to_release_page(page):
        return -EAGAIN
    return (yield from k.migrate_page(mapping, newpage, page))


# The order of the file from here to the release; a name absent at a step (added later, or
# removed) is skipped, so this one declaration serves every later step.
migrate.layout(since="file-entries", order=(
    "isolate_lru_page", "migrate_prep", "move_to_lru", "putback_lru_pages", "is_swap_pte",
    "remove_migration_pte", "remove_file_migration_ptes", "remove_anon_migration_ptes",
    "remove_migration_ptes", "migration_entry_wait", "migrate_page_move_mapping", "migrate_page_copy",
    "/* Migration functions */",
    "fail_migrate_page", "migrate_page", "buffer_migrate_page", "writeout", "fallback_migrate_page",
    "move_to_new_page", "unmap_and_move", "migrate_pages", "migrate_pages_to",
    "new_page_node", "do_move_pages", "do_pages_stat", "sys_move_pages", "migrate_vmas"))


# === unmap-and-move (e24f0b8f, 2.6.18): the loop body of migrate_pages becomes two functions ====

@migrate.function(since="unmap-and-move", static=True)
def move_to_new_page(k, newpage, page):
    """Move the locked, fully unmapped `page` to `newpage`: 0 or -errno.

    Nobody else holds the new page, so locking it cannot fail. On success
    the migration entries become ptes to the new page; on failure the new
    page forgets the mapping it was given.
    """
    if TestSetPageLocked(newpage):
        raise KernelBug("move_to_new_page: the new page is already locked", "mm/migrate.c")
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
    else:
        newpage.mapping = None
    k.unlock_page(newpage)
    return rc


@migrate.function(since="unmap-and-move", static=True)
def move_to_lru(k, page):
    """Put a page (off any list) on its LRU list and drop our reference: the last one frees it."""
    if PageActive(page):
        ClearPageActive(page)
        k.lru_cache_add_active(page)
    else:
        k.lru_cache_add(page)
    put_page(page)


@migrate.function(since="unmap-and-move")
def putback_lru_pages(k, l):  # noqa: E741  (the kernel names its list l)
    """Return every page on list `l` to the LRU; return how many there were."""
    count = 0
    for page in l:
        list_del(page)
        k.move_to_lru(page)
        count += 1
    return count


@migrate.function(since="unmap-and-move", static=True)
def unmap_and_move(k, newpage, page, force):
    """Lock `page`, turn its ptes into migration entries and move it to `newpage`: 0 or -errno.

    A page whose only reference is ours was freed under us: done (0).
    Without `force` a locked page or one under writeback is left for a later
    pass (-EAGAIN); with it, both are waited for. If the page does not move,
    its ptes point at it again. Unless the answer is -EAGAIN the new page
    leaves `to` for the LRU: kept if it was used, freed if not.
    """

    def attempt():
        # Lock, unmap, move; the kernel's gotos as returns.
        rc = -EAGAIN
        if TestSetPageLocked(page):
            if not force:
                return rc
            yield from k.lock_page(page)
        if PageWriteback(page):
            if not force:
                k.unlock_page(page)
                return rc
            yield from k.wait_on_page_writeback(page)
        # Establish migration entries for every pte (anonymous and file pages).
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif not page_mapped(page):
            rc = yield from k.move_to_new_page(newpage, page)
        if rc:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc

    rc = 0
    if page._count != 1:                      # 1: freed from under us, so we are done
        rc = yield from attempt()
    if rc != -EAGAIN:                         # ret: the new page goes back, used or not
        list_del(newpage)
        k.move_to_lru(newpage)
    return rc


@migrate.function(since="unmap-and-move")
def migrate_pages(k, from_, to, moved, failed):
    """Migrate the pages on `from_` to the new pages on `to`; return those not moved.

    Up to 10 passes; from the fourth on, locked pages and pages under
    writeback are waited for. -EAGAIN leaves a page for the next pass; 0
    (moved, or freed under us) sends it to `moved`; any other error is
    permanent (the page goes to `failed`).
    """
    swapwrite = k.current.flags & PF_SWAPWRITE
    k.current.flags |= PF_SWAPWRITE
    nr_failed = 0
    retry = 1
    pass_ = 0
    while pass_ < 10 and retry:
        retry = 0
        for page in from_:
            if not len(to):
                break
            yield Point("cond_resched", (page,))
            rc = yield from k.unmap_and_move(next(reversed(to)), page, pass_ > 2)
            if rc == -EAGAIN:
                retry += 1
            elif rc:
                list_move(page, failed)       # permanent failure
                nr_failed += 1
            else:
                list_move(page, moved)
        pass_ += 1
    if not swapwrite:
        k.current.flags &= ~PF_SWAPWRITE
    return nr_failed + retry


# === free-pages (aaa994b3, 2.6.18): migrate_pages releases the pages it is done with ===========

@migrate.function(since="free-pages", static=True)
def unmap_and_move(k, newpage, page, force):
    """Lock `page`, turn its ptes into migration entries and move it to `newpage`: 0 or -errno.

    A page whose only reference is ours was freed under us: done (0).
    Without `force` a locked page or one under writeback is left for a later
    pass (-EAGAIN); with it, both are waited for. If the page does not move,
    its ptes point at it again. Unless the answer is -EAGAIN both pages
    leave their lists for the LRU: a migrated old page and an unused new
    page are freed by it, an old page that stays keeps its references.
    """

    def attempt():
        # Lock, unmap, move; the kernel's gotos as returns.
        rc = -EAGAIN
        if TestSetPageLocked(page):
            if not force:
                return rc
            yield from k.lock_page(page)
        if PageWriteback(page):
            if not force:
                k.unlock_page(page)
                return rc
            yield from k.wait_on_page_writeback(page)
        # Establish migration entries for every pte (anonymous and file pages).
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif not page_mapped(page):
            rc = yield from k.move_to_new_page(newpage, page)
        if rc:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc

    rc = 0
    if page._count != 1:                      # 1: freed from under us, so we are done
        rc = yield from attempt()
    if rc != -EAGAIN:                         # ret: the new page goes back, used or not
        list_del(page)
        k.move_to_lru(page)
        list_del(newpage)
        k.move_to_lru(newpage)
    return rc


@migrate.function(since="free-pages")
def migrate_pages(k, from_, to):
    """Migrate the pages on `from_` to the new pages on `to`; return those not moved.

    Up to 10 passes; from the fourth on, locked pages and pages under
    writeback are waited for. Every page leaves `from_`: moved, freed or
    failed for good as it goes, and whatever is left at the end (still
    -EAGAIN, or never tried because `to` ran empty) back to the LRU.
    """
    swapwrite = k.current.flags & PF_SWAPWRITE
    k.current.flags |= PF_SWAPWRITE
    nr_failed = 0
    retry = 1
    pass_ = 0
    while pass_ < 10 and retry:
        retry = 0
        for page in from_:
            if not len(to):
                break
            yield Point("cond_resched", (page,))
            rc = yield from k.unmap_and_move(next(reversed(to)), page, pass_ > 2)
            if rc == -EAGAIN:
                retry += 1
            elif rc:
                nr_failed += 1                # permanent failure
        pass_ += 1
    if not swapwrite:
        k.current.flags &= ~PF_SWAPWRITE
    k.putback_lru_pages(from_)
    return nr_failed + retry


@migrate.function(since="free-pages")
def migrate_pages_to(k, pagelist, vma, dest):
    """Move the pages on `pagelist` to node `dest` (or per `vma`'s policy), in chunks.

    Returns the number of pages not moved. As in this commit: new pages left
    over on `newlist` are never freed, and when an allocation fails the
    isolated pages stay on `pagelist`, off the LRU, counted as not moved
    (both mended by the next patch, new-page-t).
    """
    newlist = new_private_list("newlist")
    nr_failed = 0
    offset = 0
    while True:
        nr_pages = 0
        for _ in range(len(pagelist)):
            if vma is not None:
                page = k.alloc_page_vma(vma, vma.vm_start + offset)
                offset += pg.PAGE_SIZE
            else:
                page = k.alloc_pages_node(dest)
            if page is None:
                return nr_failed + len(pagelist)       # -ENOMEM: goto out
            list_add_tail(page, newlist)
            nr_pages += 1
            if nr_pages > MIGRATE_CHUNK_SIZE:
                break
        err = yield from k.migrate_pages(pagelist, newlist)
        if err >= 0:
            nr_failed += err
            if not len(newlist) and len(pagelist):
                continue                      # redo (never taken: migrate_pages empties pagelist)
        return nr_failed + len(pagelist)


# === new-page-t (95a402c3, 2.6.18): an allocator callback instead of a list of new pages ========

migrate.remove("migrate_pages_to", at="new-page-t")


@migrate.function(since="new-page-t", static=True)
def unmap_and_move(k, get_new_page, private, page, force):
    """Move `page` to a page from `get_new_page(page, private)`: 0 or -errno (-ENOMEM: none).

    Unless the answer is -EAGAIN, the old page leaves the list for the LRU
    (which frees it if it moved); the new page always goes to the LRU (which
    frees it if it was not used).
    """

    def attempt():
        # Lock, unmap, move; the kernel's gotos as returns.
        rc = -EAGAIN
        if TestSetPageLocked(page):
            if not force:
                return rc
            yield from k.lock_page(page)
        if PageWriteback(page):
            if not force:
                k.unlock_page(page)
                return rc
            yield from k.wait_on_page_writeback(page)
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif not page_mapped(page):
            rc = yield from k.move_to_new_page(newpage, page)
        if rc:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        if rc != -EAGAIN:
            list_del(page)
            k.move_to_lru(page)
        return rc

    newpage = get_new_page(page, private)
    if newpage is None:
        return -ENOMEM
    rc = 0
    if page._count != 1:                      # 1: freed from under us; putback frees it
        rc = yield from attempt()
    k.move_to_lru(newpage)
    return rc


@migrate.function(since="new-page-t")
def migrate_pages(k, from_, get_new_page, private):
    """Migrate the pages on `from_` to pages from `get_new_page`: those not moved, or -ENOMEM.

    Up to 10 passes; from the fourth on, locked pages and pages under
    writeback are waited for. Whatever is left on `from_` at the end goes
    back to the LRU.
    """
    swapwrite = k.current.flags & PF_SWAPWRITE
    k.current.flags |= PF_SWAPWRITE
    nr_failed = 0
    retry = 1
    pass_ = 0
    rc = 0
    while pass_ < 10 and retry and rc != -ENOMEM:
        retry = 0
        for page in from_:
            yield Point("cond_resched", (page,))
            rc = yield from k.unmap_and_move(get_new_page, private, page, pass_ > 2)
            if rc == -ENOMEM:
                break                         # out of memory: give up altogether
            if rc == -EAGAIN:
                retry += 1
            elif rc:
                nr_failed += 1                # permanent failure
        pass_ += 1
    if not swapwrite:
        k.current.flags &= ~PF_SWAPWRITE
    k.putback_lru_pages(from_)
    if rc == -ENOMEM:
        return rc
    return nr_failed + retry


# === move-pages (742755a1, 2.6.18): sys_move_pages, page by page ================================

MAX_NUMNODES = 1 << 4                         # i386 NUMA: NODES_SHIFT 4; here only an end marker
SIZEOF_PAGE_TO_NODE = 16                      # i386: addr, page, node, status
ULONG_MAX = (1 << 32) - 1


class PageToNode:
    """struct page_to_node: one page of a sys_move_pages call and what became of it."""

    __slots__ = ("addr", "page", "node", "status")

    def __init__(self, addr, node):
        self.addr, self.page, self.node, self.status = addr, None, node, 0

    def __repr__(self):
        return f"<page_to_node 0x{self.addr:08x} -> node {self.node}: status {self.status}>"


@migrate.function(since="move-pages", static=True)
def unmap_and_move(k, get_new_page, private, page, force):
    """Move `page` to a page from `get_new_page`: 0 or -errno (-ENOMEM: none).

    Unless the answer is -EAGAIN, the old page leaves the list for the LRU
    (which frees it if it moved); the new page always goes to the LRU (which
    frees it if it was not used). If the allocator named a status slot, it
    gets the new page's node, or the error.
    """

    def attempt():
        # Lock, unmap, move; the kernel's gotos as returns.
        rc = -EAGAIN
        if TestSetPageLocked(page):
            if not force:
                return rc
            yield from k.lock_page(page)
        if PageWriteback(page):
            if not force:
                k.unlock_page(page)
                return rc
            yield from k.wait_on_page_writeback(page)
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM                       # a vma is VM_LOCKED: permanent failure
        elif not page_mapped(page):
            rc = yield from k.move_to_new_page(newpage, page)
        if rc:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        if rc != -EAGAIN:
            list_del(page)
            k.move_to_lru(page)
        return rc

    result = [None]                           # int **result: where the allocator points us
    newpage = get_new_page(page, private, result)
    if newpage is None:
        return -ENOMEM
    rc = 0
    if page._count != 1:                      # 1: freed from under us; putback frees it
        rc = yield from attempt()
    k.move_to_lru(newpage)
    if result[0] is not None:
        result[0].status = rc if rc else newpage.node
    return rc


@migrate.function(since="move-pages", static=True)
def new_page_node(k, p, private, result):
    """new_page_t for sys_move_pages: a page on the node asked for `p`, pointing at its status."""
    for pm in private:
        if pm.node == MAX_NUMNODES:
            return None
        if pm.page is p:
            result[0] = pm
            return k.alloc_pages_node(pm.node)
    return None


@migrate.function(since="move-pages", static=True)
def do_move_pages(k, mm, pm, migrate_all):
    """Isolate each page of `pm` that must move, then move them all: pages not moved, or -errno.

    Each entry's status says what happened before the move: its node if
    already there, -EFAULT (no vma), -ENOENT (not present), -EACCES (mapped
    more than once without MPOL_MF_MOVE_ALL), -EBUSY (not on the LRU).
    -ENOENT for the whole call if no page needed moving.
    """
    pagelist = new_private_list("pagelist")
    yield from down_read(mm.mmap_sem)
    k.migrate_prep()
    for pp in pm:
        if pp.node == MAX_NUMNODES:
            break
        pp.page = None                        # ZERO_PAGE(0) in the kernel: matches no isolated page
        err = -EFAULT
        vma = k.find_vma(mm, pp.addr)
        if vma is not None:
            page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
            err = -ENOENT
            if page is not None:              # Simplified: no ZERO_PAGE, so no PageReserved test
                pp.page = page
                err = page.node
                if err != pp.node:
                    err = -EACCES
                    if page_mapcount(page) <= 1 or migrate_all:
                        err = yield from k.isolate_lru_page(page, pagelist)
                put_page(page)                # the FOLL_GET reference
        pp.status = err
    if len(pagelist):
        err = yield from k.migrate_pages(pagelist, k.new_page_node, pm)
    else:
        err = -ENOENT
    up_read(mm.mmap_sem)
    return err


@migrate.function(since="move-pages", static=True)
def do_pages_stat(k, mm, pm):
    """Fill each entry's status with its page's node, -EFAULT (no vma at or above) or -ENOENT (not present).

    Its entries' nodes are 0, as 8ce08464 (2.6.19-rc5) made them (see sys_move_pages).
    """
    yield from down_read(mm.mmap_sem)
    for pp in pm:
        if pp.node == MAX_NUMNODES:
            break
        err = -EFAULT
        vma = k.find_vma(mm, pp.addr)
        if vma is not None:
            page = yield from k.follow_page(vma, pp.addr, 0)
            err = -ENOENT if page is None else page.node
        pp.status = err
    up_read(mm.mmap_sem)
    return 0


@migrate.function(since="move-pages", syscall=True)
def sys_move_pages(k, pid, pages, nodes, status, flags):
    """Move the pages at addresses `pages` of process `pid` (0 = the caller) to `nodes`.

    With `nodes` None, only report where each page is. `status` (a list as
    long as `pages`; None stands for a NULL pointer) receives, per page, its
    node or a -errno. Returns the number of pages not moved, or -errno; on
    -errno the status array is not written. The caller must own the target
    or have CAP_SYS_NICE, which MPOL_MF_MOVE_ALL requires.
    Simplified: no cpusets (every online node is allowed), no security hooks.
    """
    current = k.current
    nr_pages = len(pages)
    if flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        return -EINVAL
    if flags & MPOL_MF_MOVE_ALL and not current.capable(CAP_SYS_NICE):
        return -EPERM
    task = k.find_task_by_pid(pid) if pid else current
    if task is None:
        return -ESRCH
    mm = task.mm                              # get_task_mm
    if mm is None:
        return -EINVAL
    mm.users += 1
    if (current.euid != task.suid and current.euid != task.uid and current.uid != task.suid
            and current.uid != task.uid and not current.capable(CAP_SYS_NICE)):
        err = -EPERM
    elif nr_pages >= ULONG_MAX // SIZEOF_PAGE_TO_NODE - 1:
        err = -E2BIG                          # the control array's size would overflow
    else:
        pm, err = [], 0
        for i in range(nr_pages):
            # 0 for a NULL node list: 8ce08464's fix (2.6.19-rc5), carried here; 2.6.18 left
            # the field uninitialised, and a stray MAX_NUMNODES would end do_pages_stat early.
            node = nodes[i] if nodes is not None else 0
            if nodes is not None and not 0 <= node < len(k.nodes):
                err = -ENODEV                 # !node_online(node)
                break
            pm.append(PageToNode(pages[i], node))
        if not err:
            pm.append(PageToNode(0, MAX_NUMNODES))
            if nodes is not None:
                err = yield from k.do_move_pages(mm, pm, flags & MPOL_MF_MOVE_ALL)
            else:
                err = yield from k.do_pages_stat(mm, pm)
            if err >= 0:
                for i in range(nr_pages):     # put_user
                    if status is None:
                        err = -EFAULT
                    else:
                        status[i] = pm[i].status
    yield from k.mmput(mm)
    return err


# === vma-migrate (7b2259b3, 2.6.18): a vma may know how to migrate itself =======================

@migrate.function(since="vma-migrate")
def migrate_vmas(k, mm, to, from_, flags):
    """Ask every vma with a vm_ops->migrate method to move itself: 0 or the first error.

    The kernel's loop runs while the vma has a successor, so the last vma
    is never asked.
    """
    err = 0
    for vma, _next in zip(mm.mmap, mm.mmap[1:]):
        ops = vma.vm_ops
        if ops is not None and getattr(ops, "migrate", None) is not None:
            err = ops.migrate(vma, to, from_, flags)
            if err:
                break
    return err


# === mlock-migrate (e6a1530d, 2.6.18): mlocked pages may move ===================================

@migrate.function(since="mlock-migrate", static=True)
def unmap_and_move(k, get_new_page, private, page, force):
    """Move `page` to a page from `get_new_page`: 0 or -errno (-ENOMEM: none).

    Unless the answer is -EAGAIN, the old page leaves the list for the LRU
    (which frees it if it moved); the new page always goes to the LRU (which
    frees it if it was not used). If the allocator named a status slot, it
    gets the new page's node, or the error.
    """

    def attempt():
        # Lock, unmap, move; the kernel's gotos as returns.
        rc = -EAGAIN
        if TestSetPageLocked(page):
            if not force:
                return rc
            yield from k.lock_page(page)
        if PageWriteback(page):
            if not force:
                k.unlock_page(page)
                return rc
            yield from k.wait_on_page_writeback(page)
        # Establish migration entries; the answer does not matter (mlocked pages move too),
        # only whether the page is still mapped.
        yield from k.try_to_unmap(page, 1)
        if not page_mapped(page):
            rc = yield from k.move_to_new_page(newpage, page)
        if rc:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        if rc != -EAGAIN:
            list_del(page)
            k.move_to_lru(page)
        return rc

    result = [None]                           # int **result: where the allocator points us
    newpage = get_new_page(page, private, result)
    if newpage is None:
        return -ENOMEM
    rc = 0
    if page._count != 1:                      # 1: freed from under us; putback frees it
        rc = yield from attempt()
    k.move_to_lru(newpage)
    if result[0] is not None:
        result[0].status = rc if rc else newpage.node
    return rc
