"""Exercise 03.1 (fix): the reference count a page may have under tree_lock at drop-nr-refs: 2, 3 with buffers."""

from errno import EAGAIN, EPERM

from migsim.include.linux.mm import get_page, page_index, page_mapcount, page_mapping
from migsim.include.linux.page_flags import PagePrivate, PageSwapCache, SetPageSwapCache
from migsim.include.linux.rmap import SWAP_FAIL
from migsim.include.linux.spinlock import spin_lock, spin_unlock


def _make(expected_of):
    def migrate_page_remove_references(k, newpage, page):
        mapping = page_mapping(page)
        if mapping is None:
            return -EAGAIN
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            return -EPERM
        if page_mapcount(page):
            return -EAGAIN
        yield from spin_lock(mapping.tree_lock, k.who())
        index = page_index(page)
        expected = expected_of(page)
        if page_mapping(page) is None or page._count != expected or mapping.page_tree.get(index) is not page:
            spin_unlock(mapping.tree_lock)
            return -EAGAIN
        get_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        if PageSwapCache(page):
            SetPageSwapCache(newpage)
            newpage.private = page.private
        mapping.page_tree[index] = newpage
        page._count -= 1
        spin_unlock(mapping.tree_lock)
        return 0
    return migrate_page_remove_references


CORRECT = {
    # isolation + page cache (or swap cache), + the buffers' reference
    "two_plus_private": {"migrate_page_remove_references": _make(lambda p: 2 + (1 if PagePrivate(p) else 0))},
    "branch": {"migrate_page_remove_references": _make(lambda p: 3 if PagePrivate(p) else 2)},
}

WRONG = {
    # the buffers' reference forgotten: ext2 pages with buffers never move
    "always_two": {"migrate_page_remove_references": _make(lambda p: 2)},
    # the buffer-head count for every page: pages without buffers (listfs, swap cache) never move, and
    # a buffered page with one extra reference held moves anyway
    "three_for_all": {"migrate_page_remove_references": _make(lambda p: 3)},
    # off by one: only the isolation reference, the page cache's forgotten: nothing with a mapping moves
    "isolation_only": {"migrate_page_remove_references": _make(lambda p: 1 + (1 if PagePrivate(p) else 0))},
    # ignores the count (any count accepted): a page someone holds (I/O, a fault) moves anyway
    "any_count": {"migrate_page_remove_references": _make(lambda p: p._count)},
}


def _hog(k, newpage, page):
    x = [bytearray(1 << 20) for _ in range(1 << 16)]   # 64 GiB
    yield
    return len(x)


HOSTILE = {"huge_allocation": {"migrate_page_remove_references": _hog}}
