"""The machine's invariants, checked on demand (`Kernel.check()`).

It recounts every reference from the structures themselves and compares:

* `_mapcount` matches the present ptes that map the page;
* `_count` matches the references that exist (ptes, page or swap cache,
  buffers, isolation on a kernel path's private list); while a task is in
  flight it may hold a few more, never fewer;
* swap-map counts match the swap ptes and the swap cache;
* nothing (pte, page cache, swap cache, buffer head, a filesystem's own list,
  an LRU or private list) points at a free frame;
* with no task in flight, no page, spinlock or mmap_sem is left locked;
* every process reads back exactly what it last wrote (its shadow), and
  every file holds what was last written to it.
The first broken invariant raises BadPageState with the kernel's kind of words.

It is cheap enough to run after every scheduling point, because it reads
again only what may have changed since the last check that passed:

* the page tables index the slots that hold a pte (`pgtable_walk.PageTable`),
  and what an mm's ptes say (the frames and swap slots they reference, the
  vma each lies in) is kept until a pte or a vma of that mm changes (`_walk`);
* a frame is read again if it was stored into (`Zone.touched`: a field of
  its struct page, or its bytes), freed or allocated, or the references
  found to it changed (`_check_pages`);
* a process's reads are compared again if its ptes, a frame they map, its
  shadow, a file's shadow or the swap state changed (`_check_contents`).
Caches, lists, buffer heads, swap maps and locks are recounted every time.
What it keeps lives on the kernel and its mms (`check_*` attributes):
simulator bookkeeping, never kernel state.
"""

from itertools import compress

from .errors import BadPageState, MemoryCorruption
from .include.asm_i386 import pgtable as pg
from .include.asm_i386.pgtable import ZERO_PAGE
from .include.linux.buffer_head import page_buffers
from .include.linux.mm import VM_SHARED, VMA
from .include.linux.pgtable_walk import PageTable
from .include.linux.page_flags import PG_locked, PG_lru, PG_private, PG_swapcache
from .include.linux.swapops import (SWP_OFFSET_MASK, SWP_TYPE_SHIFT, pte_to_swp_entry, swp_entry, swp_offset,
                                    swp_type)

_PRESENT = pg._PAGE_PRESENT | pg._PAGE_PROTNONE      # PROT_NONE ptes (_PAGE_PROTNONE) still map their page
_LOCKED, _LRU, _PRIVATE, _SWAPCACHE = 1 << PG_locked, 1 << PG_lru, 1 << PG_private, 1 << PG_swapcache


def check(k, cow=False):
    """Raise BadPageState at the first broken invariant.

    With `cow`, also require that a private page mapped writable is mapped
    only once (copy-on-write exclusivity). It is off by default because the
    series' own scenarios judge the COW bug by its effect: a write by one
    process showing up in another (the shadow check).
    """
    if k.corruption:
        raise MemoryCorruption(k.corruption[0])
    in_flight = any(not t.done for t in k.tasks)
    touched = set()                           # frames stored into since the last check that passed
    for zone in k.nodes:
        touched |= zone.touched
    free = set()
    for zone in k.nodes:
        free.update(zone.free)
    walks = _walks(k)
    maps, swaps = _count_ptes(k, walks, free)
    refs, swaps = dict(maps), dict(swaps)
    if cow:                                   # a private page mapped writable is its owner's alone
        for mm, w in walks.items():
            for pfn, addr in w.writable:
                if maps[pfn] != 1:
                    _bad(f"pid {mm.owner.pid}: private pte at 0x{addr:08x} is writable but pfn 0x{pfn:x} is "
                         f"mapped {maps[pfn]} times (a write would show in the other mappings)")
    _count_caches(k, free, refs, swaps)
    _check_pages(k, free, refs, maps, in_flight, touched)
    _check_swap(k, swaps, in_flight)
    if not in_flight:
        _check_unlocked(k)
    _check_contents(k, walks, touched)
    for zone in k.nodes:
        zone.touched.clear()


def _bad(msg):
    raise BadPageState(msg)


# --- what the ptes of one mm reference ---------------------------------------------

class _Walk:
    """What the ptes of one mm say, read once for a given state of its tables and vmas.

    `ptes`: (addr, pte, vma, page, entry) of every pte in address order (page: the
    struct page a present pte maps or a migration entry stands for; entry: the swap
    entry of a swap pte); `pages`: those struct pages; `odd`: a pte read neither way
    (PROT_NONE, nonlinear); `files`: a pte in a file's vma; `present`: (pfn, addr)
    of present ptes; `counts`: pfn -> present ptes mapping it; `swap`: the swap
    entries; `migration`: (addr, entry, pfn) of migration entries; `writable`:
    (pfn, addr) of writable ptes in private vmas.
    """

    __slots__ = ("key", "ptes", "addrs", "pages", "odd", "files", "present", "counts", "swap", "migration",
                 "writable")

    def __init__(self, key):
        self.key = key
        self.ptes, self.present, self.swap, self.migration, self.writable = [], [], [], [], []
        self.counts, self.addrs, self.pages = {}, set(), set()
        self.odd = self.files = False


def _walks(k):
    """mm -> its _Walk, for every mm; the same dict as at the last check if no pte and no vma changed."""
    key = (PageTable.stores, VMA.stores, tuple(tuple(mm.mmap) for mm in k.mms))
    kept = getattr(k, "check_walks", None)
    if kept is None or kept[0] != key:
        kept = k.check_walks = (key, {mm: _walk(k, mm) for mm in k.mms})
    return kept[1]


def _walk(k, mm):
    """The _Walk of `mm` now: the one kept from the last check if nothing changed since."""
    key = (mm.pgd.changes, VMA.stores, tuple(mm.mmap))
    w = getattr(mm, "check_walk", None)     # simulator bookkeeping kept on the mm, not kernel state
    if w is not None and w.key == key:
        return w
    w = _Walk(key)
    vmas, vi = sorted(mm.mmap, key=lambda v: v.vm_start), 0
    pgd = mm.pgd
    for i in sorted(pgd.tables):
        table = pgd[i]
        base = i << pg.PGDIR_SHIFT
        for j in sorted(table.used):
            pte = table[j]
            addr = base + (j << pg.PAGE_SHIFT)
            while vi < len(vmas) and vmas[vi].vm_end <= addr:
                vi += 1
            if vi == len(vmas) or vmas[vi].vm_start > addr:
                _bad(f"pid {mm.owner.pid}: pte 0x{pte:08x} at 0x{addr:08x} outside any vma")
            vma = vmas[vi]
            if pte & _PRESENT:
                pfn = pte >> pg.PAGE_SHIFT
                w.ptes.append((addr, pte, vma, k.pfn_to_page(pfn) if pte & pg._PAGE_PRESENT else None, None))
                w.present.append((pfn, addr))
                w.counts[pfn] = w.counts.get(pfn, 0) + 1
                if pte & pg._PAGE_RW and not vma.vm_flags & VM_SHARED:
                    w.writable.append((pfn, addr))
                continue
            if pg.pte_file(pte):
                w.ptes.append((addr, pte, vma, None, None))
                continue
            entry = pte_to_swp_entry(pte)
            if _is_migration(k, entry):
                w.migration.append((addr, entry, swp_offset(entry)))
                w.ptes.append((addr, pte, vma, k.pfn_to_page(swp_offset(entry)), None))
            else:
                w.swap.append(entry)
                w.ptes.append((addr, pte, vma, None, entry))
    w.addrs = {e[0] for e in w.ptes}
    w.pages = {e[3] for e in w.ptes if e[3] is not None}              # frames whose bytes it reads
    w.odd = any(e[3] is None and e[4] is None for e in w.ptes)        # PROT_NONE, nonlinear: read_page
    w.files = any(e[2].vm_file is not None for e in w.ptes)           # reads a file's shadow too
    mm.check_walk = w
    return w


def _is_migration(k, entry):
    return hasattr(k, "is_migration_entry") and k.is_migration_entry(entry)


def _count_ptes(k, walks, free):
    """(pfn -> ptes mapping it, swap entry -> swap ptes) over all mms; a pte may not map
    a free frame, a migration entry only a locked page."""
    key = tuple(walks.values())
    kept = getattr(k, "check_totals", None)   # (the walks, their sums) at the last check
    if kept is None or kept[0] != key:
        maps, swaps, pfns, migration = {}, {}, set(), []
        for mm, w in walks.items():
            for pfn, n in w.counts.items():
                maps[pfn] = maps.get(pfn, 0) + n
            for entry in w.swap:
                swaps[entry] = swaps.get(entry, 0) + 1
            migration += [(mm, *m) for m in w.migration]
        kept = k.check_totals = (key, maps, swaps, set(maps), migration)
    _, maps, swaps, pfns, migration = kept
    if not free.isdisjoint(pfns):
        for mm, w in walks.items():
            for pfn, addr in w.present:
                if pfn in free:
                    pte = next(e[1] for e in w.ptes if e[0] == addr)
                    _bad(f"pid {mm.owner.pid}: pte 0x{pte:08x} at 0x{addr:08x} maps free pfn 0x{pfn:x}")
    for mm, addr, entry, pfn in migration:
        page = k.pfn_to_page(pfn)
        if not page.flags & _LOCKED:
            _bad(f"pid {mm.owner.pid}: migration entry 0x{entry:08x} at 0x{addr:08x} "
                 f"for unlocked pfn 0x{page.pfn:x}")
    return maps, swaps


# --- caches, lists and pages -----------------------------------------------------

def _count_caches(k, free, refs, swaps):
    for entry, page in k.swapper_space.page_tree.items():
        if page.pfn in free:
            _bad(f"swap cache entry 0x{entry:08x} points at free pfn 0x{page.pfn:x}")
        if not page.flags & _SWAPCACHE or page.private != entry:
            _bad(f"pfn 0x{page.pfn:x} in swap cache at 0x{entry:08x} without PG_swapcache/private")
        refs[page.pfn] = refs.get(page.pfn, 0) + 1
        swaps[entry] = swaps.get(entry, 0) + 1
    for inode in k.files.values():
        mapping = inode.i_mapping
        for index, page in mapping.page_tree.items():
            if page.pfn in free:
                _bad(f"{inode.name}: page cache index {index} points at free pfn 0x{page.pfn:x}")
            if page.mapping is not mapping or page.index != index:
                _bad(f"{inode.name}: pfn 0x{page.pfn:x} at index {index} has mapping/index wrong")
            refs[page.pfn] = refs.get(page.pfn, 0) + 1
        for page in mapping.private_list:
            if page.pfn in free or mapping.page_tree.get(page.index) is not page:
                _bad(f"{inode.name}: its own dirty list points at pfn 0x{page.pfn:x}, "
                     f"which is {'free' if page.pfn in free else 'no longer in its page cache'}")


def _frames(k):
    """pfn -> struct page of every frame (kept on the kernel: frames never change)."""
    frames = getattr(k, "check_frames", None)
    if frames is None:
        frames = k.check_frames = {page.pfn: page for zone in k.nodes for page in zone.pages}
    return frames


def _pfn(page):
    return page.pfn


class _Seen:
    """What the last check that passed saw of the frames (kept on the kernel as `check_seen`)."""

    __slots__ = ("free", "refs", "maps", "in_flight", "buffered")

    def __init__(self, free, refs, maps, in_flight, buffered):
        self.free, self.refs, self.maps, self.in_flight, self.buffered = free, refs, maps, in_flight, buffered


def _check_pages(k, free, refs, maps, in_flight, touched):
    """Each frame: a free one untouched and on no list; a used one on the list its
    PG_lru says, its buffers its own, its counts those of the references found.

    A frame is read again only if something was stored into it since the last
    check that passed (`Zone.touched`), if it was freed or allocated since, or
    if the references found to it changed; every frame when a task started or
    finished since (in flight, a count may be higher than the references).
    """
    frames = _frames(k)
    seen = getattr(k, "check_seen", None)
    if seen is None or seen.in_flight != in_flight:
        todo = frames.keys()
    else:
        todo = {page.pfn for page in touched}
        if free != seen.free:
            todo |= free ^ seen.free
        if refs != seen.refs:
            todo.update(pfn for pfn, _ in refs.items() ^ seen.refs.items())
        if maps is not seen.maps and maps != seen.maps:
            todo.update(pfn for pfn, _ in maps.items() ^ seen.maps.items())
    for pfn in sorted(todo):
        page = frames[pfn]
        _check_page(page, pfn in free, refs.get(pfn, 0), maps.get(pfn, 0), in_flight)
    # Buffer heads are objects of their own (a store into one touches no frame): every time.
    if seen is None or touched:
        buffered = {page for page in (seen.buffered | touched if seen else frames.values())
                    if page.flags & _PRIVATE and page.private and page.pfn not in free}
    else:
        buffered = seen.buffered
    for page in sorted(buffered, key=_pfn):
        for bh in page_buffers(page):
            if bh.b_page is not page:
                _bad(f"buffer {bh!r} of pfn 0x{page.pfn:x} points elsewhere")
    k.check_seen = _Seen(free, refs, maps, in_flight, buffered)


def _check_page(page, is_free, n, mapped, in_flight):
    """One frame against `n` references and `mapped` ptes found to it (buffers and isolation
    are counted here)."""
    pfn, on, flags = page.pfn, page.lru, page.flags
    if is_free:
        if on is not None:
            _bad(f"free pfn 0x{pfn:x} is on list {on.name}")
        if page._count or page._mapcount != -1 or flags or page.mapping is not None:
            _bad(f"free pfn 0x{pfn:x} in use: count {page._count} flags 0x{flags:x}")
        return
    if flags & _PRIVATE and page.private:
        n += 1
    if on is not None and on.private:
        n += 1                                # isolated: the kernel path's reference
    if bool(flags & _LRU) != (on is not None and not on.private):
        _bad(f"pfn 0x{pfn:x}: PG_lru is {bool(flags & _LRU)} but it is on "
             f"{on.name if on is not None else 'no list'}")
    if page._mapcount + 1 != mapped:
        _bad(f"pfn 0x{pfn:x} mapcount {page._mapcount + 1} but {mapped} ptes map it")
    if page._count < n or (not in_flight and page._count != n):
        _bad(f"pfn 0x{pfn:x} count {page._count} but {n} references exist")


def _areas(k):
    """swap_info[0 .. nr_swapfiles): past the end only through its own indexing (which records the
    corruption, as bug D's overflow does)."""
    if k.nr_swapfiles <= len(k.swap_info):
        return list.__getitem__(k.swap_info, slice(0, k.nr_swapfiles))
    return k.swap_info[:k.nr_swapfiles]


def _check_swap(k, swaps, in_flight):
    """Each swap slot's count against its users; nr_swap_pages against the free slots."""
    free_slots = 0
    for si in _areas(k):
        if not si.flags:
            continue
        smap = si.swap_map
        want = {e & SWP_OFFSET_MASK: n for e, n in swaps.items() if e >> SWP_TYPE_SHIFT == si.type}
        for offset in sorted(want.keys() | set(compress(range(1, si.max), smap[1:si.max]))):
            if not 1 <= offset < si.max:
                continue                      # not a slot of this area: reported below
            n = swaps.pop(swp_entry(si.type, offset), 0)
            have = smap[offset]
            if have < n or (have != n and not in_flight):
                _bad(f"swap {si.name} slot {offset}: swap_map {have} but {n} users")
        free_slots += smap[1:si.max].count(0)
    if swaps:
        entry = next(iter(swaps))
        _bad(f"swap entry 0x{entry:08x} (type {swp_type(entry)}) used but its slot is not in use")
    if free_slots != k.nr_swap_pages:
        _bad(f"nr_swap_pages {k.nr_swap_pages} but {free_slots} slots are free")


def _check_unlocked(k):
    for zone in k.nodes:
        for page in zone.pages:
            if page.flags & _LOCKED:
                _bad(f"pfn 0x{page.pfn:x} left locked with no task running")
    for mm in k.mms:
        if mm.mmap_sem.readers or mm.mmap_sem.writer or mm.page_table_lock.holder:
            _bad(f"pid {mm.owner.pid}: mmap_sem or page_table_lock left held")


# --- what each process reads --------------------------------------------------------

def read_page(k, mm, addr):
    """The bytes a process would read at a page address, without faulting (None if unmapped)."""
    table = mm.pgd[addr >> pg.PGDIR_SHIFT]
    pte = 0 if table is None else table[(addr >> pg.PAGE_SHIFT) & 1023]
    if not pte:
        return None
    if pte & _PRESENT:
        page = k.pfn_to_page(pg.pte_pfn(pte))
    else:
        entry = pte_to_swp_entry(pte)
        if _is_migration(k, entry):
            page = k.pfn_to_page(swp_offset(entry))
        else:
            page = k.swapper_space.page_tree.get(entry)
            if page is None:
                data = k.swap_info[swp_type(entry)].read_slot(swp_offset(entry))
                return ZERO_PAGE if data is None else data
    return ZERO_PAGE if page.data is None else bytes(page.data)


_NOT_WRITTEN = b""                             # a swap slot never written: read_page says what it holds


class _Read:
    """What the last content check that passed read against (kept on the kernel as `check_read`)."""

    __slots__ = ("cache", "stores", "fshadows", "procs", "files")

    def __init__(self):
        self.cache, self.stores, self.fshadows, self.procs, self.files = None, None, None, {}, {}


def _check_contents(k, walks, touched):
    """Every process reads what its shadow says; every file holds what its shadow says.

    A process is read again only if what it reads may have changed since the
    last check that passed: its ptes, a frame they map (stored into, its bytes
    too: `FrameData`), its shadow, a file's shadow (if it maps a file), the swap
    cache or a swap device (if it has a swap pte), or its munmap in flight.
    """
    swap_cache, areas = k.swapper_space.page_tree, _areas(k)
    kept = getattr(k, "check_read", None) or _Read()
    stores = [si.store for si in areas]
    fshadows = [inode.shadow for inode in k.files.values()]
    same_swap = kept.cache == swap_cache and kept.stores == stores
    same_files = kept.fshadows == fshadows
    now = _Read()
    for p in list(k.tasks_by_pid.values()):
        mm = p.mm
        if mm is None or not hasattr(p, "shadow"):
            continue
        w = walks.get(mm) or _walk(k, mm)
        prev = kept.procs.get(p)
        if prev is None or prev[0] is not w or prev[1] != p.unmapping or prev[2] != p.shadow or w.odd \
                or not w.pages.isdisjoint(touched) or (w.files and not same_files) \
                or (w.swap and not (same_swap and touched.isdisjoint(swap_cache.values()))):
            _check_process(k, p, w, swap_cache, areas)
            prev = (w, p.unmapping, dict(p.shadow))
        now.procs[p] = prev
    for inode in k.files.values():
        tree = inode.i_mapping.page_tree
        prev = kept.files.get(inode)
        if prev is None or prev[0] != inode.shadow or prev[1] != tree or prev[2] != inode.disk \
                or not touched.isdisjoint(tree.values()):
            for index, want in inode.shadow.items():
                page = tree.get(index)
                got = (ZERO_PAGE if page.data is None else page.data) if page else inode.disk.get(index, ZERO_PAGE)
                if got != want:
                    _bad(f"file {inode.name} page {index} holds wrong data: {_diff(bytes(got), want)}")
            prev = (dict(inode.shadow), dict(tree), dict(inode.disk))
        now.files[inode] = prev
    now.cache, now.stores = (kept.cache, kept.stores) if same_swap else (dict(swap_cache), [dict(st) for st in stores])
    now.fshadows = kept.fshadows if same_files else [dict(sh) for sh in fshadows]
    k.check_read = now


def _check_process(k, p, w, swap_cache, areas):
    mm, shadow = p.mm, p.shadow
    for addr, pte, vma, page, entry in w.ptes:
        file = vma.vm_file                     # what it must read, as Process.expected says
        want = None if vma.vm_flags & VM_SHARED else shadow.get(addr)
        if want is None:
            want = ZERO_PAGE if file is None else \
                file.shadow.get(((addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff, ZERO_PAGE)
        if page is not None:                   # the common case, without copying the frame's bytes
            data = page.data
            if want == (ZERO_PAGE if data is None else data):
                continue
        elif entry is not None:                # swapped out: in the swap cache, or on the device
            cached = swap_cache.get(entry)
            if cached is not None:
                data = cached.data
            else:
                type_ = entry >> SWP_TYPE_SHIFT
                store = areas[type_].store if type_ < len(areas) else {}
                data = store.get(entry & SWP_OFFSET_MASK, _NOT_WRITTEN)
            if want == (ZERO_PAGE if data is None else data):
                continue
        got = read_page(k, mm, addr)           # the slow way, and the words to say what is wrong
        if got != want and not _moved_on(k, vma, addr, pte, want):
            _bad(f"pid {p.pid} ({p.comm}) reads wrong data at 0x{addr:08x}: {_diff(got, want)}"
                 f"{_stale_origin(k, pte)}")
    if not w.addrs.issuperset(shadow):
        for addr in shadow:
            if addr not in w.addrs and not _being_unmapped(p, addr):
                _bad(f"pid {p.pid} ({p.comm}) lost what it wrote at 0x{addr:08x} (pte is none)")


def _moved_on(k, vma, addr, pte, want):
    """Does a migration entry of a file page stand for a page that has already moved on?

    A file page mapped by several processes has its ptes restored one at a
    time (remove_migration_ptes): a process whose pte already maps the new
    page may write to it while another's is still a migration entry for the
    old one. What the second reads once it faults is the page in the page
    cache by then, the new one: that is the page to compare.
    """
    if vma.vm_file is None or pte & (_PRESENT | pg._PAGE_FILE) or not _is_migration(k, pte_to_swp_entry(pte)):
        return False
    page = vma.vm_file.i_mapping.page_tree.get(((addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff)
    return page is not None and (ZERO_PAGE if page.data is None else page.data) == want


def _stale_origin(k, pte):
    """", from swapN slot M, never written since swapon" when that is where the bytes come from."""
    if pte & (pg._PAGE_PRESENT | pg._PAGE_PROTNONE | pg._PAGE_FILE):
        return ""
    entry = pte_to_swp_entry(pte)
    if _is_migration(k, entry) or entry in k.swapper_space.page_tree:
        return ""
    type_, offset = swp_type(entry), swp_offset(entry)
    if type_ >= k.nr_swapfiles or offset in k.swap_info[type_].store:
        return ""
    return f", from swap{type_} slot {offset}, never written since swapon (a previous boot's bytes)"


def _being_unmapped(p, addr):
    """Is `addr` in the range of a munmap of `p` still in flight?

    do_munmap zaps the ptes before it returns, and the process's shadow
    forgets the range only when munmap returns: in between, "pte is none" is
    the munmap at work, not a lost write. The process says what it is
    unmapping (`Process.unmapping`, the range of its munmap in flight).
    """
    span = getattr(p, "unmapping", None)
    return span is not None and span[0] <= addr < span[1]


def _diff(got, want):
    at = next(i for i in range(len(want)) if got[i] != want[i])
    return f"byte {at} is {got[at:at + 8]!r}, expected {want[at:at + 8]!r}"
