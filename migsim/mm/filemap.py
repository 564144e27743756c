"""mm/filemap.c: the page cache, page locks and the file-fault path."""

from ..include.linux.list import PageList
from ..include.linux.mm import get_page, page_cache_release
from ..include.linux.page_flags import (ClearPageLocked, ClearPageReclaim, PageLocked, PageUptodate,
                                        PageWriteback, TestClearPageWriteback,
                                        TestSetPageLocked, SetPageLocked)
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..errors import KernelBug
from ..kbuild import kfile
from ..sched import Point, Wait

filemap = kfile("mm/filemap.c")


@filemap.function(since="v2.6.16")
def lock_page(k, page):
    """Sleep until this task owns PG_locked of `page`."""
    yield Point("lock_page", (page,))
    while TestSetPageLocked(page):
        yield Wait("lock_page", page, lambda: not PageLocked(page), (page,))


@filemap.function(since="v2.6.16")
def unlock_page(k, page):
    """Release PG_locked; waiters re-check at their wait point (BUG if not locked)."""
    if not PageLocked(page):
        raise KernelBug(f"unlock_page of unlocked pfn 0x{page.pfn:x}", "mm/filemap.c")
    ClearPageLocked(page)


@filemap.function(since="v2.6.16")
def wait_on_page_writeback(k, page):
    """Sleep while the page is under writeback."""
    while PageWriteback(page):
        yield Wait("wait_on_page_writeback", page, lambda: not PageWriteback(page), (page,))


@filemap.function(since="v2.6.16")
def find_get_page(k, mapping, index):
    """The page at `index` of `mapping` with a reference taken, or None."""
    yield from spin_lock(mapping.tree_lock, k.who())
    page = mapping.page_tree.get(index)
    if page is not None:
        get_page(page)
    spin_unlock(mapping.tree_lock)
    return page


@filemap.function(since="v2.6.16")
def add_to_page_cache(k, page, mapping, offset):
    """Insert a new page, locked, at `offset`; the cache takes a reference. 0 or -EEXIST."""
    yield from spin_lock(mapping.tree_lock, k.who())
    if offset in mapping.page_tree:
        spin_unlock(mapping.tree_lock)
        return -17  # -EEXIST
    get_page(page)
    SetPageLocked(page)
    page.mapping, page.index = mapping, offset
    mapping.page_tree[offset] = page
    spin_unlock(mapping.tree_lock)
    return 0


@filemap.function(since="v2.6.16")
def __remove_from_page_cache(k, page):
    """Drop a page from its mapping's radix tree (caller holds tree_lock)."""
    mapping = page.mapping
    del mapping.page_tree[page.index]
    page.mapping = None


@filemap.function(since="v2.6.16")
def page_cache_read(k, mapping, offset):
    """Read page `offset` of a file into the cache (0, or -ENOMEM)."""
    page = k.alloc_pages_node(k.current.node)
    if page is None:
        return -12
    err = yield from k.add_to_page_cache(page, mapping, offset)
    if err == 0:
        k.lru_cache_add(page)
        getattr(k, mapping.a_ops.readpage)(page)     # fills it and unlocks it
    page_cache_release(page)
    return 0 if err in (0, -17) else err


@filemap.function(since="v2.6.16")
def filemap_nopage(k, vma, address):
    """The page cache page for a fault at `address`, with a reference for the pte."""
    mapping = vma.vm_file.i_mapping
    pgoff = ((address - vma.vm_start) >> 12) + vma.vm_pgoff
    while True:
        page = yield from k.find_get_page(mapping, pgoff)
        if page is not None:
            break
        err = yield from k.page_cache_read(mapping, pgoff)
        if err < 0:
            return None
    if not PageUptodate(page):
        yield from k.lock_page(page)
        if not PageUptodate(page):
            getattr(k, mapping.a_ops.readpage)(page)
        else:
            k.unlock_page(page)
    k.mark_page_accessed(page)
    return page


def new_private_list(name):
    """A list for pages a kernel path has taken off the LRU."""
    return PageList(name, private=True)


@filemap.function(since="v2.6.16")
def end_page_writeback(k, page):
    """Writeback of a page finished: clear PG_writeback (and PG_reclaim)."""
    ClearPageReclaim(page)
    if not TestClearPageWriteback(page):
        raise KernelBug(f"end_page_writeback: pfn 0x{page.pfn:x} not under writeback", "mm/filemap.c")


@filemap.function(since="v2.6.16")
def try_to_release_page(k, page, gfp_mask=None):
    """Ask the filesystem to drop a page's private data (buffers). 1 if gone."""
    if not PageLocked(page):
        raise KernelBug("try_to_release_page: page not locked", "fs/buffer.c")
    if PageWriteback(page):
        return 0
    mapping = page.mapping
    if mapping is not None and mapping.a_ops.releasepage:
        return getattr(k, mapping.a_ops.releasepage)(page, gfp_mask)
    return k.try_to_free_buffers(page)


@filemap.function(since="migration-entries")
def wait_on_page_locked(k, page):
    """Sleep until the page is unlocked (without taking the lock)."""
    while PageLocked(page):
        yield Wait("wait_on_page_locked", page, lambda: not PageLocked(page), (page,))
