"""mm/page-writeback.c: marking pages dirty and taking them for writeback."""

from ..include.linux.mm import page_mapping
from ..include.linux.page_flags import PageDirty, SetPageDirty, TestClearPageDirty, TestSetPageDirty
from ..kbuild import kfile

page_writeback = kfile("mm/page-writeback.c")


@page_writeback.function(since="v2.6.16")
def set_page_dirty(k, page):
    """Dirty a page through its mapping's method (buffers by default). 1 if newly dirty."""
    mapping = page_mapping(page)
    if mapping is not None:
        method = mapping.a_ops.set_page_dirty or "__set_page_dirty_buffers"
        return getattr(k, method)(page)
    if not PageDirty(page):
        SetPageDirty(page)
        return 1
    return 0


@page_writeback.function(since="v2.6.16")
def __set_page_dirty_nobuffers(k, page):
    """Set PG_dirty (and, in the kernel, tag the radix tree). 1 if newly dirty."""
    return 0 if TestSetPageDirty(page) else 1


@page_writeback.function(since="v2.6.16")
def clear_page_dirty_for_io(k, page):
    """Clear PG_dirty before writing the page out; 1 if it was dirty."""
    return 1 if TestClearPageDirty(page) else 0
