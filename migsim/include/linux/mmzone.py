"""include/linux/mmzone.h: a NUMA node and its (single) zone of frames.

Simplified: one zone per node (no DMA/Normal/HighMem split).
"""

from .list import PageList, list_add_tail, list_del
from .mm import Page
from .page_flags import ClearPageLRU, PageActive
from .spinlock import SpinLock


class Zone:
    """A node's frames, its free list and its active/inactive LRU lists."""

    def __init__(self, kernel, nid, start_pfn, nr_frames):
        self.kernel, self.nid = kernel, nid
        self.start_pfn, self.nr_frames = start_pfn, nr_frames
        self.touched = set()     # frames stored into since the last check() (simulator bookkeeping)
        self.pages = [Page(start_pfn + i, self) for i in range(nr_frames)]
        self.free = list(range(start_pfn + nr_frames - 1, start_pfn - 1, -1))  # pop() = lowest pfn
        self.active_list = PageList(f"node{nid}.active", private=False)
        self.inactive_list = PageList(f"node{nid}.inactive", private=False)
        self.lru_lock = SpinLock(f"node{nid}->lru_lock")

    @property
    def nr_free(self):
        return len(self.free)

    def take_frame(self):
        """Pop the lowest free frame (deterministic), or None."""
        if not self.free:
            return None
        return self.pages[self.free.pop() - self.start_pfn]

    def free_frame(self, page):
        self.free.append(page.pfn)

    def lru_add(self, page):
        list_add_tail(page, self.active_list if PageActive(page) else self.inactive_list)

    def lru_del(self, page):
        """Take a page off its LRU list and clear PG_lru (PG_active stays)."""
        list_del(page)
        ClearPageLRU(page)

    def __repr__(self):
        return (f"<node {self.nid}: pfn 0x{self.start_pfn:x}-0x{self.start_pfn + self.nr_frames - 1:x}, "
                f"{self.nr_free} free>")
