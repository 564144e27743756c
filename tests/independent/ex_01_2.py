"""Exercise 01.2 (fix): migrate_page_remove_references returns -EAGAIN (retry) for a page still mapped after try_to_unmap."""

from errno import EAGAIN, EBUSY, EPERM

from migsim.include.linux.mm import get_page, page_index, page_mapcount, page_mapped, page_mapping
from migsim.include.linux.page_flags import PageSwapCache, SetPageSwapCache
from migsim.include.linux.rmap import SWAP_FAIL
from migsim.include.linux.spinlock import spin_lock, spin_unlock


def _make(still_mapped):
    """The function at unmap-export-swap-page with `still_mapped(page)` -> None (go on) or an rc."""
    def migrate_page_remove_references(k, newpage, page, nr_refs):
        mapping = page_mapping(page)
        if mapping is None or page_mapcount(page) + nr_refs != page._count:
            return -EAGAIN
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            return -EPERM
        rc = still_mapped(page)
        if rc is not None:
            return rc
        yield from spin_lock(mapping.tree_lock, k.who())
        index = page_index(page)
        if page_mapping(page) is None or page._count != nr_refs or mapping.page_tree.get(index) is not page:
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
    # the fixups patch: still mapped -> -EAGAIN
    "mapcount_eagain": {"migrate_page_remove_references": _make(lambda p: -EAGAIN if page_mapcount(p) else None)},
    # same test through page_mapped() (_mapcount >= 0)
    "page_mapped_eagain": {"migrate_page_remove_references": _make(lambda p: -EAGAIN if page_mapped(p) else None)},
}

WRONG = {
    # the old convention kept: 1 is neither 0 nor -EAGAIN, so the page fails for good
    "returns_1": {"migrate_page_remove_references": _make(lambda p: 1 if page_mapcount(p) else None)},
    # -EBUSY looks like "try later" but migrate_pages retries only -EAGAIN
    "returns_ebusy": {"migrate_page_remove_references": _make(lambda p: -EBUSY if page_mapcount(p) else None)},
    # a still-mapped page taken as permanent (as if the vma were locked)
    "returns_eperm": {"migrate_page_remove_references": _make(lambda p: -EPERM if page_mapped(p) else None)},
}


def _hostile(k, newpage, page, nr_refs):
    import migsim.machine as machine
    # hostile: make every later build's try_to_unmap succeed, then claim success
    for at in ("unexport-swap-page", "fixups"):
        try:
            machine.build(at).try_to_unmap = lambda k, page, ig: (yield 0)
        except Exception:
            pass
    raise SystemExit(0)
    yield


HOSTILE = {"poison_build_then_exit": {"migrate_page_remove_references": _hostile}}
