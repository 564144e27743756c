"""The references allowed when a page's mapping is switched, step by step.

From drop-nr-refs on, migrate_page_remove_references (later
migrate_page_move_mapping) works the count out itself: 2 for a page with a
mapping (the isolation reference plus the radix tree's), 3 with buffers too;
one reference more means someone else uses the page: -EAGAIN. A page with no
mapping (anonymous, outside the swap cache) is refused at drop-nr-refs and
extract-unmap, is never passed in from pass-mapping on, and only at
swapless-core moves when its count is 1 (the isolation reference).
"""

import pytest

import migsim
from migsim.include.linux.mm import get_page, page_mapcount
from migsim.include.linux.page_flags import TestSetPageLocked
from migsim.mm.filemap import new_private_list

EAGAIN = 11


def isolated(k, page):
    lst = new_private_list("test")
    k._run(k.isolate_lru_page(page, lst), k.init)
    assert not TestSetPageLocked(page)
    newpage = k.alloc_pages_node(1)
    assert not TestSetPageLocked(newpage)
    return newpage


def anon_mapped(k):
    """An anonymous page outside the swap cache, mapped once and isolated."""
    p = k.spawn("anon")
    a = p.mmap(1)
    p.write(a, b"x")
    page = k.page(p, a)
    return p, a, page, isolated(k, page)


def anon_without_mapping(k):
    p, a, page, newpage = anon_mapped(k)
    p.munmap(a, 1)                            # unmapped while isolated: only our reference is left
    return page, newpage


def anon_in_swap_cache(k):
    k.sys_swapon(4)
    p, a, page, newpage = anon_mapped(k)
    assert k._run(k.add_to_swap(page), k.init) == 1
    return page, newpage


def file_page(k, fs):
    """A page-cache page of a file on `fs`, read through a private map, and its isolated target."""
    p = k.spawn("reader")
    q = p.mmap(1, file=k.create_file(f"on-{fs}", 1, fs=fs), shared=False)
    p.read(q, 1)
    page = k.page(p, q)
    return page, isolated(k, page)


def page_cache(k):
    return file_page(k, "listfs")


def page_cache_with_buffers(k):
    return file_page(k, "ext2")


def kernel(at):
    return migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=6)


@pytest.mark.parametrize("kind", [anon_in_swap_cache, page_cache, page_cache_with_buffers])
@pytest.mark.parametrize("extra", [0, 1])
def test_the_expected_count_depends_on_the_kind_of_page(kind, extra):
    k = kernel("drop-nr-refs")
    page, newpage = kind(k)
    for _ in range(extra):
        get_page(page)                        # someone else holds the page
    rc = k._run(k.migrate_page_remove_references(newpage, page), k.init)
    assert rc == (-EAGAIN if extra else 0)
    assert newpage._count == (1 if extra else 2)   # the radix tree's reference went to the new page


def test_before_drop_nr_refs_the_caller_said_what_to_expect():
    k = kernel("remove-definitions")
    page, newpage = page_cache_with_buffers(k)
    assert k._run(k.migrate_page_remove_references(newpage, page, 2), k.init) == -EAGAIN   # wrong count
    assert k._run(k.migrate_page_remove_references(newpage, page, 3), k.init) == 0


def test_drop_nr_refs_refuses_a_page_without_mapping_before_unmapping_it():
    k = kernel("drop-nr-refs")
    p, a, page, newpage = anon_mapped(k)
    assert k._run(k.migrate_page_remove_references(newpage, page), k.init) == -EAGAIN
    assert k.pte(p, a).present and page_mapcount(page) == 1    # its pte was left alone


@pytest.mark.parametrize("at", ["drop-nr-refs", "extract-unmap"])
def test_a_page_without_mapping_never_moves_before_swapless_core(at):
    k = kernel(at)
    page, newpage = anon_without_mapping(k)
    assert page._count == 1                   # the count the later rule would accept
    move = k.migrate_page_remove_references if at == "drop-nr-refs" else k.migrate_page_move_mapping
    assert k._run(move(newpage, page), k.init) == -EAGAIN
    assert newpage.mapping is None and newpage._count == 1


@pytest.mark.parametrize("count, rc", [(1, 0), (2, -EAGAIN)])
def test_swapless_core_moves_a_page_without_mapping_on_its_isolation_reference_alone(count, rc):
    k = kernel("swapless-core")
    page, newpage = anon_without_mapping(k)
    for _ in range(count - 1):
        get_page(page)
    points = list(k.migrate_page_move_mapping(None, newpage, page))
    assert points == []                       # no tree_lock: not even a scheduling point
    assert k._run(k.migrate_page_move_mapping(None, newpage, page), k.init) == rc
    assert newpage._count == 1                # no radix tree, so no reference for the new page


def hunks(step_id, function):
    """The hunks of series.diff(step_id) labelled with `function`: one list of lines each."""
    out, current = [], None
    for line in migsim.series.diff(step_id).splitlines():
        if line.startswith("@@"):
            current = [] if line.endswith(" " + function) else None
            if current is not None:
                out.append(current)
        elif line.startswith(("--- ", "+++ ")):
            current = None
        elif current is not None:
            current.append(line)
    return out


def changed(step_id, function, sign):
    """The lines `sign` ("+" or "-") adds or removes in `function`'s hunks, stripped."""
    return [line[1:].strip() for hunk in hunks(step_id, function) for line in hunk
            if line.startswith(sign)]


def test_drop_nr_refs_keeps_refusing_a_page_without_mapping_and_counts_two_or_three():
    added = changed("drop-nr-refs", "migrate_page_remove_references", "+")
    removed = changed("drop-nr-refs", "migrate_page_remove_references", "-")
    assert "if mapping is None:" in added     # the early test keeps only its mapping half
    assert "if mapping is None or page_mapcount(page) + nr_refs != page._count:" in removed
    assert any("2 + (1 if PagePrivate(page) else 0)" in line for line in added)
    assert not any("page._count == 1" in line for line in added)


def test_extract_unmap_moves_the_no_mapping_refusal_into_move_mapping():
    [hunk] = hunks("extract-unmap", "migrate_page_move_mapping")
    body = "\n".join(line[1:] for line in hunk)
    assert "    if mapping is None:\n        return -EAGAIN\n" in body
    assert "page_mapping(page) is None or" in body
    assert "page._count == 1" not in body


def test_pass_mapping_removes_every_no_mapping_test():
    removed = changed("pass-mapping", "migrate_page_move_mapping", "-")
    assert "if mapping is None:" in removed
    assert any(line.startswith("if page_mapping(page) is None or") for line in removed)
    assert "if page.mapping is None:" in changed("pass-mapping", "buffer_migrate_page", "-")
    for function in ("migrate_page_move_mapping", "buffer_migrate_page"):
        assert not any("is None" in line for line in changed("pass-mapping", function, "+"))


def test_swapless_core_adds_the_count_one_branch_to_move_mapping():
    added = changed("swapless-core", "migrate_page_move_mapping", "+")
    assert added[-2:] == ["if mapping is None:", "return 0 if page._count == 1 else -EAGAIN"]
    assert not any("is None" in line for line in changed("swapless-core", "migrate_page_move_mapping", "-"))
