"""include/linux/list.h, for lists of pages linked through page->lru.

A `PageList` keeps insertion order (list_add_tail appends; list_add puts at
the head) and knows its pages, so list_del is cheap. `page.lru` names the list
a page is on, which is how the checker tells an isolated page from one on the
LRU. Simplified: only lists of struct page use this; vma lists are Python lists.
"""


class PageList:
    """A list_head of pages. `private` lists belong to a kernel path (not the LRU)."""

    __slots__ = ("name", "_pages", "private")

    def __init__(self, name, private=True):
        self.name, self._pages, self.private = name, {}, private

    def __len__(self):
        return len(self._pages)

    def __iter__(self):
        return iter(list(self._pages))     # safe against list_del while iterating

    def __reversed__(self):
        return reversed(list(self._pages))

    def __contains__(self, page):
        return page in self._pages

    def first(self):
        return next(iter(self._pages))

    def __repr__(self):
        return f"<list {self.name}: {len(self._pages)} pages>"


def list_add_tail(page, lst):
    if page.lru is not None:
        raise AssertionError(f"{page!r} already on {page.lru.name}")
    lst._pages[page] = None
    page.lru = lst


def list_add(page, lst):
    """Add at the head."""
    if page.lru is not None:
        raise AssertionError(f"{page!r} already on {page.lru.name}")
    items = lst._pages
    lst._pages = {page: None}
    lst._pages.update(items)
    page.lru = lst


def list_del(page):
    del page.lru._pages[page]
    page.lru = None


def list_move(page, lst):
    list_del(page)
    list_add_tail(page, lst)


def list_empty(lst):
    return not lst._pages
