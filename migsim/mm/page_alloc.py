"""mm/page_alloc.c: handing out and taking back page frames.

Frames come from the asked-for node first, then from the other nodes in
order of distance (here: node number, wrapping round), as a zonelist would.
Simplified: no watermarks, no per-CPU page lists, no buddy orders (order 0 only).
"""

from ..include.linux.mm import put_page
from ..kbuild import kfile

page_alloc = kfile("mm/page_alloc.c")


@page_alloc.function(since="v2.6.16")
def alloc_pages_node(k, nid, gfp_mask=None):
    """A fresh page with one reference, from node `nid` or the nearest other (None if none)."""
    n = len(k.nodes)
    for i in range(n):
        page = k.nodes[(nid + i) % n].take_frame()
        if page is not None:
            page._count = 1
            return page
    return None


@page_alloc.function(since="v2.6.16")
def __free_page(k, page):
    """Drop the caller's (only) reference to a page it allocated."""
    put_page(page)
