"""mm/swapfile.c: swap areas, their slot counts, and swapon.

`swap_map[offset]` counts the users of a slot: each swap pte and the swap
cache. Slot 0 of every area is its header and is never handed out.
Simplified: an area is made from a size (no file or block device); no
swapoff; no clustering (the lowest free slot of the best area is used);
swap_lock is not a scheduling point.
"""

from errno import EPERM

from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import get_page, page_cache_release, vma_address
from ..include.linux.page_flags import (PageLocked, PagePrivate, PageSwapCache, PageWriteback,
                                        SetPageDirty, TestSetPageLocked)
from ..include.linux.pgtable_walk import get_pte, set_pte_at
from ..include.linux.sched import CAP_SYS_ADMIN
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..include.linux.swap import SWAP_MAP_BAD, SWAP_MAP_MAX, SWP_ACTIVE, SWP_USED, SWP_WRITEOK
from ..include.linux.swapops import (pte_to_swp_entry, swp_entry, swp_entry_to_pte, swp_offset,
                                     swp_type)
from ..errors import KernelBug
from ..kbuild import kfile

swapfile = kfile("mm/swapfile.c")


@swapfile.function(since="v2.6.16")
def get_swap_page(k):
    """A free slot (count 1) from the highest-priority area, or 0 if swap is full."""
    best = None
    for si in k.swap_info[:k.nr_swapfiles]:
        if si.flags & SWP_WRITEOK and si.inuse_pages < si.max - 1:
            if best is None or si.prio > best.prio:
                best = si
    if best is None:
        return 0
    for offset in range(best.lowest_bit, best.highest_bit + 1):
        if best.swap_map[offset] == 0:
            best.swap_map[offset] = 1
            best.inuse_pages += 1
            k.nr_swap_pages -= 1
            best.lowest_bit = offset
            return swp_entry(best.type, offset)
    raise KernelBug("get_swap_page: inuse_pages says a slot is free but none is", "mm/swapfile.c")


@swapfile.function(since="v2.6.16")
def swap_info_get(k, entry, who="swap_free"):
    """The area of a valid, used entry, or None after the kernel's complaint."""
    if not entry:
        return None
    type_, offset = swp_type(entry), swp_offset(entry)
    if type_ >= k.nr_swapfiles:
        k.printk(f"{who}: Bad swap file entry {entry:08x}")
        return None
    si = k.swap_info[type_]
    if not si.flags & SWP_USED:
        k.printk(f"{who}: Bad swap file entry {entry:08x}")
        return None
    if offset >= si.max:
        k.printk(f"{who}: Bad swap offset entry {entry:08x}")
        return None
    if not si.swap_map[offset]:
        k.printk(f"{who}: Unused swap offset entry {entry:08x}")
        return None
    return si


@swapfile.function(since="v2.6.16")
def swap_entry_free(k, si, offset):
    """Drop one count of a slot; return the count left."""
    count = si.swap_map[offset]
    if count < SWAP_MAP_MAX:
        count -= 1
        si.swap_map[offset] = count
        if count == 0:
            si.store.pop(offset, None)            # Simplified: a freed slot reads as stale again
            si.lowest_bit = min(si.lowest_bit, offset)
            si.inuse_pages -= 1
            k.nr_swap_pages += 1
    return count


@swapfile.function(since="v2.6.16")
def swap_free(k, entry):
    """Drop one user of a swap entry."""
    si = k.swap_info_get(entry)
    if si is not None:
        k.swap_entry_free(si, swp_offset(entry))


@swapfile.function(since="v2.6.16")
def swap_duplicate(k, entry):
    """One more user of a swap entry (a copied swap pte). 1 ok, 0 bad entry."""
    type_, offset = swp_type(entry), swp_offset(entry)
    if type_ >= k.nr_swapfiles:
        k.printk(f"swap_dup: Bad swap file entry {entry:08x}")
        return 0
    si = k.swap_info[type_]
    if offset < si.max and si.swap_map[offset]:
        if si.swap_map[offset] < SWAP_MAP_MAX - 1:
            si.swap_map[offset] += 1
        else:
            si.swap_map[offset] = SWAP_MAP_MAX
        return 1
    return 0


@swapfile.function(since="v2.6.16")
def page_swapcount(k, page):
    """Users of a swap-cache page's slot other than the cache itself."""
    si = k.swap_info_get(page.private)
    return 0 if si is None else si.swap_map[swp_offset(page.private)] - 1


@swapfile.function(since="v2.6.16")
def can_share_swap_page(k, page):
    """May a write reuse this locked anonymous page in place? (one user only)"""
    if not PageLocked(page):
        raise KernelBug("can_share_swap_page: page not locked", "mm/swapfile.c")
    count = page._mapcount + 1
    if count <= 1 and PageSwapCache(page):
        count += k.page_swapcount(page)
    return count == 1


@swapfile.function(since="v2.6.16")
def vm_swap_full(k):
    """Is more than half of all swap in use?"""
    return k.nr_swap_pages * 2 < k.total_swap_pages


@swapfile.function(since="v2.6.16")
def remove_exclusive_swap_page(k, page):
    """Free the slot of a locked swap-cache page nobody else uses. 1 if done.

    Simplified: swap_lock and tree_lock are taken without a scheduling point.
    """
    if PagePrivate(page) or not PageLocked(page):
        raise KernelBug("remove_exclusive_swap_page: bad page state", "mm/swapfile.c")
    if not PageSwapCache(page) or PageWriteback(page) or page._count != 2:
        return 0
    entry = page.private
    si = k.swap_info_get(entry)
    if si is None or si.swap_map[swp_offset(entry)] != 1:
        return 0
    k.__delete_from_swap_cache(page)
    SetPageDirty(page)
    k.swap_free(entry)
    page_cache_release(page)
    return 1


@swapfile.function(since="v2.6.16")
def free_swap_and_cache(k, entry):
    """A swap pte went away: drop its count, and the cached page if now unused.

    Simplified: 2.6.16 looks the page up and trylocks it under tree_lock; here,
    as in 2.6.18, the lookup comes first, so the page may have left the swap
    cache before it is locked, and PageSwapCache is tested again.
    """
    si = k.swap_info_get(entry)
    if si is None or k.swap_entry_free(si, swp_offset(entry)) != 1:
        return
    page = yield from k.find_get_page(k.swapper_space, entry)
    if page is None:
        return
    if TestSetPageLocked(page):
        page_cache_release(page)
        return
    if PageSwapCache(page) and not PageWriteback(page) and (page._count == 2 or k.vm_swap_full()):
        yield from k.delete_from_swap_cache(page)
        SetPageDirty(page)
    k.unlock_page(page)
    page_cache_release(page)


@swapfile.function(since="v2.6.16")
def unuse_pte(k, vma, addr, entry, page):
    """Replace one swap pte by a real (old, protection-limited) pte to `page`."""
    mm = vma.vm_mm
    mm.anon_rss += 1
    get_page(page)
    set_pte_at(mm, addr, pg.pte_mkold(pg.pfn_pte(page.pfn, vma.vm_page_prot)))
    k.page_add_anon_rmap(page, vma, addr)
    k.swap_free(entry)
    k.activate_page(page)


@swapfile.function(since="v2.6.16")
def unuse_vma(k, vma, entry, page):
    """Restore the pte of `vma` that holds `entry` (at the page's address). 1 if found."""
    addr = vma_address(page, vma)
    if addr < 0:
        return 0
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    found = get_pte(mm, addr) == swp_entry_to_pte(entry)
    if found:
        k.unuse_pte(vma, addr, entry, page)
    spin_unlock(mm.page_table_lock)
    return 1 if found else 0


@swapfile.function(since="v2.6.16")
def remove_vma_swap(k, vma, page):
    """Migration's helper: restore `vma`'s swap pte for `page`'s swap entry."""
    return (yield from k.unuse_vma(vma, page.private, page))


@swapfile.function(since="v2.6.16", syscall=True)
def sys_swapon(k, nr_slots, prio=-1):
    """Activate a swap area of `nr_slots` slots: its type, or -EPERM.

    Simplified: the area is made from a size instead of a file's header, and
    success returns the new area's type (the kernel returns 0).
    """
    if not k.current.capable(CAP_SYS_ADMIN):
        return -EPERM
    yield from spin_lock(k.swap_lock, k.who())
    type_ = 0
    while type_ < k.nr_swapfiles and k.swap_info[type_].flags & SWP_USED:
        type_ += 1
    # the largest type both a swp_entry_t and an arch swap pte can hold
    if type_ > swp_type(pte_to_swp_entry(swp_entry_to_pte(swp_entry(0xFFFFFFFF, 0)))):
        spin_unlock(k.swap_lock)
        return -EPERM
    if type_ >= k.nr_swapfiles:
        k.nr_swapfiles = type_ + 1
    si = k.swap_info[type_]
    si.flags = SWP_USED
    spin_unlock(k.swap_lock)
    si.name = f"swap{type_}"
    si.max = nr_slots + 1
    si.swap_map = [SWAP_MAP_BAD] + [0] * nr_slots
    si.lowest_bit, si.highest_bit = 1, nr_slots
    si.inuse_pages = 0
    if prio < 0:
        k.least_priority -= 1
        prio = k.least_priority
    si.prio = prio
    si.flags = SWP_ACTIVE
    k.nr_swap_pages += nr_slots
    k.total_swap_pages += nr_slots
    k.printk(f"Adding {nr_slots * 4}k swap on {si.name}.  Priority:{prio} extents:1")
    return type_



# === migration-entries (0697212a, 2.6.18): migration entries are not swap ==================

@swapfile.function(since="migration-entries")
def swap_duplicate(k, entry):
    """One more user of a swap entry (a copied swap pte). 1 ok, 0 bad entry.

    Migration entries have no slot to count: they are copied as they are.
    """
    if k.is_migration_entry(entry):
        return 1
    type_, offset = swp_type(entry), swp_offset(entry)
    if type_ >= k.nr_swapfiles:
        k.printk(f"swap_dup: Bad swap file entry {entry:08x}")
        return 0
    si = k.swap_info[type_]
    if offset < si.max and si.swap_map[offset]:
        if si.swap_map[offset] < SWAP_MAP_MAX - 1:
            si.swap_map[offset] += 1
        else:
            si.swap_map[offset] = SWAP_MAP_MAX
        return 1
    return 0


@swapfile.function(since="migration-entries")
def free_swap_and_cache(k, entry):
    """A swap pte went away: drop its count, and the cached page if now unused.

    Simplified: 2.6.16 looks the page up and trylocks it under tree_lock; here,
    as in 2.6.18, the lookup comes first, so the page may have left the swap
    cache before it is locked, and PageSwapCache is tested again.
    """
    if k.is_migration_entry(entry):
        return
    si = k.swap_info_get(entry)
    if si is None or k.swap_entry_free(si, swp_offset(entry)) != 1:
        return
    page = yield from k.find_get_page(k.swapper_space, entry)
    if page is None:
        return
    if TestSetPageLocked(page):
        page_cache_release(page)
        return
    if PageSwapCache(page) and not PageWriteback(page) and (page._count == 2 or k.vm_swap_full()):
        yield from k.delete_from_swap_cache(page)
        SetPageDirty(page)
    k.unlock_page(page)
    page_cache_release(page)


# === swapon-fix (Hugh Dickins, folded into 0697212a) ========================================

@swapfile.function(since="swapon-fix", syscall=True)
def sys_swapon(k, nr_slots, prio=-1):
    """Activate a swap area of `nr_slots` slots: its type, or -EPERM.

    Simplified: the area is made from a size instead of a file's header, and
    success returns the new area's type (the kernel returns 0).
    """
    if not k.current.capable(CAP_SYS_ADMIN):
        return -EPERM
    yield from spin_lock(k.swap_lock, k.who())
    type_ = 0
    while type_ < k.nr_swapfiles and k.swap_info[type_].flags & SWP_USED:
        type_ += 1
    if type_ >= k.MAX_SWAPFILES:
        spin_unlock(k.swap_lock)
        return -EPERM
    if type_ >= k.nr_swapfiles:
        k.nr_swapfiles = type_ + 1
    si = k.swap_info[type_]
    si.flags = SWP_USED
    spin_unlock(k.swap_lock)
    si.name = f"swap{type_}"
    si.max = nr_slots + 1
    si.swap_map = [SWAP_MAP_BAD] + [0] * nr_slots
    si.lowest_bit, si.highest_bit = 1, nr_slots
    si.inuse_pages = 0
    if prio < 0:
        k.least_priority -= 1
        prio = k.least_priority
    si.prio = prio
    si.flags = SWP_ACTIVE
    k.nr_swap_pages += nr_slots
    k.total_swap_pages += nr_slots
    k.printk(f"Adding {nr_slots * 4}k swap on {si.name}.  Priority:{prio} extents:1")
    return type_


# === rip-out-swap (d75a0fcd, 2.6.18) ===========================================================

swapfile.remove("remove_vma_swap", at="rip-out-swap")
