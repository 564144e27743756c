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
"""

from collections import Counter

from .errors import BadPageState, MemoryCorruption
from .include.asm_i386 import pgtable as pg
from .include.asm_i386.pgtable import ZERO_PAGE
from .include.linux.buffer_head import page_buffers
from .include.linux.mm import VM_SHARED
from .include.linux.page_flags import PageLRU, PageLocked, PagePrivate, PageSwapCache
from .include.linux.pgtable_walk import ptes_in_range
from .include.linux.swapops import pte_to_swp_entry, swp_entry, swp_offset, swp_type


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
    free = {pfn for z in k.nodes for pfn in z.free}
    refs, maps, swaps = Counter(), Counter(), Counter()
    pages = k.mem_map
    writable = _count_ptes(k, free, refs, maps, swaps)
    for pfn, pid, addr in writable if cow else ():   # a private page mapped writable is its owner's alone
        if maps[pfn] != 1:
            _bad(f"pid {pid}: private pte at 0x{addr:08x} is writable but pfn 0x{pfn:x} is mapped "
                 f"{maps[pfn]} times (a write would show in the other mappings)")
    _count_caches(k, free, refs, swaps)
    _check_lists(k, pages, free, refs)
    _check_pages(k, pages, free, refs, maps, in_flight)
    _check_swap(k, swaps, in_flight)
    if not in_flight:
        _check_unlocked(k, pages)
    _check_contents(k)


def _bad(msg):
    raise BadPageState(msg)


def _count_ptes(k, free, refs, maps, swaps):
    """Count what ptes reference; return (pfn, pid, addr) of writable private ptes."""
    writable = []
    for mm in k.mms:
        spans = [(v.vm_start, v.vm_end, v.vm_flags) for v in mm.mmap]
        for i, table in enumerate(mm.pgd):
            if table is None:
                continue
            base = i << pg.PGDIR_SHIFT
            for j, pte in enumerate(table):
                if not pte:
                    continue
                addr = base + (j << pg.PAGE_SHIFT)
                flags = next((f for s, e, f in spans if s <= addr < e), None)
                if flags is None:
                    _bad(f"pid {mm.owner.pid}: pte 0x{pte:08x} at 0x{addr:08x} outside any vma")
                if pg.pte_present(pte):       # PROT_NONE ptes (_PAGE_PROTNONE) still map their page
                    pfn = pg.pte_pfn(pte)
                    if pfn in free:
                        _bad(f"pid {mm.owner.pid}: pte 0x{pte:08x} at 0x{addr:08x} maps free pfn 0x{pfn:x}")
                    refs[pfn] += 1
                    maps[pfn] += 1
                    if pte & pg._PAGE_RW and not flags & VM_SHARED:
                        writable.append((pfn, mm.owner.pid, addr))
                elif not pg.pte_file(pte):
                    entry = pte_to_swp_entry(pte)
                    if _is_migration(k, entry):
                        page = k.pfn_to_page(swp_offset(entry))
                        if not PageLocked(page):
                            _bad(f"pid {mm.owner.pid}: migration entry 0x{entry:08x} at 0x{addr:08x} "
                                 f"for unlocked pfn 0x{page.pfn:x}")
                    else:
                        swaps[entry] += 1
    return writable


def _is_migration(k, entry):
    return hasattr(k, "is_migration_entry") and k.is_migration_entry(entry)


def _count_caches(k, free, refs, swaps):
    for entry, page in k.swapper_space.page_tree.items():
        if page.pfn in free:
            _bad(f"swap cache entry 0x{entry:08x} points at free pfn 0x{page.pfn:x}")
        if not PageSwapCache(page) or page.private != entry:
            _bad(f"pfn 0x{page.pfn:x} in swap cache at 0x{entry:08x} without PG_swapcache/private")
        refs[page.pfn] += 1
        swaps[entry] += 1
    for inode in k.files.values():
        mapping = inode.i_mapping
        for index, page in mapping.page_tree.items():
            if page.pfn in free:
                _bad(f"{inode.name}: page cache index {index} points at free pfn 0x{page.pfn:x}")
            if page.mapping is not mapping or page.index != index:
                _bad(f"{inode.name}: pfn 0x{page.pfn:x} at index {index} has mapping/index wrong")
            refs[page.pfn] += 1
        for page in mapping.private_list:
            if page.pfn in free or mapping.page_tree.get(page.index) is not page:
                _bad(f"{inode.name}: its own dirty list points at pfn 0x{page.pfn:x}, "
                     f"which is {'free' if page.pfn in free else 'no longer in its page cache'}")


def _check_lists(k, pages, free, refs):
    for page in pages:
        if page.pfn in free:
            if page.lru is not None:
                _bad(f"free pfn 0x{page.pfn:x} is on list {page.lru.name}")
            continue
        if PagePrivate(page) and page.private:
            for bh in page_buffers(page):
                if bh.b_page is not page:
                    _bad(f"buffer {bh!r} of pfn 0x{page.pfn:x} points elsewhere")
            refs[page.pfn] += 1
        on = page.lru
        if on is not None and on.private:
            refs[page.pfn] += 1               # isolated: the kernel path's reference
        if PageLRU(page) != (on is not None and not on.private):
            _bad(f"pfn 0x{page.pfn:x}: PG_lru is {PageLRU(page)} but it is on "
                 f"{on.name if on is not None else 'no list'}")


def _check_pages(k, pages, free, refs, maps, in_flight):
    for page in pages:
        pfn = page.pfn
        if pfn in free:
            if page._count or page._mapcount != -1 or page.flags or page.mapping is not None:
                _bad(f"free pfn 0x{pfn:x} in use: count {page._count} flags 0x{page.flags:x}")
            continue
        if page._mapcount + 1 != maps[pfn]:
            _bad(f"pfn 0x{pfn:x} mapcount {page._mapcount + 1} but {maps[pfn]} ptes map it")
        if page._count < refs[pfn] or (not in_flight and page._count != refs[pfn]):
            _bad(f"pfn 0x{pfn:x} count {page._count} but {refs[pfn]} references exist")


def _check_swap(k, swaps, in_flight):
    free_slots = 0
    for si in k.swap_info[:k.nr_swapfiles]:
        if not si.flags:
            continue
        for offset in range(1, si.max):
            want = swaps.pop(swp_entry(si.type, offset), 0)
            have = si.swap_map[offset]
            if have < want or (have != want and not in_flight):
                _bad(f"swap {si.name} slot {offset}: swap_map {have} but {want} users")
            free_slots += not have
    if swaps:
        entry = next(iter(swaps))
        _bad(f"swap entry 0x{entry:08x} (type {swp_type(entry)}) used but its slot is not in use")
    if free_slots != k.nr_swap_pages:
        _bad(f"nr_swap_pages {k.nr_swap_pages} but {free_slots} slots are free")


def _check_unlocked(k, pages):
    for page in pages:
        if PageLocked(page):
            _bad(f"pfn 0x{page.pfn:x} left locked with no task running")
    for mm in k.mms:
        if mm.mmap_sem.readers or mm.mmap_sem.writer or mm.page_table_lock.holder:
            _bad(f"pid {mm.owner.pid}: mmap_sem or page_table_lock left held")


def read_page(k, mm, addr):
    """The bytes a process would read at a page address, without faulting (None if unmapped)."""
    table = mm.pgd[addr >> pg.PGDIR_SHIFT]
    pte = 0 if table is None else table[(addr >> pg.PAGE_SHIFT) & 1023]
    if not pte:
        return None
    if pte & pg._PAGE_PRESENT or pte & pg._PAGE_PROTNONE:
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


def _check_contents(k):
    for p in list(k.tasks_by_pid.values()):
        if p.mm is None or not hasattr(p, "shadow"):
            continue
        for vma in p.mm.mmap:
            for addr, pte in ptes_in_range(p.mm, vma.vm_start, vma.vm_end):
                got = read_page(k, p.mm, addr)
                if vma.vm_flags & VM_SHARED:
                    index = ((addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff
                    want = vma.vm_file.shadow.get(index, ZERO_PAGE)
                else:
                    want = p.expected(vma, addr)
                if got != want:
                    _bad(f"pid {p.pid} ({p.comm}) reads wrong data at 0x{addr:08x}: {_diff(got, want)}"
                         f"{_stale_origin(k, pte)}")
        for addr in p.shadow:
            if read_page(k, p.mm, addr) is None and not _being_unmapped(k, p.mm, addr):
                _bad(f"pid {p.pid} ({p.comm}) lost what it wrote at 0x{addr:08x} (pte is none)")
    for inode in k.files.values():
        for index, want in inode.shadow.items():
            page = inode.i_mapping.page_tree.get(index)
            got = (ZERO_PAGE if page.data is None else bytes(page.data)) if page else inode.disk.get(index, ZERO_PAGE)
            if got != want:
                _bad(f"file {inode.name} page {index} holds wrong data: {_diff(got, want)}")


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


def _being_unmapped(k, mm, addr):
    """Is `addr` of `mm` in the range of a munmap still in flight (a task inside do_munmap)?

    do_munmap zaps the ptes before it returns, and the caller's shadow forgets
    the range only when munmap returns: in between, "pte is none" is the
    munmap at work, not a lost write.
    """
    for t in k.tasks:
        gen = None if t.done else t.gen
        while gen is not None and hasattr(gen, "gi_code"):
            if gen.gi_code.co_name == "do_munmap" and gen.gi_frame is not None:
                args = gen.gi_frame.f_locals
                end = args["start"] + ((args["length"] + pg.PAGE_SIZE - 1) & pg.PAGE_MASK)
                if args["mm"] is mm and args["start"] <= addr < end:
                    return True
            gen = gen.gi_yieldfrom
    return False


def _diff(got, want):
    at = next(i for i in range(len(want)) if got[i] != want[i])
    return f"byte {at} is {got[at:at + 8]!r}, expected {want[at:at + 8]!r}"
