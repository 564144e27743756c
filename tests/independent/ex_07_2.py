"""Exercise 07.2 (fix): close the fork race (bug B, loud and quiet) so the new child is never behind the walk."""

import signal
import sys

import migsim
from migsim.include.linux.mm import VM_DONTCOPY, VM_LOCKED, VMA, PageAnon, vma_address
from migsim.include.linux.page_flags import PageSwapCache
from migsim.include.linux.rwsem import down_write, up_write
from migsim.include.linux.spinlock import spin_lock, spin_unlock
from migsim.sched import Point


# ---------------------------------------------------------------------------------------------
# CORRECT 1: list_add_tail in anon_vma_link only (the forked child goes behind everything).

def anon_vma_link_tail(k, vma):
    """Link a forked child's vma into the parent's anon_vma (at the tail)."""
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.append(vma)               # list_add_tail
        spin_unlock(anon_vma.lock)


# CORRECT 2: the kernel's own fix, in all three places that link a vma.

def anon_vma_prepare_tail(k, vma):
    if vma.anon_vma is None:
        from migsim.include.linux.rmap import AnonVma
        anon_vma = AnonVma(k.new_id("anon_vma"))
        vma.anon_vma = anon_vma
        anon_vma.head.append(vma)
    return 0


def __anon_vma_link_tail(k, vma):
    if vma.anon_vma is not None:
        vma.anon_vma.head.insert(len(vma.anon_vma.head), vma)


def anon_vma_link_tail2(k, vma):
    anon_vma = vma.anon_vma
    if anon_vma is None:
        return
    yield from spin_lock(anon_vma.lock, k.who())
    anon_vma.head[len(anon_vma.head):] = [vma]
    spin_unlock(anon_vma.lock)


# CORRECT 3: dup_mmap links the child right behind its parent's vma (not at the head/tail).

def dup_mmap_behind_parent(k, mm, oldmm):
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        av = tmp.anon_vma
        if av is not None:
            yield from spin_lock(av.lock, k.who())
            av.head.insert(av.head.index(mpnt) + 1, tmp)     # right after the parent
            spin_unlock(av.lock)
        yield from k.vma_link(mm, tmp, after=mpnt)
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


# CORRECT 4: keep list_add at the head, but walk the list from the tail (oldest first) in both
# walks that put ptes back: remove_migration_ptes (loud form) and remove_from_swap (quiet form).

def remove_migration_ptes_reversed(k, old, new):
    if new.mapping is None or not PageAnon(new):
        return
    anon_vma = new.mapping
    yield from spin_lock(anon_vma.lock, k.who())
    for vma in reversed(list(anon_vma.head)):
        yield Point("remove_migration_ptes_vma", (new, vma))
        yield from k.remove_migration_pte(vma, vma_address(new, vma), old, new)
    spin_unlock(anon_vma.lock)


def remove_from_swap_reversed(k, page):
    if not PageSwapCache(page) or not PageAnon(page):
        return
    anon_vma = page.mapping
    yield from spin_lock(anon_vma.lock, k.who())
    for vma in list(anon_vma.head)[::-1]:
        yield Point("remove_from_swap_vma", (page, vma))
        yield from k.remove_vma_swap(vma, page)
    spin_unlock(anon_vma.lock)
    yield from k.delete_from_swap_cache(page)


# CORRECT 5: fork holds anon_vma->lock from the link to the end of the copy of the ptes, so a walk
# is either wholly before (child linked after it) or wholly after the copy (it sees the child's pte).

def dup_mmap_locked_copy(k, mm, oldmm):
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        yield from k.vma_link(mm, tmp, after=mpnt)    # i_mmap_lock outside the anon_vma lock
        av = tmp.anon_vma
        if av is not None:
            yield from spin_lock(av.lock, k.who())
            av.head.insert(0, tmp)                    # still at the head
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        if av is not None:
            spin_unlock(av.lock)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


# CORRECT 5b: the lock across the copy, with the copy first and the link last, both inside one
# hold of anon_vma->lock (so no walk can run between them; the head is fine then).

def dup_mmap_locked_copy_then_link(k, mm, oldmm):
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        yield from k.vma_link(mm, tmp, after=mpnt)
        av = tmp.anon_vma
        if av is None:
            retval = yield from k.copy_page_range(mm, oldmm, tmp)
        else:
            yield from spin_lock(av.lock, k.who())
            retval = yield from k.copy_page_range(mm, oldmm, tmp)
            av.head.insert(0, tmp)
            spin_unlock(av.lock)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


# CORRECT 6: the same lock, taken in copy_page_range (the link stays where it was, at the head).

def copy_page_range_locked(k, dst_mm, src_mm, vma):
    av = vma.anon_vma
    if av is None:
        return 0                     # no anon_vma: no ptes copied (as the kernel's own; no hugetlb here)
    yield from spin_lock(av.lock, k.who())
    try:
        yield from k.copy_pte_range(dst_mm, src_mm, vma, vma.vm_start, vma.vm_end)
    finally:
        spin_unlock(av.lock)
    return 0


CORRECT = {
    "tail_in_anon_vma_link": {"anon_vma_link": anon_vma_link_tail},
    "tail_in_all_three": {"anon_vma_prepare": anon_vma_prepare_tail,
                          "__anon_vma_link": __anon_vma_link_tail,
                          "anon_vma_link": anon_vma_link_tail2},
    "dup_mmap_links_behind_parent": {"dup_mmap": dup_mmap_behind_parent},
    "walks_from_the_tail": {"remove_migration_ptes": remove_migration_ptes_reversed,
                            "remove_from_swap": remove_from_swap_reversed},
    "dup_mmap_lock_across_link_and_copy": {"dup_mmap": dup_mmap_locked_copy},
    "dup_mmap_lock_across_copy_then_link": {"dup_mmap": dup_mmap_locked_copy_then_link},
    "copy_page_range_under_anon_vma_lock": {"copy_page_range": copy_page_range_locked},
}


# ---------------------------------------------------------------------------------------------
# WRONG answers.

# "Not at the head" is not enough: with [child, parent] the new child lands between them,
# still before the parent in walk order.
def anon_vma_link_second(k, vma):
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.insert(1, vma)
        spin_unlock(anon_vma.lock)


# The chapter's "predict" patch: copy the page tables first, link afterwards, still at the head.
# A walk holding the lock makes the link wait; the copy happened behind it: orphan.
def dup_mmap_copy_then_link(k, mm, oldmm):
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        yield from k.vma_link(mm, tmp, after=mpnt)
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        yield from k.anon_vma_link(tmp)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


# Tail insertion in the two helpers that do not link forked vmas; anon_vma_link (the one fork
# uses) still puts the new child at the head.
def anon_vma_prepare_tail_only(k, vma):
    return anon_vma_prepare_tail(k, vma)


def __anon_vma_link_tail_only(k, vma):
    if vma.anon_vma is not None:
        vma.anon_vma.head.append(vma)


# Reverse only the swapless walk: the loud form is gone, but swap-based migration (v2.6.16 to
# migration-entries, remove_from_swap) still visits the new child first: the quiet form stays.
def remove_migration_ptes_reversed_only(k, old, new):
    yield from remove_migration_ptes_reversed(k, old, new)


# Lock across the copy, but the link inside the locked region calls anon_vma_link, which takes
# the same (non-recursive) spinlock again: fork spins on itself forever.
def dup_mmap_self_deadlock(k, mm, oldmm):
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        av = tmp.anon_vma
        if av is not None:
            yield from spin_lock(av.lock, k.who())
        yield from k.anon_vma_link(tmp)
        yield from k.vma_link(mm, tmp, after=mpnt)
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        if av is not None:
            spin_unlock(av.lock)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


WRONG = {
    "insert_at_index_1": {"anon_vma_link": anon_vma_link_second},   # still before the parent
    "copy_before_link": {"dup_mmap": dup_mmap_copy_then_link},      # order of fork's steps is not the point
    "tail_in_the_wrong_helpers": {"anon_vma_prepare": anon_vma_prepare_tail_only,
                                  "__anon_vma_link": __anon_vma_link_tail_only},  # fork's link unchanged
    "reverse_only_swapless_walk": {"remove_migration_ptes": remove_migration_ptes_reversed_only},  # quiet form lives
    "lock_across_copy_self_deadlock": {"dup_mmap": dup_mmap_self_deadlock},  # fork deadlocks on its own lock
}


# ---------------------------------------------------------------------------------------------
# HOSTILE answers.

def anon_vma_link_untraced_spin(k, vma):
    """Switch tracing and the alarm off, then spin forever."""
    sys.settrace(None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
    except (ValueError, AttributeError):
        pass
    while True:
        pass
    yield


def anon_vma_link_poison(k, vma):
    """Leave the race in, and try to fix the kernel builds and the checks from inside."""
    import migsim.machine as machine
    import migsim.scenarios as sc
    for name in list(sys.modules):
        if name.startswith("migsim.grading"):
            mod = sys.modules[name]
            for attr in dir(mod):
                obj = getattr(mod, attr)
                if callable(obj) and not attr.startswith("__"):
                    try:
                        setattr(mod, attr, lambda *a, **kw: None)
                    except (AttributeError, TypeError):
                        pass
    for at in ("swapless-core", "migration-entries", "fork-race-fix"):
        try:
            machine.build(at).anon_vma_link = anon_vma_link_tail
        except Exception:
            pass
    sc.shows_bug = lambda *a, **kw: False
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.insert(0, vma)
        spin_unlock(anon_vma.lock)


def anon_vma_link_exit(k, vma):
    raise SystemExit(0)
    yield


HOSTILE = {
    "settrace_none_and_spin": {"anon_vma_link": anon_vma_link_untraced_spin},
    "monkeypatch_grading_and_cached_build": {"anon_vma_link": anon_vma_link_poison},
    "system_exit": {"anon_vma_link": anon_vma_link_exit},
}
