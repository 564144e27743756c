"""mm/memory.c: page faults, and copying and zapping ranges of page tables.

Contracts (kernel's, in our words): every present pte holds one reference on
its page and counts in its `_mapcount`; a swap pte holds one count in the swap
map. Faults are entered with mmap_sem held for reading (the simulated MMU's
caller takes it) and take the mm's pte lock around pte updates.
Simplified: no ZERO_PAGE (a read fault on anonymous memory gets its own zeroed
page), no nonlinear (pte_file) mappings, I/O completes at once.
"""

from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import (VM_HUGETLB, VM_PFNMAP, VM_SHARED, VM_WRITE, PageAnon, get_page,
                                is_cow_mapping, page_cache_release)
from ..include.linux.page_flags import PageSwapCache, PageUptodate, TestSetPageLocked
from ..include.linux.pgtable_walk import get_pte, pte_clear, ptes_in_range, set_pte_at
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swapops import pte_to_swp_entry, swp_entry_to_pte
from ..kbuild import kfile
from ..sched import Point

memory = kfile("mm/memory.c")

VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_MINOR, VM_FAULT_MAJOR = 0, 1, 2, 3


def vm_normal_page(k, pte):
    """The struct page a present pte maps."""
    return k.pfn_to_page(pg.pte_pfn(pte))


def maybe_mkwrite(pte, vma):
    return pg.pte_mkwrite(pte) if vma.vm_flags & VM_WRITE else pte


def copy_user_page(dst, src):
    """copy_user_highpage: the new page gets the old page's bytes."""
    dst.data = None if src.data is None else bytearray(src.data)


# --- fork: copying page tables ---------------------------------------------

@memory.function(since="v2.6.16", static=True)
def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
    """Copy one pte at fork: duplicate a swap entry, or share the page (COW-protected)."""
    pte = get_pte(src_mm, addr)
    if not pg.pte_present(pte):
        if not pg.pte_file(pte):
            k.swap_duplicate(pte_to_swp_entry(pte))
            dst_mm.on_mmlist = True
        set_pte_at(dst_mm, addr, pte)
        return
    if is_cow_mapping(vma.vm_flags):
        pte = pg.pte_wrprotect(pte)
        set_pte_at(src_mm, addr, pte)           # ptep_set_wrprotect in the parent
    if vma.vm_flags & VM_SHARED:
        pte = pg.pte_mkclean(pte)
    pte = pg.pte_mkold(pte)
    page = vm_normal_page(k, pte)
    get_page(page)
    page._mapcount += 1                         # page_dup_rmap
    rss[1 if PageAnon(page) else 0] += 1
    set_pte_at(dst_mm, addr, pte)


@memory.function(since="v2.6.16", static=True)
def copy_pte_range(k, dst_mm, src_mm, vma, addr, end):
    """Copy the ptes of [addr, end) under both mms' pte locks, a point per pte."""
    rss = [0, 0]
    yield from spin_lock(dst_mm.page_table_lock, k.who())
    yield from spin_lock(src_mm.page_table_lock, k.who())
    for a, _ in list(ptes_in_range(src_mm, addr, end)):
        yield Point("copy_one_pte", (src_mm, dst_mm, a))
        k.copy_one_pte(dst_mm, src_mm, vma, a, rss)
    spin_unlock(src_mm.page_table_lock)
    spin_unlock(dst_mm.page_table_lock)
    dst_mm.file_rss += rss[0]
    dst_mm.anon_rss += rss[1]


@memory.function(since="v2.6.16")
def copy_page_range(k, dst_mm, src_mm, vma):
    """Copy a vma's page tables from parent to child (fork).

    A vma without an anon_vma (a shared file mapping, or a private one never
    written) gets no ptes: every page it maps is in the page cache, and the
    child's first touch faults it in. Fork is lighter that way.
    """
    # Simplified: no nonlinear or vm_insert_page vmas, so only these two flags are tested.
    if not vma.vm_flags & (VM_HUGETLB | VM_PFNMAP) and vma.anon_vma is None:
        return 0
    yield from k.copy_pte_range(dst_mm, src_mm, vma, vma.vm_start, vma.vm_end)
    return 0


# --- munmap/exit: zapping ---------------------------------------------------

@memory.function(since="v2.6.16", static=True)
def zap_pte_range(k, vma, addr, end):
    """Clear the ptes of [addr, end): drop page references and swap counts."""
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    released, swap_entries = [], []
    for a, pte in list(ptes_in_range(mm, addr, end)):
        pte_clear(mm, a)
        if pg.pte_present(pte):
            page = vm_normal_page(k, pte)
            if PageAnon(page):
                mm.anon_rss -= 1
            else:
                if pg.pte_dirty(pte):
                    k.set_page_dirty(page)
                mm.file_rss -= 1
            k.page_remove_rmap(page)
            released.append(page)
        elif not pg.pte_file(pte):
            swap_entries.append(pte_to_swp_entry(pte))
    spin_unlock(mm.page_table_lock)
    for page in released:                       # tlb_finish_mmu: free after the flush
        page_cache_release(page)
    for entry in swap_entries:
        yield from k.free_swap_and_cache(entry)


@memory.function(since="v2.6.16")
def zap_page_range(k, vma, address, size):
    """Remove user pages in the given range of one vma."""
    yield from k.zap_pte_range(vma, address, address + size)


# --- faults ---------------------------------------------------------------------

@memory.function(since="v2.6.16", static=True)
def do_anonymous_page(k, mm, vma, address, write_access):
    """First touch of anonymous memory: map a new zeroed page."""
    if k.anon_vma_prepare(vma):
        return VM_FAULT_OOM
    page = k.alloc_page_vma(vma, address)
    if page is None:
        return VM_FAULT_OOM
    entry = pg.pfn_pte(page.pfn, vma.vm_page_prot)
    if write_access:
        entry = maybe_mkwrite(pg.pte_mkdirty(entry), vma)
    yield from spin_lock(mm.page_table_lock, k.who())
    if not pg.pte_none(get_pte(mm, address)):
        spin_unlock(mm.page_table_lock)
        page_cache_release(page)
        return VM_FAULT_MINOR
    mm.anon_rss += 1
    k.lru_cache_add_active(page)
    k.page_add_new_anon_rmap(page, vma, address)
    set_pte_at(mm, address, entry)
    spin_unlock(mm.page_table_lock)
    return VM_FAULT_MINOR


@memory.function(since="v2.6.16", static=True)
def do_no_page(k, mm, vma, address, write_access):
    """First touch of a file mapping: map its page-cache page (or a private copy)."""
    page = yield from k.filemap_nopage(vma, address)
    if page is None:
        return VM_FAULT_OOM
    anon = False
    if write_access and not vma.vm_flags & VM_SHARED:
        if k.anon_vma_prepare(vma):
            page_cache_release(page)
            return VM_FAULT_OOM
        new_page = k.alloc_page_vma(vma, address)
        if new_page is None:
            page_cache_release(page)
            return VM_FAULT_OOM
        copy_user_page(new_page, page)
        page_cache_release(page)
        page, anon = new_page, True
    yield from spin_lock(mm.page_table_lock, k.who())
    if not pg.pte_none(get_pte(mm, address)):
        spin_unlock(mm.page_table_lock)
        page_cache_release(page)
        return VM_FAULT_MINOR
    entry = pg.pfn_pte(page.pfn, vma.vm_page_prot)
    if write_access:
        entry = maybe_mkwrite(pg.pte_mkdirty(entry), vma)
    set_pte_at(mm, address, entry)
    if anon:
        mm.anon_rss += 1
        k.lru_cache_add_active(page)
        k.page_add_new_anon_rmap(page, vma, address)
    else:
        mm.file_rss += 1
        k.page_add_file_rmap(page)
    spin_unlock(mm.page_table_lock)
    return VM_FAULT_MINOR


@memory.function(since="v2.6.16", static=True)
def do_wp_page(k, mm, vma, address, orig_pte):
    """Write to a write-protected present pte: reuse the page if exclusive, else copy it."""
    old_page = vm_normal_page(k, orig_pte)
    if PageAnon(old_page) and not TestSetPageLocked(old_page):
        reuse = k.can_share_swap_page(old_page)
        k.unlock_page(old_page)
        if reuse:
            entry = maybe_mkwrite(pg.pte_mkdirty(pg.pte_mkyoung(orig_pte)), vma)
            set_pte_at(mm, address, entry)
            spin_unlock(mm.page_table_lock)
            return VM_FAULT_MINOR
    get_page(old_page)
    spin_unlock(mm.page_table_lock)
    if k.anon_vma_prepare(vma):
        page_cache_release(old_page)
        return VM_FAULT_OOM
    new_page = k.alloc_page_vma(vma, address)
    if new_page is None:
        page_cache_release(old_page)
        return VM_FAULT_OOM
    copy_user_page(new_page, old_page)
    yield from spin_lock(mm.page_table_lock, k.who())
    if get_pte(mm, address) == orig_pte:
        k.page_remove_rmap(old_page)
        if not PageAnon(old_page):
            mm.file_rss -= 1
            mm.anon_rss += 1
        entry = maybe_mkwrite(pg.pte_mkdirty(pg.pfn_pte(new_page.pfn, vma.vm_page_prot)), vma)
        set_pte_at(mm, address, entry)
        k.lru_cache_add_active(new_page)
        k.page_add_new_anon_rmap(new_page, vma, address)
        new_page = old_page                     # the pte's reference on the old page goes below
    page_cache_release(new_page)
    page_cache_release(old_page)
    spin_unlock(mm.page_table_lock)
    return VM_FAULT_MINOR


@memory.function(since="v2.6.16", static=True)
def do_swap_page(k, mm, vma, address, write_access, orig_pte):
    """Fault on a swap pte: find the page in swap cache or read it, then map it."""
    entry = pte_to_swp_entry(orig_pte)
    ret = VM_FAULT_MINOR
    while True:
        page = yield from k.lookup_swap_cache(entry)
        if page is None:
            page = yield from k.read_swap_cache_async(entry, vma, address)
            if page is None:
                yield from spin_lock(mm.page_table_lock, k.who())
                same = get_pte(mm, address) == orig_pte
                spin_unlock(mm.page_table_lock)
                return VM_FAULT_OOM if same else VM_FAULT_MINOR
            ret = VM_FAULT_MAJOR
        k.mark_page_accessed(page)
        yield from k.lock_page(page)
        if PageSwapCache(page):
            break
        k.unlock_page(page)                     # page migration has occurred: look again
        page_cache_release(page)
    yield from spin_lock(mm.page_table_lock, k.who())
    if get_pte(mm, address) != orig_pte or not PageUptodate(page):
        spin_unlock(mm.page_table_lock)
        k.unlock_page(page)
        page_cache_release(page)
        return ret if PageUptodate(page) else VM_FAULT_SIGBUS
    mm.anon_rss += 1
    pte = pg.pfn_pte(page.pfn, vma.vm_page_prot)
    if write_access and k.can_share_swap_page(page):
        pte = maybe_mkwrite(pg.pte_mkdirty(pte), vma)
        write_access = 0
    set_pte_at(mm, address, pte)
    k.page_add_anon_rmap(page, vma, address)
    k.swap_free(entry)
    if k.vm_swap_full():
        k.remove_exclusive_swap_page(page)
    k.unlock_page(page)
    if write_access:
        yield from k.do_wp_page(mm, vma, address, pte)
        return ret
    spin_unlock(mm.page_table_lock)
    return ret


@memory.function(since="v2.6.16", static=True)
def handle_pte_fault(k, mm, vma, address, write_access):
    """Dispatch a fault on one pte to the right handler."""
    entry = get_pte(mm, address)
    if not pg.pte_present(entry):
        if pg.pte_none(entry):
            if vma.vm_file is None:
                return (yield from k.do_anonymous_page(mm, vma, address, write_access))
            return (yield from k.do_no_page(mm, vma, address, write_access))
        return (yield from k.do_swap_page(mm, vma, address, write_access, entry))
    yield from spin_lock(mm.page_table_lock, k.who())
    if get_pte(mm, address) != entry:
        spin_unlock(mm.page_table_lock)
        return VM_FAULT_MINOR
    if write_access:
        if not pg.pte_write(entry):
            return (yield from k.do_wp_page(mm, vma, address, entry))
        entry = pg.pte_mkdirty(entry)
    set_pte_at(mm, address, pg.pte_mkyoung(entry))
    spin_unlock(mm.page_table_lock)
    return VM_FAULT_MINOR


@memory.function(since="v2.6.16")
def handle_mm_fault(k, mm, vma, address, write_access):
    """Resolve a fault at `address` (page aligned) in `vma`."""
    return (yield from k.handle_pte_fault(mm, vma, address & pg.PAGE_MASK, write_access))



# === redo-fault (4da5eda0, 2.6.18): no retry loop in do_swap_page ==========================

@memory.function(since="redo-fault", static=True)
def do_swap_page(k, mm, vma, address, write_access, orig_pte):
    """Fault on a swap pte: find the page in swap cache or read it, then map it.

    No retry loop: if migration moved the page meanwhile, it also rewrote the
    pte, so the pte no longer matches `orig_pte` and the fault is backed out
    (the access faults again, on the new pte).
    """
    entry = pte_to_swp_entry(orig_pte)
    ret = VM_FAULT_MINOR
    page = yield from k.lookup_swap_cache(entry)
    if page is None:
        page = yield from k.read_swap_cache_async(entry, vma, address)
        if page is None:
            yield from spin_lock(mm.page_table_lock, k.who())
            same = get_pte(mm, address) == orig_pte
            spin_unlock(mm.page_table_lock)
            return VM_FAULT_OOM if same else VM_FAULT_MINOR
        ret = VM_FAULT_MAJOR
    k.mark_page_accessed(page)
    yield from k.lock_page(page)
    yield from spin_lock(mm.page_table_lock, k.who())
    if get_pte(mm, address) != orig_pte or not PageUptodate(page):
        spin_unlock(mm.page_table_lock)
        k.unlock_page(page)
        page_cache_release(page)
        return ret if PageUptodate(page) else VM_FAULT_SIGBUS
    mm.anon_rss += 1
    pte = pg.pfn_pte(page.pfn, vma.vm_page_prot)
    if write_access and k.can_share_swap_page(page):
        pte = maybe_mkwrite(pg.pte_mkdirty(pte), vma)
        write_access = 0
    set_pte_at(mm, address, pte)
    k.page_add_anon_rmap(page, vma, address)
    k.swap_free(entry)
    if k.vm_swap_full():
        k.remove_exclusive_swap_page(page)
    k.unlock_page(page)
    if write_access:
        yield from k.do_wp_page(mm, vma, address, pte)
        return ret
    spin_unlock(mm.page_table_lock)
    return ret


# === migration-entries (0697212a as first posted, 2.6.18) ==================================

@memory.function(since="migration-entries", static=True)
def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
    """Copy one pte at fork: duplicate a swap entry, or share the page (COW-protected).

    A migration entry in a COW mapping is meant to become read-only in both
    parent and child, as a present pte would be write-protected.
    """
    pte = get_pte(src_mm, addr)
    if not pg.pte_present(pte):
        if not pg.pte_file(pte):
            entry = pte_to_swp_entry(pte)
            k.swap_duplicate(entry)
            dst_mm.on_mmlist = True
            if k.is_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                page = k.migration_entry_to_page(entry)
                # COW mappings need the page read-only in parent and child
                entry = k.make_migration_entry(page, k.SWP_MIGRATION_READ)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
        set_pte_at(dst_mm, addr, pte)
        return
    if is_cow_mapping(vma.vm_flags):
        pte = pg.pte_wrprotect(pte)
        set_pte_at(src_mm, addr, pte)           # ptep_set_wrprotect in the parent
    if vma.vm_flags & VM_SHARED:
        pte = pg.pte_mkclean(pte)
    pte = pg.pte_mkold(pte)
    page = vm_normal_page(k, pte)
    get_page(page)
    page._mapcount += 1                         # page_dup_rmap
    rss[1 if PageAnon(page) else 0] += 1
    set_pte_at(dst_mm, addr, pte)


@memory.function(since="migration-entries", static=True)
def do_swap_page(k, mm, vma, address, write_access, orig_pte):
    """Fault on a swap pte: wait out a migration entry, or find or read the page and map it.

    No retry loop: if migration moved the page meanwhile, it also rewrote the
    pte, so the pte no longer matches `orig_pte` and the fault is backed out
    (the access faults again, on the new pte).
    """
    entry = pte_to_swp_entry(orig_pte)
    if k.is_migration_entry(entry):
        yield from k.migration_entry_wait(mm, address)
        return VM_FAULT_MINOR                   # the access is retried
    ret = VM_FAULT_MINOR
    page = yield from k.lookup_swap_cache(entry)
    if page is None:
        page = yield from k.read_swap_cache_async(entry, vma, address)
        if page is None:
            yield from spin_lock(mm.page_table_lock, k.who())
            same = get_pte(mm, address) == orig_pte
            spin_unlock(mm.page_table_lock)
            return VM_FAULT_OOM if same else VM_FAULT_MINOR
        ret = VM_FAULT_MAJOR
    k.mark_page_accessed(page)
    yield from k.lock_page(page)
    yield from spin_lock(mm.page_table_lock, k.who())
    if get_pte(mm, address) != orig_pte or not PageUptodate(page):
        spin_unlock(mm.page_table_lock)
        k.unlock_page(page)
        page_cache_release(page)
        return ret if PageUptodate(page) else VM_FAULT_SIGBUS
    mm.anon_rss += 1
    pte = pg.pfn_pte(page.pfn, vma.vm_page_prot)
    if write_access and k.can_share_swap_page(page):
        pte = maybe_mkwrite(pg.pte_mkdirty(pte), vma)
        write_access = 0
    set_pte_at(mm, address, pte)
    k.page_add_anon_rmap(page, vma, address)
    k.swap_free(entry)
    if k.vm_swap_full():
        k.remove_exclusive_swap_page(page)
    k.unlock_page(page)
    if write_access:
        yield from k.do_wp_page(mm, vma, address, pte)
        return ret
    spin_unlock(mm.page_table_lock)
    return ret


# === cow-fix (Hugh Dickins, folded into 0697212a) ===========================================

@memory.function(since="cow-fix", static=True)
def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
    """Copy one pte at fork: duplicate a swap entry, or share the page (COW-protected).

    A write migration entry in a COW mapping becomes a read entry in both
    parent and child, as a present pte would be write-protected.
    """
    pte = get_pte(src_mm, addr)
    if not pg.pte_present(pte):
        if not pg.pte_file(pte):
            entry = pte_to_swp_entry(pte)
            k.swap_duplicate(entry)
            dst_mm.on_mmlist = True
            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                # COW mappings need the page read-only in parent and child
                entry = k.make_migration_entry_read(entry)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
        set_pte_at(dst_mm, addr, pte)
        return
    if is_cow_mapping(vma.vm_flags):
        pte = pg.pte_wrprotect(pte)
        set_pte_at(src_mm, addr, pte)           # ptep_set_wrprotect in the parent
    if vma.vm_flags & VM_SHARED:
        pte = pg.pte_mkclean(pte)
    pte = pg.pte_mkold(pte)
    page = vm_normal_page(k, pte)
    get_page(page)
    page._mapcount += 1                         # page_dup_rmap
    rss[1 if PageAnon(page) else 0] += 1
    set_pte_at(dst_mm, addr, pte)


# === follow_page (v2.6.16: get_user_pages' walker; sys_move_pages, at move-pages, is its one caller here) ===

FOLL_WRITE, FOLL_TOUCH, FOLL_GET, FOLL_ANON = 0x01, 0x02, 0x04, 0x08


@memory.function(since="v2.6.16")
def follow_page(k, vma, address, flags):
    """The page a present pte maps at `address` in `vma` (a reference with FOLL_GET), or None."""
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address & pg.PAGE_MASK)
    page = None
    if pg.pte_present(pte):
        page = vm_normal_page(k, pte)
        if flags & FOLL_GET:
            get_page(page)
    spin_unlock(mm.page_table_lock)
    return page
