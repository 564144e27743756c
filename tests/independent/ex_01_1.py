"""Exercise 01.1 (write): buffer_migrate_page for v2.6.16, moving an ext2 page with its buffers, using only exported helpers."""

from errno import EAGAIN, EPERM

from migsim.include.linux.buffer_head import BH_Lock, page_buffers
from migsim.include.linux.mm import get_page, page_index, page_mapcount, page_mapping, put_page
from migsim.include.linux.page_flags import ClearPagePrivate, PagePrivate, SetPagePrivate


# CORRECT 1: as fs/buffer.c had it.
def bmp_classic(k, newpage, page):
    yield from ()
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_remove_references(newpage, page, 3)
    if rc:
        return rc
    for bh in bhs:
        bh.b_count += 1
        bh.b_state |= BH_Lock
    ClearPagePrivate(page)
    newpage.private = page.private
    page.private = 0
    put_page(page)
    get_page(newpage)
    for bh in bhs:
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    for bh in bhs:
        bh.b_state &= ~BH_Lock
        bh.b_count -= 1
    return 0


# CORRECT 2: walks the ring by b_this_page, does the no-buffer case with the two pieces, and
# moves the buffers' page reference in one helper.
def _ring(first):
    bh = first
    while True:
        yield bh
        bh = bh.b_this_page
        if bh is first:
            return


def bmp_ring(k, newpage, page):
    yield from ()
    if page_mapping(page) is None:
        return -EAGAIN
    buffers = PagePrivate(page)
    rc = yield from k.migrate_page_remove_references(newpage, page, 3 if buffers else 2)
    if rc != 0:
        return rc
    if buffers:
        first = page.private
        held = list(_ring(first))
        for bh in held:
            bh.b_count += 1
            bh.b_state |= BH_Lock
        get_page(newpage)
        SetPagePrivate(newpage)
        newpage.private = first
        ClearPagePrivate(page)
        page.private = 0
        put_page(page)
        for bh in held:
            bh.b_page = newpage
    k.migrate_page_copy(newpage, page)
    if buffers:
        for bh in held:
            bh.b_state &= ~BH_Lock
            bh.b_count -= 1
    return 0


CORRECT = {
    "as_fs_buffer_c": {"buffer_migrate_page": bmp_classic},
    "ring_walk_two_pieces": {"buffer_migrate_page": bmp_ring},
}


# WRONG 1: off by one on the count: 2 for a page with buffers (forgets the buffers' reference):
# the count never matches and a buffered page never moves.
def bmp_two_refs(k, newpage, page):
    yield from ()
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_remove_references(newpage, page, 2)
    if rc:
        return rc
    ClearPagePrivate(page)
    newpage.private = page.private
    page.private = 0
    put_page(page)
    get_page(newpage)
    for bh in bhs:
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    return 0


# WRONG 2: points the buffers at the new page but leaves their page reference on the old one
# (no put_page/get_page) and PG_private on the old page: the old page leaks, counts are off.
def bmp_refs_not_moved(k, newpage, page):
    yield from ()
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    bhs = page_buffers(page)
    rc = yield from k.migrate_page_remove_references(newpage, page, 3)
    if rc:
        return rc
    newpage.private = page.private
    for bh in bhs:
        bh.b_page = newpage
    SetPagePrivate(newpage)
    k.migrate_page_copy(newpage, page)
    return 0


# WRONG 3: uses migrate_page for every page, buffers or not: a buffered page is refused (its count
# is 3, migrate_page expects 2), or its buffers stay on the old page.
def bmp_always_migrate_page(k, newpage, page):
    return (yield from k.migrate_page(newpage, page))


WRONG = {
    "two_refs_for_buffers": {"buffer_migrate_page": bmp_two_refs},
    "buffer_refs_not_moved": {"buffer_migrate_page": bmp_refs_not_moved},
    "ignores_buffers": {"buffer_migrate_page": bmp_always_migrate_page},
}


# HOSTILE: disables tracing and loops.
def bmp_spin(k, newpage, page):
    import sys
    sys.settrace(None)
    while True:
        pass
    yield


HOSTILE = {"settrace_none_spin": {"buffer_migrate_page": bmp_spin}}
