"""Exercise 06.3 (fix): migrate_pages at rip-out-swap gives ptes back: to the new page on success, to the old one (before unlock) on any failure."""

from errno import EAGAIN, EPERM

from migsim.include.linux.list import list_move
from migsim.include.linux.mm import page_mapped, page_mapping
from migsim.include.linux.page_flags import PageWriteback, TestSetPageLocked
from migsim.include.linux.rmap import SWAP_FAIL
from migsim.include.linux.sched import PF_SWAPWRITE
from migsim.sched import Point


def _make(rest):
    """migrate_pages at rip-out-swap; `rest(k, page, to, rc)` is the loop body after lock/writeback."""
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
            return (yield from rest(k, page, to, rc))

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
                elif not len(to):
                    break
                else:
                    rc, newpage = yield from migrate_one(page)
                if rc:
                    if newpage is not None:
                        newpage.mapping = None
                    if rc == -EAGAIN:
                        retry += 1
                    else:
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


def _move(k, page, newpage):
    mapping = page_mapping(page)
    if mapping is None:
        return (yield from k.migrate_page(None, newpage, page))
    if mapping.a_ops.migratepage:
        return (yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page))
    return (yield from k.fallback_migrate_page(mapping, newpage, page))


# CORRECT 1: as swapless-core: one exit, the old page's ptes restored whenever rc is not 0.
def rest_core(k, page, to, rc):
    newpage = None
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        rc = -EPERM
    elif not page_mapped(page):
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        rc = yield from _move(k, page, newpage)
        if not rc:
            yield from k.remove_migration_ptes(page, newpage)
        k.unlock_page(newpage)
    if rc:
        yield from k.remove_migration_ptes(page, page)
    k.unlock_page(page)
    return rc, newpage


# CORRECT 2: early returns, each restoring the old ptes before unlocking.
def rest_early(k, page, to, rc):
    ret = yield from k.try_to_unmap(page, 1)
    if ret == SWAP_FAIL:
        yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return -EPERM, None
    if page_mapped(page):
        yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc, None
    newpage = next(reversed(to))
    yield from k.lock_page(newpage)
    newpage.index, newpage.mapping = page.index, page.mapping
    rc = yield from _move(k, page, newpage)
    if rc == 0:
        yield from k.remove_migration_ptes(page, newpage)
        k.unlock_page(newpage)
        k.unlock_page(page)
        return 0, newpage
    k.unlock_page(newpage)
    yield from k.remove_migration_ptes(page, page)
    k.unlock_page(page)
    return rc, newpage


CORRECT = {"one_exit": {"migrate_pages": _make(rest_core)},
           "early_returns": {"migrate_pages": _make(rest_early)}}


# WRONG 1: ptes given back only on success: a pinned page keeps its migration entries for ever.
def rest_success_only(k, page, to, rc):
    newpage = None
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        rc = -EPERM
    elif not page_mapped(page):
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        rc = yield from _move(k, page, newpage)
        if not rc:
            yield from k.remove_migration_ptes(page, newpage)
        k.unlock_page(newpage)
    k.unlock_page(page)
    return rc, newpage


# WRONG 2: the old ptes restored after the old page is unlocked: an entry outlives the lock.
def rest_restore_after_unlock(k, page, to, rc):
    newpage = None
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        rc = -EPERM
    elif not page_mapped(page):
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        rc = yield from _move(k, page, newpage)
        if not rc:
            yield from k.remove_migration_ptes(page, newpage)
        k.unlock_page(newpage)
    k.unlock_page(page)
    if rc:
        yield from k.remove_migration_ptes(page, page)
    return rc, newpage


# WRONG 3: SWAP_FAIL path forgets the entries already made (the other process's pte).
def rest_eperm_leak(k, page, to, rc):
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        k.unlock_page(page)
        return -EPERM, None
    return (yield from rest_core(k, page, to, rc))


# WRONG 4: the anonymous page without a mapping still skipped (as at rip-out-swap): it never moves
# (rc stays -EAGAIN), though its ptes are given back.
def rest_anon_stuck(k, page, to, rc):
    newpage = None
    if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
        rc = -EPERM
    elif not page_mapped(page):
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        mapping = page_mapping(page)
        if mapping is not None:
            rc = yield from _move(k, page, newpage)
        if not rc:
            yield from k.remove_migration_ptes(page, newpage)
        k.unlock_page(newpage)
    if rc:
        yield from k.remove_migration_ptes(page, page)
    k.unlock_page(page)
    return rc, newpage


WRONG = {"restore_on_success_only": {"migrate_pages": _make(rest_success_only)},
         "restore_after_unlock": {"migrate_pages": _make(rest_restore_after_unlock)},
         "eperm_leaves_entries": {"migrate_pages": _make(rest_eperm_leak)},
         "anon_without_mapping_stuck": {"migrate_pages": _make(rest_anon_stuck)}}


def _hostile(k, from_, to, moved, failed):
    import migsim.machine as machine
    base = machine.build("swapless-core")
    try:
        machine.build("rip-out-swap").migrate_pages = base.migrate_pages
    except Exception:
        pass
    while True:
        yield Point("cond_resched", ())


HOSTILE = {"poison_cached_build_then_yield_forever": {"migrate_pages": _hostile}}
