"""Steps unmap-and-move (e24f0b8f) and free-pages (aaa994b3): where the pages go when migrate_pages is done.

unmap-and-move: unmap_and_move makes the freed-under-us test itself, and on
any answer but -EAGAIN releases the new page (list_del moves from
move_to_lru into putback_lru_pages). free-pages: migrate_pages puts back
whatever is left on its list, the callers' putbacks go (migrate_to_node,
do_mbind), and with them the only one for pages that mbind isolated before
check_range failed: 2.6.18 leaks them. The commit's own transient leaks
(leftover new pages, the -ENOMEM path) last one step.
"""

import pytest

import migsim
from migsim.include.linux.list import list_add_tail
from migsim.include.linux.mm import VM_LOCKED, get_page, put_page
from migsim.include.linux.page_flags import PageLRU
from migsim.mm.filemap import new_private_list

from migsim import PAGE_SIZE as PAGE
EFAULT = 14


def one_page(at, data=b"page", **kw):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=4, **kw)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, data)
    return k, p, a


def call(k, fn, *args):
    """Run kernel function `fn` as a task to the end: its result."""
    t = k.start(fn, *args, label="ABCDEFGH"[len(k.tasks)])
    k.run_tasks()
    return t.result


def isolated(k, page):
    pages = new_private_list("from")
    assert call(k, k.isolate_lru_page, page, pages) == 0
    return pages


# --- unmap-and-move: the new page's way back ----------------------------------------------------------

def test_unmap_and_move_itself_releases_the_new_page_of_a_permanent_failure():
    """The ret: path: -EPERM (a VM_LOCKED vma) sends the unused new page back at once."""
    k, p, a = one_page("unmap-and-move")
    k.find_vma(p.mm, a).vm_flags |= VM_LOCKED
    page = k.page(p, a)
    isolated(k, page)
    to = new_private_list("to")
    newpage = k.alloc_pages_node(1)
    list_add_tail(newpage, to)
    rc = call(k, k.unmap_and_move, newpage, page, 0)
    assert rc == -1                            # -EPERM
    assert newpage not in to and newpage.pfn in k.nodes[1].free   # released, and freed: nobody used it


def test_unmap_and_move_makes_the_freed_under_us_test_itself():
    k, p, a = one_page("unmap-and-move")
    page = k.page(p, a)
    isolated(k, page)
    p.munmap(a, 1)                             # the owner lets go: only our isolation reference is left
    assert page._count == 1
    newpage = k.alloc_pages_node(1)
    to = new_private_list("to")
    list_add_tail(newpage, to)
    assert call(k, k.unmap_and_move, newpage, page, 0) == 0
    assert newpage.pfn in k.nodes[1].free


def test_the_diff_of_unmap_and_move_shows_list_del_moving_into_putback_lru_pages():
    diff = migsim.series.diff("unmap-and-move")
    names = {name for name, _, _ in migsim.series.changes("unmap-and-move")}
    assert {"move_to_lru", "putback_lru_pages", "unmap_and_move", "move_to_new_page", "migrate_pages"} <= names
    assert "-    list_del(page)" in diff and "+        list_del(page)" in diff
    assert "+        list_del(newpage)" in diff
    assert not {"move_to_lru", "putback_lru_pages"} & {n for n, _, _ in migsim.series.changes("free-pages")}


# --- free-pages: nothing stays on the list --------------------------------------------------------------

def test_from_free_pages_on_migrate_pages_leaves_nothing_on_its_list():
    """A page retried ten times (someone holds it) is back on the LRU when migrate_pages returns."""
    for at, left in (("unmap-and-move", 1), ("free-pages", 0)):
        k, p, a = one_page(at)
        page = k.page(p, a)
        get_page(page)                         # held: -EAGAIN on every pass
        pages, to = isolated(k, page), new_private_list("to")
        newpage = k.alloc_pages_node(1)
        list_add_tail(newpage, to)
        args = (pages, to) if at == "free-pages" else (pages, to, new_private_list("moved"),
                                                       new_private_list("failed"))
        assert call(k, k.migrate_pages, *args) == 1
        assert len(pages) == left, at
        assert bool(PageLRU(page)) == (left == 0), at
        put_page(page)


def test_the_callers_putbacks_go_at_free_pages():
    def source(name, at):
        return migsim.series.listing("mm/mempolicy.c", at).split(f"def {name}(")[1].split("\ndef ")[0]
    for name in ("migrate_to_node", "sys_mbind"):
        assert "putback_lru_pages" in source(name, "unmap-and-move"), name
        assert "putback_lru_pages" not in source(name, "free-pages"), name
    assert "putback_lru_pages" not in source("sys_mbind", "v2.6.18")
    assert "putback_lru_pages(from_)" in migsim.series.listing("mm/migrate.c", "free-pages").split(
        "def migrate_pages(")[1].split("\ndef ")[0]


def two_vmas_and_a_hole(at):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=8)
    k.sys_swapon(8)
    p = k.spawn("holes")
    a = p.mmap(2)
    hole = p.mmap(1)
    p.mmap(2)
    p.munmap(hole, 1)
    for addr in (a, a + PAGE):
        p.write(addr, b"on node 0")
    return k, p, a


@pytest.mark.parametrize("at, stranded", [("unmap-and-move", False), ("free-pages", True),
                                          ("new-page-t", True), ("v2.6.18", True)])
def test_pages_mbind_isolated_before_check_range_failed_stay_isolated_from_free_pages_on(at, stranded):
    """mbind(MOVE) over A, a hole, B: A's pages are isolated, then -EFAULT; nobody puts them back."""
    k, p, a = two_vmas_and_a_hole(at)
    assert p.mbind(a, 5, "bind", [1], migsim.MPOL_MF_MOVE) == -EFAULT
    pages = [k.page(p, a + i * PAGE) for i in range(2)]
    assert [bool(PageLRU(pg)) for pg in pages] == [not stranded] * 2
    assert all((pg.lru is not None and pg.lru.name == "pagelist") == stranded for pg in pages)
    k.check()                                  # the isolation reference is still counted: no invariant breaks
    assert p.read(a, 9) == b"on node 0"
    if stranded:                               # off the LRU for good: no later migration can take them
        assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
        assert [k.page(p, a + i * PAGE).node for i in range(2)] == [0, 0]


# --- free-pages' transient leaks (mended by new-page-t) -------------------------------------------------

@pytest.mark.parametrize("at, leaked", [("unmap-and-move", 0), ("free-pages", 1), ("new-page-t", 0)])
def test_a_new_page_left_over_is_leaked_only_at_free_pages(at, leaked):
    k, p, a = one_page(at)
    page = k.page(p, a)
    get_page(page)                             # -EAGAIN on every pass: its new page is never used
    before = len(k.nodes[1].free)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 1
    put_page(page)
    assert before - len(k.nodes[1].free) == leaked


@pytest.mark.parametrize("at, stranded", [("unmap-and-move", False), ("free-pages", True),
                                          ("new-page-t", False)])
def test_out_of_memory_leaves_the_isolated_pages_off_the_lru_only_at_free_pages(at, stranded):
    k, p, a = one_page(at)
    while k.alloc_pages_node(1) is not None:  # node 1 full: the new page cannot be had
        pass
    ret = k.sys_migrate_pages(p.pid, [0], [1])
    assert ret == (1 if at == "free-pages" else -12)
    assert bool(PageLRU(k.page(p, a))) == (not stranded)
