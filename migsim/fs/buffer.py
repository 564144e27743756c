"""fs/buffer.c: buffer heads, and (in 2.6.16) buffer_migrate_page.

A filesystem that works in blocks smaller than a page hangs a ring of
buffer_heads on each page cache page: PG_private is set, `page.private`
points at the first one, and the buffers hold one reference on the page.
"""

from errno import EAGAIN

from ..include.asm_i386.pgtable import PAGE_SIZE
from ..include.linux.buffer_head import BH_Dirty, BH_Lock, BufferHead, page_buffers
from ..include.linux.mm import get_page, put_page
from ..include.linux.page_flags import (ClearPageDirty, ClearPagePrivate, PagePrivate,
                                        SetPagePrivate, TestSetPageDirty)
from ..kbuild import kfile

buffer_c = kfile("fs/buffer.c")


@buffer_c.function(since="v2.6.16")
def create_empty_buffers(k, page, blocks):
    """Attach a ring of `blocks` clean buffers to a page (they take a page reference)."""
    size = PAGE_SIZE // blocks
    first = prev = None
    for i in range(blocks):
        bh = BufferHead(page, i * size, page.mapping.host.ino * 1000 + page.index * blocks + i)
        if first is None:
            first = bh
        else:
            prev.b_this_page = bh
        prev = bh
    prev.b_this_page = first
    get_page(page)
    SetPagePrivate(page)
    page.private = first


@buffer_c.function(since="v2.6.16")
def __set_page_dirty_buffers(k, page):
    """Dirty every buffer of the page, then the page. 1 if newly dirty."""
    if PagePrivate(page):
        for bh in page_buffers(page):
            bh.b_state |= BH_Dirty
    return 0 if TestSetPageDirty(page) else 1


@buffer_c.function(since="v2.6.16")
def try_to_free_buffers(k, page):
    """Drop the page's buffers if none is dirty, locked or in use. 1 if dropped."""
    if not PagePrivate(page):
        return 1
    bhs = page_buffers(page)
    if any(bh.b_count or bh.b_state & (BH_Dirty | BH_Lock) for bh in bhs):
        return 0
    ClearPagePrivate(page)
    page.private = 0
    put_page(page)
    ClearPageDirty(page)          # clean buffers on a dirty page: the page is clean too
    return 1


@buffer_c.function(since="v2.6.16", export=True)
def buffer_migrate_page(k, newpage, page):
    """migratepage for buffer-based filesystems: move the buffers to the new page too.

    Valid only where the filesystem guarantees no other references to the
    page; the expected count is 3 (isolation, page cache, buffers).
    """
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_remove_references(newpage, page, 3)
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
