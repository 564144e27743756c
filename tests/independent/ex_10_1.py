"""Exercise 10.1 (write): do_move_pages' loop body: status -EFAULT/-ENOENT/node/-EACCES/isolate_lru_page's answer."""

from errno import EACCES, EFAULT, ENOENT

from migsim.include.linux.mm import page_mapcount, put_page
from migsim.include.linux.rwsem import down_read, up_read
from migsim.mm.filemap import new_private_list
from migsim.mm.memory import FOLL_GET
from migsim.mm.migrate import MAX_NUMNODES


def _make(body):
    def do_move_pages(k, mm, pm, migrate_all):
        pagelist = new_private_list("pagelist")
        yield from down_read(mm.mmap_sem)
        k.migrate_prep()
        for pp in pm:
            if pp.node == MAX_NUMNODES:
                break
            pp.page = None
            yield from body(k, mm, pp, migrate_all, pagelist)
        if len(pagelist):
            err = yield from k.migrate_pages(pagelist, k.new_page_node, pm)
        else:
            err = -ENOENT
        up_read(mm.mmap_sem)
        return err
    return do_move_pages


# CORRECT 1: nested, as 2.6.18.
def body_nested(k, mm, pp, migrate_all, pagelist):
    err = -EFAULT
    vma = k.find_vma(mm, pp.addr)
    if vma is not None:
        page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
        err = -ENOENT
        if page is not None:
            pp.page = page
            err = page.node
            if err != pp.node:
                err = -EACCES
                if page_mapcount(page) <= 1 or migrate_all:
                    err = yield from k.isolate_lru_page(page, pagelist)
            put_page(page)
    pp.status = err


# CORRECT 2: early exits.
def body_flat(k, mm, pp, migrate_all, pagelist):
    vma = k.find_vma(mm, pp.addr)
    if vma is None:
        pp.status = -EFAULT
        return
    page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
    if page is None:
        pp.status = -ENOENT
        return
    pp.page = page
    try:
        if page.node == pp.node:
            pp.status = pp.node
        elif page_mapcount(page) > 1 and not migrate_all:
            pp.status = -EACCES
        else:
            pp.status = yield from k.isolate_lru_page(page, pagelist)
    finally:
        put_page(page)


CORRECT = {
    "nested_as_2_6_18": {"do_move_pages": _make(body_nested)},
    "early_exits": {"do_move_pages": _make(body_flat)},
}


# WRONG 1: the follow_page reference is never dropped: every looked-up page leaks a count.
def body_leak(k, mm, pp, migrate_all, pagelist):
    vma = k.find_vma(mm, pp.addr)
    if vma is None:
        pp.status = -EFAULT
        return
    page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
    if page is None:
        pp.status = -ENOENT
        return
    pp.page = page
    if page.node == pp.node:
        pp.status = pp.node
    elif page_mapcount(page) > 1 and not migrate_all:
        pp.status = -EACCES
    else:
        pp.status = yield from k.isolate_lru_page(page, pagelist)


# WRONG 2: off by one in the sharing test (>= 1): every mapped page is -EACCES without MOVE_ALL.
def body_mapcount_off(k, mm, pp, migrate_all, pagelist):
    vma = k.find_vma(mm, pp.addr)
    if vma is None:
        pp.status = -EFAULT
        return
    page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
    if page is None:
        pp.status = -ENOENT
        return
    pp.page = page
    if page.node == pp.node:
        pp.status = pp.node
    elif page_mapcount(page) >= 1 and not migrate_all:
        pp.status = -EACCES
    else:
        pp.status = yield from k.isolate_lru_page(page, pagelist)
    put_page(page)


# WRONG 3: no vma and no page swapped: -ENOENT for an unmapped address, -EFAULT for an untouched page.
def body_errnos_swapped(k, mm, pp, migrate_all, pagelist):
    vma = k.find_vma(mm, pp.addr)
    if vma is None:
        pp.status = -ENOENT
        return
    page = yield from k.follow_page(vma, pp.addr, FOLL_GET)
    if page is None:
        pp.status = -EFAULT
        return
    yield from body_nested_rest(k, pp, page, migrate_all, pagelist)


def body_nested_rest(k, pp, page, migrate_all, pagelist):
    pp.page = page
    if page.node == pp.node:
        pp.status = pp.node
    elif page_mapcount(page) > 1 and not migrate_all:
        pp.status = -EACCES
    else:
        pp.status = yield from k.isolate_lru_page(page, pagelist)
    put_page(page)


WRONG = {
    "follow_page_ref_leaked": {"do_move_pages": _make(body_leak)},
    "mapcount_off_by_one": {"do_move_pages": _make(body_mapcount_off)},
    "efault_enoent_swapped": {"do_move_pages": _make(body_errnos_swapped)},
}


def _poison(k, mm, pm, migrate_all):
    import sys
    for name, mod in list(sys.modules.items()):
        if name.startswith("migsim.grading") and hasattr(mod, "grade"):
            mod.grade = lambda *a, **kw: None
    sys.settrace(None)
    while True:
        pass
    yield


HOSTILE = {"patch_grade_then_spin": {"do_move_pages": _poison}}
