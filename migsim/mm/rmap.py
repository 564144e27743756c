"""mm/rmap.c: the reverse map, from a page to the ptes that map it.

Anonymous pages reach their vmas through `page.mapping` (an anon_vma) and
file pages through their address_space's `i_mmap` list. The walks
(try_to_unmap, page_referenced, remove_from_swap) take the anon_vma or
i_mmap lock and pass a scheduling point at every vma they visit.
"""

from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import (VM_LOCKED, PageAnon, page_cache_release, page_mapped, vma_address)
from ..include.linux.page_flags import (PageLocked, PageSwapCache, TestClearPageReferenced,
                                        TestSetPageLocked)
from ..include.linux.pgtable_walk import get_pte, set_pte_at
from ..include.linux.rmap import SWAP_AGAIN, SWAP_FAIL, SWAP_SUCCESS, AnonVma
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swapops import swp_entry_to_pte
from ..errors import BadPageState, KernelBug
from ..kbuild import kfile
from ..sched import Point

rmap = kfile("mm/rmap.c")


# --- anon_vma lists ---------------------------------------------------------

@rmap.function(since="v2.6.16")
def anon_vma_prepare(k, vma):
    """Give `vma` an anon_vma before its first anonymous page (0, or -ENOMEM)."""
    if vma.anon_vma is None:
        anon_vma = AnonVma(k.new_id("anon_vma"))
        vma.anon_vma = anon_vma
        anon_vma.head.insert(0, vma)            # list_add: at the head
    return 0


@rmap.function(since="v2.6.16")
def __anon_vma_link(k, vma):
    """Link a new vma (split or merged) into its anon_vma; caller holds the lock."""
    if vma.anon_vma is not None:
        vma.anon_vma.head.insert(0, vma)        # list_add: at the head


@rmap.function(since="v2.6.16")
def anon_vma_link(k, vma):
    """Link a forked child's vma into the parent's anon_vma (at the head)."""
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.insert(0, vma)            # list_add: at the head
        spin_unlock(anon_vma.lock)


@rmap.function(since="v2.6.16")
def anon_vma_unlink(k, vma):
    """Take a vma off its anon_vma (the anon_vma goes when its list is empty)."""
    anon_vma = vma.anon_vma
    if anon_vma is None:
        return
    yield from spin_lock(anon_vma.lock, k.who())
    anon_vma.head.remove(vma)
    spin_unlock(anon_vma.lock)


# --- adding and removing mappings --------------------------------------------

@rmap.function(since="v2.6.16")
def page_add_new_anon_rmap(k, page, vma, address):
    """First mapping of a new anonymous page."""
    page._mapcount = 0
    page.mapping = vma.anon_vma
    page.index = ((address - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff


@rmap.function(since="v2.6.16")
def page_add_anon_rmap(k, page, vma, address):
    """One more pte maps an anonymous page (swap-in, remove_from_swap)."""
    page._mapcount += 1
    if page._mapcount == 0:
        page.mapping = vma.anon_vma
        page.index = ((address - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff


@rmap.function(since="v2.6.16")
def page_add_file_rmap(k, page):
    page._mapcount += 1


@rmap.function(since="v2.6.16")
def page_remove_rmap(k, page):
    """One pte less; the anon mapping stays until the page is freed."""
    page._mapcount -= 1
    if page._mapcount < -1:
        raise BadPageState(f"page_remove_rmap: pfn 0x{page.pfn:x} mapcount below zero")


# --- walks ------------------------------------------------------------------------

def rmap_vmas(page):
    """The vmas an rmap walk visits for `page`, in list order."""
    if PageAnon(page):
        return page.mapping.head
    return page.mapping.i_mmap if page.mapping is not None else []


def rmap_lock(page):
    return page.mapping.lock if PageAnon(page) else page.mapping.i_mmap_lock


@rmap.function(since="v2.6.16", static=True)
def page_referenced_one(k, page, vma):
    """1 if `vma` maps `page` with a young pte (which is made old)."""
    address = vma_address(page, vma)
    if address < 0:
        return 0
    mm = vma.vm_mm
    pte = get_pte(mm, address)
    if pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn and pg.pte_young(pte):
        set_pte_at(mm, address, pg.pte_mkold(pte))
        return 1
    return 0


@rmap.function(since="v2.6.16")
def page_referenced(k, page, is_locked):
    """How many references (young ptes, PG_referenced) the page had; clears them."""
    referenced = 1 if TestClearPageReferenced(page) else 0
    if page_mapped(page) and page.mapping is not None:
        anon = PageAnon(page)                 # decided once: the walk may sleep, the page move
        if not anon and not is_locked and TestSetPageLocked(page):
            return referenced + 1
        lock = rmap_lock(page)
        yield from spin_lock(lock, k.who())
        for vma in list(rmap_vmas(page)):
            referenced += k.page_referenced_one(page, vma)
        spin_unlock(lock)
        if not anon and not is_locked:
            k.unlock_page(page)
    return referenced


@rmap.function(since="v2.6.16", static=True)
def try_to_unmap_one(k, page, vma, ignore_refs):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    `ignore_refs`: page migration asks, and a young pte is unmapped all the same.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    locked = vma.vm_flags & VM_LOCKED
    young = not locked and pg.pte_young(pte)         # ||: a locked vma's young bit is left alone
    if young:
        set_pte_at(mm, address, pg.pte_mkold(pte))   # ptep_clear_flush_young, even when ignored
    if locked or (young and not ignore_refs):
        spin_unlock(mm.page_table_lock)
        return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        entry = page.private
        if not PageSwapCache(page):
            spin_unlock(mm.page_table_lock)
            raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
        k.swap_duplicate(entry)
        mm.on_mmlist = True
        set_pte_at(mm, address, swp_entry_to_pte(entry))
        mm.anon_rss -= 1
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN


@rmap.function(since="v2.6.16")
def try_to_unmap(k, page, ignore_refs):
    """Unmap a locked page from every pte: SWAP_SUCCESS, SWAP_AGAIN or SWAP_FAIL."""
    if not PageLocked(page):
        raise KernelBug("try_to_unmap: page not locked", "mm/rmap.c")
    ret = SWAP_AGAIN
    lock = rmap_lock(page)
    yield from spin_lock(lock, k.who())
    for vma in list(rmap_vmas(page)):
        yield Point("rmap_walk_vma", (page, vma))
        ret = yield from k.try_to_unmap_one(page, vma, ignore_refs)
        if ret == SWAP_FAIL or not page_mapped(page):
            break
    spin_unlock(lock)
    if not page_mapped(page):
        ret = SWAP_SUCCESS
    return ret


@rmap.function(since="v2.6.16", export=True)
def remove_from_swap(k, page):
    """Turn the swap ptes that point at `page`'s swap entry back into real ptes.

    Called by migration on the new page (locked, in the swap cache, with the
    old page's anon_vma). Walks every vma of the anon_vma, then drops the page
    from the swap cache. The caller's mmap_sem keeps the anon_vma alive.
    """
    if not PageSwapCache(page) or not PageAnon(page):
        return
    anon_vma = page.mapping
    yield from spin_lock(anon_vma.lock, k.who())
    for vma in list(anon_vma.head):
        yield Point("remove_from_swap_vma", (page, vma))
        yield from k.remove_vma_swap(vma, page)
    spin_unlock(anon_vma.lock)
    yield from k.delete_from_swap_cache(page)


# === rename-migration (7352349a, 2.6.18): try_to_unmap's second argument is "migration" ====
# Simplified: one walk (rmap_vmas) stands for try_to_unmap_anon and try_to_unmap_file,
# whose argument the patch renames too.

@rmap.function(since="rename-migration", static=True)
def try_to_unmap_one(k, page, vma, migration):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    `migration`: page migration asks, and a young pte is unmapped all the same.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    locked = vma.vm_flags & VM_LOCKED
    young = not locked and pg.pte_young(pte)         # ||: a locked vma's young bit is left alone
    if young:
        set_pte_at(mm, address, pg.pte_mkold(pte))   # ptep_clear_flush_young, even when ignored
    if locked or (young and not migration):
        spin_unlock(mm.page_table_lock)
        return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        entry = page.private
        if not PageSwapCache(page):
            spin_unlock(mm.page_table_lock)
            raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
        k.swap_duplicate(entry)
        mm.on_mmlist = True
        set_pte_at(mm, address, swp_entry_to_pte(entry))
        mm.anon_rss -= 1
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN


@rmap.function(since="rename-migration")
def try_to_unmap(k, page, migration):
    """Unmap a locked page from every pte: SWAP_SUCCESS, SWAP_AGAIN or SWAP_FAIL."""
    if not PageLocked(page):
        raise KernelBug("try_to_unmap: page not locked", "mm/rmap.c")
    ret = SWAP_AGAIN
    lock = rmap_lock(page)
    yield from spin_lock(lock, k.who())
    for vma in list(rmap_vmas(page)):
        yield Point("rmap_walk_vma", (page, vma))
        ret = yield from k.try_to_unmap_one(page, vma, migration)
        if ret == SWAP_FAIL or not page_mapped(page):
            break
    spin_unlock(lock)
    if not page_mapped(page):
        ret = SWAP_SUCCESS
    return ret


# === migration-entries (0697212a as first posted, 2.6.18) ==================================

@rmap.function(since="migration-entries", static=True)
def try_to_unmap_one(k, page, vma, migration):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    `migration`: page migration asks, and a young pte is unmapped all the same.
    An anonymous page in the swap cache gets a swap entry (reclaim still
    swaps); one that is not (only migration unmaps those) gets a migration
    entry that keeps the pte's write permission.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    locked = vma.vm_flags & VM_LOCKED
    young = not locked and pg.pte_young(pte)         # ||: a locked vma's young bit is left alone
    if young:
        set_pte_at(mm, address, pg.pte_mkold(pte))   # ptep_clear_flush_young, even when ignored
    if locked or (young and not migration):
        spin_unlock(mm.page_table_lock)
        return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        if PageSwapCache(page):
            entry = page.private
            k.swap_duplicate(entry)
            mm.on_mmlist = True
        else:
            if not migration:
                spin_unlock(mm.page_table_lock)
                raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
            entry = k.make_migration_entry(page, pg.pte_write(pte))
        set_pte_at(mm, address, swp_entry_to_pte(entry))
        mm.anon_rss -= 1
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN


# === fork-race-fix (Hugh Dickins, folded into 0697212a) ======================================
# New vmas go to the tail of the anon_vma list, so a forked child is walked after its parent.

@rmap.function(since="fork-race-fix")
def anon_vma_prepare(k, vma):
    """Give `vma` an anon_vma before its first anonymous page (0, or -ENOMEM)."""
    if vma.anon_vma is None:
        anon_vma = AnonVma(k.new_id("anon_vma"))
        vma.anon_vma = anon_vma
        anon_vma.head.append(vma)               # list_add_tail
    return 0


@rmap.function(since="fork-race-fix")
def __anon_vma_link(k, vma):
    """Link a new vma (split or merged) into its anon_vma; caller holds the lock."""
    if vma.anon_vma is not None:
        vma.anon_vma.head.append(vma)           # list_add_tail


@rmap.function(since="fork-race-fix")
def anon_vma_link(k, vma):
    """Link a forked child's vma into the parent's anon_vma (at the tail)."""
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.append(vma)               # list_add_tail
        spin_unlock(anon_vma.lock)


# === rip-out-swap (d75a0fcd, 2.6.18) ===========================================================

rmap.remove("remove_from_swap", at="rip-out-swap")


# === no-rss (442c9137, 2.6.18): a migration entry leaves rss alone ============================

@rmap.function(since="no-rss", static=True)
def try_to_unmap_one(k, page, vma, migration):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    An anonymous page in the swap cache gets a swap entry (and leaves rss);
    one that is not gets a migration entry that keeps the pte's write
    permission, and still counts in rss.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    locked = vma.vm_flags & VM_LOCKED
    young = not locked and pg.pte_young(pte)         # ||: a locked vma's young bit is left alone
    if young:
        set_pte_at(mm, address, pg.pte_mkold(pte))   # ptep_clear_flush_young, even when ignored
    if locked or (young and not migration):
        spin_unlock(mm.page_table_lock)
        return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        if PageSwapCache(page):
            entry = page.private
            k.swap_duplicate(entry)
            mm.on_mmlist = True
            mm.anon_rss -= 1
        else:
            if not migration:
                spin_unlock(mm.page_table_lock)
                raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
            entry = k.make_migration_entry(page, pg.pte_write(pte))
        set_pte_at(mm, address, swp_entry_to_pte(entry))
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN


# === file-entries (04e62a29, 2.6.18): file pages get migration entries too =====================

@rmap.function(since="file-entries", static=True)
def try_to_unmap_one(k, page, vma, migration):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    For migration every pte becomes a migration entry keeping its write
    permission (file pages too); otherwise an anonymous page gets its swap
    entry and a file pte is simply dropped.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    locked = vma.vm_flags & VM_LOCKED
    young = not locked and pg.pte_young(pte)         # ||: a locked vma's young bit is left alone
    if young:
        set_pte_at(mm, address, pg.pte_mkold(pte))   # ptep_clear_flush_young, even when ignored
    if locked or (young and not migration):
        spin_unlock(mm.page_table_lock)
        return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        if PageSwapCache(page):
            entry = page.private
            k.swap_duplicate(entry)
            mm.on_mmlist = True
            mm.anon_rss -= 1
        else:
            if not migration:
                spin_unlock(mm.page_table_lock)
                raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
            entry = k.make_migration_entry(page, pg.pte_write(pte))
        set_pte_at(mm, address, swp_entry_to_pte(entry))
    elif migration:
        entry = k.make_migration_entry(page, pg.pte_write(pte))   # a file page's own entry
        set_pte_at(mm, address, swp_entry_to_pte(entry))
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN


# === mlock-migrate (e6a1530d, 2.6.18): migration ignores mlock and young ptes =================

@rmap.function(since="mlock-migrate", static=True)
def try_to_unmap_one(k, page, vma, migration):
    """Unmap `page` from one vma: SWAP_AGAIN, or SWAP_FAIL (locked vma / young pte).

    Only reclaim (not migration) is refused by a VM_LOCKED vma or a young
    pte: an mlocked page must stay in memory, not in the same frame.
    """
    address = vma_address(page, vma)
    if address < 0:
        return SWAP_AGAIN
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    pte = get_pte(mm, address)
    if not (pg.pte_present(pte) and pg.pte_pfn(pte) == page.pfn):
        spin_unlock(mm.page_table_lock)
        return SWAP_AGAIN
    if not migration:
        if vma.vm_flags & VM_LOCKED:
            spin_unlock(mm.page_table_lock)
            return SWAP_FAIL
        if pg.pte_young(pte):                        # ptep_clear_flush_young
            set_pte_at(mm, address, pg.pte_mkold(pte))
            spin_unlock(mm.page_table_lock)
            return SWAP_FAIL
    set_pte_at(mm, address, 0)                       # ptep_clear_flush
    if pg.pte_dirty(pte):
        k.set_page_dirty(page)
    if PageAnon(page):
        if PageSwapCache(page):
            entry = page.private
            k.swap_duplicate(entry)
            mm.on_mmlist = True
            mm.anon_rss -= 1
        else:
            if not migration:
                spin_unlock(mm.page_table_lock)
                raise KernelBug("try_to_unmap_one: anonymous page not in swap cache", "mm/rmap.c")
            entry = k.make_migration_entry(page, pg.pte_write(pte))
        set_pte_at(mm, address, swp_entry_to_pte(entry))
    elif migration:
        entry = k.make_migration_entry(page, pg.pte_write(pte))   # a file page's own entry
        set_pte_at(mm, address, swp_entry_to_pte(entry))
    else:
        mm.file_rss -= 1
    k.page_remove_rmap(page)
    page_cache_release(page)
    spin_unlock(mm.page_table_lock)
    return SWAP_AGAIN
