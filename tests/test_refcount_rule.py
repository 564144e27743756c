"""drop-nr-refs: the references allowed when a page's mapping is switched.

From drop-nr-refs on, migrate_page_remove_references (later
migrate_page_move_mapping) works the count out itself: 1 for an anonymous
page with no mapping (the isolation reference), 2 with a mapping (plus the
radix tree's), 3 with buffers too. One reference more means someone else
uses the page: -EAGAIN.
"""

import pytest

import migsim
from migsim.include.linux.mm import get_page
from migsim.include.linux.page_flags import TestSetPageLocked
from migsim.mm.filemap import new_private_list

AT = "drop-nr-refs"


def isolated(k, page):
    lst = new_private_list("test")
    k._run(k.isolate_lru_page(page, lst), k.init)
    assert not TestSetPageLocked(page)
    newpage = k.alloc_pages_node(1)
    assert not TestSetPageLocked(newpage)
    return newpage


def anon_without_mapping(k):
    p = k.spawn("anon")
    a = p.mmap(1)
    p.write(a, b"x")
    page = k.page(p, a)
    newpage = isolated(k, page)
    p.munmap(a, 1)                            # unmapped while isolated: only our reference is left
    return page, newpage, 1


def anon_in_swap_cache(k):
    k.sys_swapon(4)
    p = k.spawn("anon")
    a = p.mmap(1)
    p.write(a, b"x")
    page = k.page(p, a)
    newpage = isolated(k, page)
    assert k._run(k.add_to_swap(page), k.init) == 1
    return page, newpage, 2


def page_cache(k):
    f = k.create_file("log", 1, fs="listfs")
    p = k.spawn("reader")
    q = p.mmap(1, file=f, shared=False)
    p.read(q, 1)
    page = k.page(p, q)
    return page, isolated(k, page), 2


def page_cache_with_buffers(k):
    f = k.create_file("notes", 1, fs="ext2")
    p = k.spawn("reader")
    q = p.mmap(1, file=f, shared=False)
    p.read(q, 1)
    page = k.page(p, q)
    return page, isolated(k, page), 3


@pytest.mark.parametrize("kind", [anon_without_mapping, anon_in_swap_cache, page_cache, page_cache_with_buffers])
@pytest.mark.parametrize("extra", [0, 1])
def test_the_expected_count_depends_on_the_kind_of_page(kind, extra):
    k = migsim.Kernel(at=AT, nodes=2, frames_per_node=16, seed=6)
    page, newpage, expected = kind(k)
    for _ in range(extra):
        get_page(page)                        # someone else holds the page
    rc = k._run(k.migrate_page_remove_references(newpage, page), k.init)
    assert rc == (-11 if extra else 0)        # -EAGAIN with the extra reference
    moved_slot = rc == 0 and expected > 1     # the radix tree's reference went to the new page
    assert newpage._count == (2 if moved_slot else 1)


def test_before_drop_nr_refs_the_caller_said_what_to_expect():
    k = migsim.Kernel(at="remove-definitions", nodes=2, frames_per_node=16, seed=6)
    page, newpage, expected = page_cache_with_buffers(k)
    assert k._run(k.migrate_page_remove_references(newpage, page, 2), k.init) == -11   # wrong count given
    assert k._run(k.migrate_page_remove_references(newpage, page, 3), k.init) == 0
