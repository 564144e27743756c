"""Exercise 02.1 (fix): migrate_pages' fallback path unmaps the page before it tests PageDirty (bug A)."""

from errno import EAGAIN, ENOMEM, EPERM

from migsim.include.linux.list import list_move
from migsim.include.linux.mm import PageAnon, page_mapped, page_mapping
from migsim.include.linux.page_flags import (PageDirty, PagePrivate, PageSwapCache, PageWriteback,
                                            TestSetPageLocked)
from migsim.include.linux.rmap import SWAP_FAIL
from migsim.include.linux.sched import PF_SWAPWRITE
from migsim.include.linux.swap import PAGE_CLEAN, PAGE_SUCCESS
from migsim.sched import Point


def _make(fallback):
    """migrate_pages as at fixups, with `fallback(k, page, newpage, mapping, pass_)` as the path for
    a mapping without migratepage. The fallback returns ("done", rc, newpage_or_None) to leave
    migrate_one at once (its own unlocks done), or ("rc", rc) to fall through to the common end."""

    def migrate_pages(k, from_, to, moved, failed):
        def migrate_one(page):
            rc = -EAGAIN
            if pass_ > 2:
                yield from k.lock_page(page)
            elif TestSetPageLocked(page):
                return rc, None
            if pass_ > 0:
                yield from k.wait_on_page_writeback(page)
            elif PageWriteback(page):
                k.unlock_page(page)
                return rc, None
            if PageAnon(page) and not PageSwapCache(page):
                if not (yield from k.add_to_swap(page)):
                    k.unlock_page(page)
                    return -ENOMEM, None
            if to is None:
                return (yield from k.swap_page(page)), None
            newpage = next(reversed(to))
            yield from k.lock_page(newpage)
            mapping = page_mapping(page)
            if mapping is None:
                pass
            elif mapping.a_ops.migratepage:
                rc = yield from getattr(k, mapping.a_ops.migratepage)(newpage, page)
            else:
                out = yield from fallback(k, page, newpage, mapping, pass_)
                if out[0] == "done":
                    return out[1], out[2]
                rc = out[1]
            k.unlock_page(newpage)
            k.unlock_page(page)
            return rc, newpage

        swapwrite = k.current.flags & PF_SWAPWRITE
        k.current.flags |= PF_SWAPWRITE
        nr_failed = 0
        pass_ = 0
        while True:
            retry = 0
            for page in from_:
                newpage = None
                yield Point("cond_resched", (page,))
                rc = 0
                if page._count == 1:
                    pass
                elif to is not None and not len(to):
                    break
                else:
                    rc, newpage = yield from migrate_one(page)
                if rc == -EAGAIN:
                    retry += 1
                elif rc:
                    list_move(page, failed)
                    nr_failed += 1
                else:
                    if newpage is not None:
                        k.move_to_lru(newpage)
                    list_move(page, moved)
            if not retry or pass_ >= 10:
                break
            pass_ += 1
        if not swapwrite:
            k.current.flags &= ~PF_SWAPWRITE
        return nr_failed + retry

    return migrate_pages


def _dirty_then_move(k, page, newpage, mapping, pass_):
    """The old body after the unmap: write a dirty page out, then move a clean one."""
    rc = -EAGAIN
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_SUCCESS:
            k.unlock_page(newpage)
            return ("done", rc, None)
        if result != PAGE_CLEAN:
            k.unlock_page(newpage)
            k.unlock_page(page)
            return ("done", rc, newpage)
    if not PagePrivate(page) or k.try_to_release_page(page):
        rc = yield from k.migrate_page(newpage, page)
    elif pass_ > 4:
        k.unlock_page(newpage)
        return ("done", (yield from k.swap_page(page)), None)
    return ("rc", rc)


# CORRECT 1: as the patch: unmap, SWAP_FAIL -> -EPERM, still mapped -> -EAGAIN, else the old body.
def fb_patch(k, page, newpage, mapping, pass_):
    r = yield from k.try_to_unmap(page, 1)
    if r == SWAP_FAIL:
        return ("rc", -EPERM)
    if page_mapped(page):
        return ("rc", -EAGAIN)
    return (yield from _dirty_then_move(k, page, newpage, mapping, pass_))


# CORRECT 2: the same decisions written inline with a flag, pageout's results by a dict-free chain.
def fb_flag(k, page, newpage, mapping, pass_):
    rc = -EAGAIN
    unmapped = False
    ret = yield from k.try_to_unmap(page, 1)
    if ret == SWAP_FAIL:
        rc = -EPERM
    elif not page_mapped(page):
        unmapped = True
    if not unmapped:
        return ("rc", rc)
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_CLEAN:
            pass
        elif result == PAGE_SUCCESS:
            k.unlock_page(newpage)          # the old page was unlocked by the write
            return ("done", -EAGAIN, None)
        else:
            k.unlock_page(newpage)
            k.unlock_page(page)
            return ("done", -EAGAIN, newpage)
    if PagePrivate(page) and not k.try_to_release_page(page):
        if pass_ > 4:
            k.unlock_page(newpage)
            rc = yield from k.swap_page(page)
            return ("done", rc, None)
        return ("rc", -EAGAIN)
    rc = yield from k.migrate_page(newpage, page)
    return ("rc", rc)


CORRECT = {
    "unmap_first_early_returns": {"migrate_pages": _make(fb_patch)},
    "unmap_first_flag": {"migrate_pages": _make(fb_flag)},
}


# WRONG 1: the fixups code unchanged in spirit: PageDirty asked before the unmap; the dirty bit
# still in the pte is found only by the unmap, which then moves the page anyway (bug A).
def fb_dirty_first(k, page, newpage, mapping, pass_):
    rc = -EAGAIN
    if PageDirty(page):
        result = k.pageout(page, mapping)
        if result == PAGE_SUCCESS:
            k.unlock_page(newpage)
            return ("done", rc, None)
        if result != PAGE_CLEAN:
            k.unlock_page(newpage)
            k.unlock_page(page)
            return ("done", rc, newpage)
    ret = yield from k.try_to_unmap(page, 1)
    if ret == SWAP_FAIL:
        return ("rc", -EPERM)
    if page_mapped(page):
        return ("rc", -EAGAIN)
    if not PagePrivate(page) or k.try_to_release_page(page):
        rc = yield from k.migrate_page(newpage, page)
    return ("rc", rc)


# WRONG 2: unmaps first but ignores the result: a page still mapped (or in a VM_LOCKED vma)
# is moved while ptes still point at the old frame.
def fb_ignore_result(k, page, newpage, mapping, pass_):
    yield from k.try_to_unmap(page, 1)
    return (yield from _dirty_then_move(k, page, newpage, mapping, pass_))


# WRONG 3: SWAP_FAIL taken as "try again": a page in an mlocked vma is retried for 11 passes and
# reported as a retry instead of a permanent -EPERM failure.
def fb_fail_is_again(k, page, newpage, mapping, pass_):
    ret = yield from k.try_to_unmap(page, 1)
    if ret == SWAP_FAIL or page_mapped(page):
        return ("rc", -EAGAIN)
    return (yield from _dirty_then_move(k, page, newpage, mapping, pass_))


WRONG = {
    "pagedirty_before_unmap": {"migrate_pages": _make(fb_dirty_first)},
    "unmap_result_ignored": {"migrate_pages": _make(fb_ignore_result)},
    "swap_fail_retried": {"migrate_pages": _make(fb_fail_is_again)},
}


# HOSTILE: an endless loop with the timer switched off.
def _hostile_migrate_pages(k, from_, to, moved, failed):
    import signal
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
    except (ValueError, AttributeError):
        pass
    while True:
        pass
    yield


# HOSTILE 2: a huge allocation.
def _hostile_memory(k, from_, to, moved, failed):
    hog = [0] * (10 ** 10)
    yield
    return len(hog)


HOSTILE = {
    "itimer_off_and_spin": {"migrate_pages": _hostile_migrate_pages},
    "huge_list": {"migrate_pages": _hostile_memory},
}
