"""mm/page_io.c: reading and writing swap slots.

Simplified: I/O completes at once; the device is a dict slot -> bytes, over the
stale bytes of a previous boot (SwapInfo.read_slot).
"""

from ..include.linux.page_flags import SetPageUptodate, SetPageWriteback
from ..include.linux.swapops import swp_offset, swp_type
from ..kbuild import kfile

page_io = kfile("mm/page_io.c")


@page_io.function(since="v2.6.16")
def swap_readpage(k, page):
    """Fill a locked swap-cache page from its slot and unlock it."""
    entry = page.private
    data = k.swap_info[swp_type(entry)].read_slot(swp_offset(entry))
    page.data = None if data is None else bytearray(data)
    SetPageUptodate(page)
    k.unlock_page(page)
    return 0


@page_io.function(since="v2.6.16")
def swap_writepage(k, page, wbc=None):
    """Write a locked swap-cache page to its slot; the page comes back unlocked."""
    if k.remove_exclusive_swap_page(page):
        k.unlock_page(page)
        return 0
    entry = page.private
    SetPageWriteback(page)
    k.swap_info[swp_type(entry)].store[swp_offset(entry)] = None if page.data is None else bytes(page.data)
    k.unlock_page(page)
    k.end_page_writeback(page)
    return 0
