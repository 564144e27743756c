"""include/linux/list.h, for lists of pages linked through page->lru.

A `PageList` is a circular doubly linked list like the kernel's list_head:
adding and removing are O(1), and iteration fetches the next page before it
hands out the current one (list_for_each_entry_safe), so the loop body may
move the current page to another list. `page.lru` names the list a page is
on, which is how the checker tells an isolated page from one on the LRU.
"""


class PageList:
    """A list_head of pages. `private` lists belong to a kernel path (not the LRU)."""

    __slots__ = ("name", "private", "_next", "_prev", "_len")

    def __init__(self, name, private=True):
        self.name, self.private = name, private
        self._next = self._prev = self     # empty: the head points at itself
        self._len = 0

    def __len__(self):
        return self._len

    def __iter__(self):
        """Head to tail, safe against removing the page just handed out."""
        node = self._next
        while node is not self:
            nxt = node._next
            yield node
            node = nxt

    def __reversed__(self):
        node = self._prev
        while node is not self:
            prv = node._prev
            yield node
            node = prv

    def __contains__(self, page):
        return page.lru is self

    def first(self):
        return self._next

    def __repr__(self):
        return f"<list {self.name}: {self._len} pages>"


def _link(page, prev, nxt, lst):
    if page.lru is not None:
        raise AssertionError(f"{page!r} already on {page.lru.name}")
    page._prev, page._next = prev, nxt
    prev._next = page
    nxt._prev = page
    page.lru = lst
    lst._len += 1


def list_add_tail(page, lst):
    _link(page, lst._prev, lst, lst)


def list_add(page, lst):
    """Add at the head."""
    _link(page, lst, lst._next, lst)


def list_del(page):
    lst = page.lru
    page._prev._next = page._next
    page._next._prev = page._prev
    page._prev = page._next = None
    page.lru = None
    lst._len -= 1


def list_move(page, lst):
    list_del(page)
    list_add_tail(page, lst)


def list_empty(lst):
    return lst._len == 0
