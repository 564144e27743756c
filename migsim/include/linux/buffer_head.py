"""include/linux/buffer_head.h: the block buffers a filesystem hangs on a page.

A page with buffers has PG_private set, `page.private` pointing at its first
buffer head, and one page reference held by the buffers.
"""

BH_Uptodate, BH_Dirty, BH_Lock = 1, 2, 4


class BufferHead:
    """struct buffer_head: one block of a page (`b_page`, `b_this_page` ring)."""

    __slots__ = ("b_page", "b_this_page", "b_offset", "b_blocknr", "b_state", "b_count")

    def __init__(self, page, offset, blocknr):
        self.b_page, self.b_offset, self.b_blocknr = page, offset, blocknr
        self.b_this_page = None
        self.b_state = BH_Uptodate
        self.b_count = 0

    def __repr__(self):
        return f"<bh block {self.b_blocknr} of pfn 0x{self.b_page.pfn:x}+{self.b_offset}>"


def page_buffers(page):
    """The buffer heads of a page, in ring order."""
    first = page.private
    bhs, bh = [], first
    while True:
        bhs.append(bh)
        bh = bh.b_this_page
        if bh is first:
            return bhs
