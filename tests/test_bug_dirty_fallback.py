"""Bug A of the series (scenario 4.A): a page dirty only in its pte, on the fallback path.

listfs has no migratepage and keeps its own list of dirty pages. In 2.6.16
the fallback path tests PageDirty before unmapping, so a page whose only
dirty bit is in the pte looks clean, is unmapped (which dirties it and puts
it on listfs's list) and then migrated anyway: the list is left pointing at
the freed old page. The fix (4c28f81193b6, 2.6.17-rc4) unmaps first.
"""

import pytest

import migsim

PAGE = migsim.PAGE_SIZE


def dirty_only_in_pte(at):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=4)
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=True)
    p.write(q, b"unsaved")
    page = k.page(p, q)
    assert k.pte(p, q).dirty and not (page.flags & (1 << 4))   # dirty in the pte, not PG_dirty
    k.sys_swapon(8)
    return k, p, q, f


BEFORE_FIX = ["v2.6.16", "reorg", "fixups", "unexport-swap-page"]
AFTER_FIX = ["dirty-fallback", "redo-fault", "rename-migration", "group-functions", "remove-definitions",
             "drop-nr-refs", "extract-unmap", "pass-mapping", "fallback-function"]


@pytest.mark.parametrize("at", BEFORE_FIX)
def test_bug_a_lives_before_the_fix(at):
    k, p, q, f = dirty_only_in_pte(at)
    old = k.page(p, q)
    k.sys_migrate_pages(p.pid, [0], [1])
    assert old in f.i_mapping.private_list and old._count == 0   # the list points at a freed frame
    with pytest.raises(migsim.BadPageState, match="own dirty list points at pfn"):
        k.check()


@pytest.mark.parametrize("at", AFTER_FIX)
def test_bug_a_is_gone_after_the_fix(at):
    k, p, q, f = dirty_only_in_pte(at)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    k.check()
    assert f.i_mapping.private_list == []                      # written out before it moved
    assert f.disk[0].startswith(b"unsaved")
    assert f.i_mapping.page_tree[0].node == 1
    assert p.read(q, 7) == b"unsaved"
