"""Exercise 06.2 (fix): migrate_page_move_mapping with mapping None: 0 only if the isolation reference is the only one (count 1), else -EAGAIN."""

from errno import EAGAIN

from migsim.include.linux.mm import get_page, page_index
from migsim.include.linux.page_flags import PagePrivate, PageSwapCache, SetPageSwapCache
from migsim.include.linux.spinlock import spin_lock, spin_unlock


def _make(no_mapping):
    def migrate_page_move_mapping(k, mapping, newpage, page):
        if mapping is None:
            return no_mapping(page)
        yield from spin_lock(mapping.tree_lock, k.who())
        index = page_index(page)
        if page._count != 2 + (1 if PagePrivate(page) else 0) or mapping.page_tree.get(index) is not page:
            spin_unlock(mapping.tree_lock)
            return -EAGAIN
        get_page(newpage)
        if PageSwapCache(page):
            SetPageSwapCache(newpage)
            newpage.private = page.private
        mapping.page_tree[index] = newpage
        page._count -= 1
        spin_unlock(mapping.tree_lock)
        return 0
    return migrate_page_move_mapping


CORRECT = {
    "count_is_one": {"migrate_page_move_mapping": _make(lambda p: 0 if p._count == 1 else -EAGAIN)},
    "extra_refs": {"migrate_page_move_mapping": _make(lambda p: -EAGAIN if p._count - 1 > 0 else 0)},
}

WRONG = {
    # no mapping, nothing to check: a pinned page or one a fault sleeps on moves anyway
    "always_moves": {"migrate_page_move_mapping": _make(lambda p: 0)},
    # the file rule (2: isolation + radix tree) for a page that has no tree: a free-standing page never moves
    "expects_two": {"migrate_page_move_mapping": _make(lambda p: 0 if p._count == 2 else -EAGAIN)},
    # counts the ptes that are now entries as references: off by the number of entries
    "count_le_two": {"migrate_page_move_mapping": _make(lambda p: 0 if p._count <= 2 else -EAGAIN)},
}


def _timer_off(k, mapping, newpage, page):
    import signal
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
    yield


HOSTILE = {"itimer_and_sigalrm_off_spin": {"migrate_page_move_mapping": _timer_off}}
