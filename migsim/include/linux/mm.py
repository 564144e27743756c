"""include/linux/mm.h: struct page, struct vm_area_struct and their helpers.

`_count` is the number of references to the frame and `_mapcount` the number
of ptes mapping it *minus one* (-1 = unmapped), as in the kernel.
Simplified: 2.6.16 stored `_count` with a -1 bias as well; here `_count` is
the plain count (page_count(page) == page._count), as from 2.6.17 on.
"""

from ...errors import BadPageState, KernelBug
from ..asm_i386.pgtable import PAGE_SHIFT
from .page_flags import (ClearPageActive, PageLRU, PagePrivate, PageSwapCache, format_flags, PG_BITS)

VM_READ = 0x1
VM_WRITE = 0x2
VM_EXEC = 0x4
VM_SHARED = 0x8
VM_MAYREAD = 0x10
VM_MAYWRITE = 0x20
VM_MAYEXEC = 0x40
VM_MAYSHARE = 0x80
VM_PFNMAP = 0x400        # raw pfns, no struct page behind them (the simulator makes none)
VM_LOCKED = 0x2000
VM_IO = 0x4000
VM_DONTCOPY = 0x20000
VM_RESERVED = 0x80000
VM_HUGETLB = 0x400000    # hugetlbfs (the simulator makes none)

_VM_NAMES = ((VM_READ, "r"), (VM_WRITE, "w"), (VM_EXEC, "x"))

# Flags a page must not carry when it is freed (free_pages_check).
_BAD_AT_FREE = sum(1 << PG_BITS[f] for f in (
    "lru", "private", "locked", "active", "reclaim", "slab", "swapcache", "writeback", "reserved"))


class FrameData(bytearray):
    """The bytes of a frame: a bytearray that also marks its frame touched when written in place.

    Simulator bookkeeping for `Kernel.check()`, which re-reads only frames
    touched since the last check: a store into a `struct page` field marks
    it (`Page.__setattr__`), and so does a store into its bytes, as a
    process's write makes (``page.data[off:off + n] = chunk``). `pages` are
    the frames these bytes are the data of (more than one only if code gives
    one frame's bytes object to another).
    """

    @classmethod
    def own(cls, value, page):
        data = value if isinstance(value, FrameData) else cls(value)
        owners = getattr(data, "pages", None)
        if owners is None:
            data.pages = [page]
        elif page not in owners:
            owners.append(page)
        return data

    def __setitem__(self, i, value):
        bytearray.__setitem__(self, i, value)
        for page in self.pages:
            page.zone.touched.add(page)


class Page:
    """struct page: one physical frame and what the kernel knows of it."""

    __slots__ = ("pfn", "zone", "flags", "_count", "_mapcount", "mapping",
                 "index", "private", "data", "lru", "_prev", "_next")

    def __init__(self, pfn, zone):
        object.__setattr__(self, "pfn", pfn)
        object.__setattr__(self, "zone", zone)
        self.flags = 0
        self._count = 0
        self._mapcount = -1
        self.mapping = None    # address_space, anon_vma (PageAnon) or None
        self.index = 0
        self.private = 0       # swap entry (swap cache) or buffer heads (PagePrivate)
        self.data = None       # the frame's bytes; None = all zeroes (never written)
        self.lru = None        # the list this page is on (an LRU list or a private one)
        self._prev = self._next = None   # its neighbours on that list

    def __setattr__(self, name, value):
        if name == "data" and value is not None:
            value = FrameData.own(value, self)
        object.__setattr__(self, name, value)
        self.zone.touched.add(self)        # simulator bookkeeping: check() re-reads only touched frames

    @property
    def node(self):
        return self.zone.nid

    def __repr__(self):
        return (f"<page pfn=0x{self.pfn:x} node={self.node} count={self._count} "
                f"mapcount={self._mapcount + 1} {format_flags(self.flags).split(' ')[1]}>")


def page_count(page):
    return page._count


def page_mapcount(page):
    return page._mapcount + 1


def page_mapped(page):
    return page._mapcount >= 0


def get_page(page):
    """Take a reference (BUG if the page is free)."""
    if page._count <= 0:
        raise KernelBug(f"get_page on a free page (pfn 0x{page.pfn:x})", "include/linux/mm.h")
    page._count += 1


def put_page(page):
    """Drop a reference; the last one frees the frame."""
    if page._count <= 0:
        raise BadPageState(f"put_page on free page pfn 0x{page.pfn:x} count {page._count}")
    page._count -= 1
    if page._count == 0:
        __page_cache_release(page)
        free_hot_page(page)


page_cache_get = get_page
page_cache_release = put_page


def __page_cache_release(page):
    """A page dropping its last reference leaves the LRU (mm/swap.c)."""
    if PageLRU(page):
        page.zone.lru_del(page)
        ClearPageActive(page)


def free_hot_page(page):
    """Return a frame to its node, after the kernel's free_pages_check."""
    if PageAnon(page):
        page.mapping = None              # an anon page keeps its anon_vma until freed
    if page.mapping is not None or page._mapcount != -1 or page.flags & _BAD_AT_FREE:
        raise BadPageState(
            f"freeing pfn 0x{page.pfn:x} flags {format_flags(page.flags)} "
            f"mapcount {page._mapcount + 1} mapping {page.mapping!r}")
    page.flags = 0                       # PG_dirty is dropped silently
    page.private = 0
    page.index = 0
    page.data = None
    page.zone.free_frame(page)


def PageAnon(page):
    """An anonymous page: its mapping is an anon_vma (PAGE_MAPPING_ANON)."""
    return page.mapping is not None and page.mapping.is_anon_vma


def page_mapping(page):
    """The address_space a page belongs to (swapper_space in swap cache)."""
    if PageSwapCache(page):
        return page.zone.kernel.swapper_space
    mapping = page.mapping
    if mapping is not None and mapping.is_anon_vma:
        return None
    return mapping


def page_index(page):
    """The page's index in its mapping (the swap entry in swap cache)."""
    if PageSwapCache(page):
        return page.private
    return page.index


def page_to_nid(page):
    return page.zone.nid


def page_has_buffers(page):
    return PagePrivate(page)


def is_cow_mapping(flags):
    return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE


class VMA:
    """struct vm_area_struct: one mapping of a process's address space."""

    __slots__ = ("vm_mm", "vm_start", "vm_end", "vm_flags", "vm_page_prot",
                 "vm_pgoff", "vm_file", "anon_vma", "vm_policy", "vm_ops")

    stores = 0             # simulator bookkeeping: stores into any vma, so check() knows vmas changed

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        VMA.stores += 1

    def __init__(self, mm, start, end, flags, prot, pgoff, file=None):
        self.vm_mm, self.vm_start, self.vm_end = mm, start, end
        self.vm_flags, self.vm_page_prot, self.vm_pgoff = flags, prot, pgoff
        self.vm_file = file
        self.anon_vma = None
        self.vm_policy = None
        self.vm_ops = None                   # vm_operations_struct: only ->migrate (7b2259b3) is looked at

    def perms(self):
        """'rw-p' style, as in /proc/PID/maps."""
        s = "".join(c if self.vm_flags & f else "-" for f, c in _VM_NAMES)
        return s + ("s" if self.vm_flags & VM_SHARED else "p")

    def describe(self):
        """One line, as in /proc/PID/maps."""
        where = f"{self.vm_file.name} @{self.vm_pgoff}" if self.vm_file else "[anon]"
        pol = f" policy={self.vm_policy}" if self.vm_policy else ""
        return f"{self.vm_start:08x}-{self.vm_end:08x} {self.perms()} {where}{pol}"

    def __repr__(self):
        return f"<vma {self.describe()} of pid {self.vm_mm.owner.pid}>"


def vma_address(page, vma):
    """The user address at which `vma` would map `page` (-1 if outside)."""
    address = vma.vm_start + ((page.index - vma.vm_pgoff) << PAGE_SHIFT)
    if address < vma.vm_start or address >= vma.vm_end:
        return -1
    return address
