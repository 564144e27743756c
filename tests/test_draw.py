"""migsim.draw: what the pictures show (frames, colours, labels, arrows), not just that they run."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Annotation

import migsim
from migsim import draw
from helpers import PAGE, texts, written_pages


def machine(nodes=2, frames=32):
    return migsim.Kernel(at="v2.6.16", nodes=nodes, frames_per_node=frames, seed=2006)


def gcc_with_pages(k, n=2):
    return written_pages(k, n, mapped=4)


def frames(ax):
    """gid -> rectangle for every frame drawn."""
    return {r.get_gid(): r for r in ax.patches if (r.get_gid() or "").startswith("frame:")}


def frame(ax, k, pfn):
    return frames(ax)[f"frame:{k.pfn_to_page(pfn).node}:{pfn:x}"]


def colour_of(ax, k, pfn):
    return frame(ax, k, pfn).get_facecolor()


def arrows(ax):
    return [t for t in ax.texts if isinstance(t, Annotation) and t.arrow_patch is not None]


def inside(point, patch):
    x, y = point
    return (patch.get_x() <= x <= patch.get_x() + patch.get_width()
            and patch.get_y() <= y <= patch.get_y() + patch.get_height())


def node_block(ax, nid):
    (block,) = [b for b in ax.patches if b.get_gid() == f"node:{nid}"]
    return block


# --- draw_machine --------------------------------------------------------------------

@pytest.mark.parametrize("nodes,per_node", [(2, 32), (3, 10), (1, 4)])
def test_machine_draws_one_rectangle_per_frame_of_each_node(nodes, per_node):
    k = machine(nodes, per_node)
    ax = draw.draw_machine(k)
    drawn = frames(ax)
    for zone in k.nodes:
        mine = [g for g in drawn if g.startswith(f"frame:{zone.nid}:")]
        assert len(mine) == per_node
    assert len(drawn) == nodes * per_node


def test_machine_has_one_labelled_block_per_node():
    k = machine()
    ax = draw.draw_machine(k)
    assert [b.get_gid() for b in ax.patches if (b.get_gid() or "").startswith("node:")] == ["node:0", "node:1"]
    assert "node 1   pfn 0x2000-0x201f   32 free" in texts(ax)


def test_free_and_anonymous_frames_have_their_palette_colours():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    anon = k.page(p, a).pfn
    ax = draw.draw_machine(k)
    assert colour_of(ax, k, anon) == to_rgba(draw.PALETTE["anon"])
    assert colour_of(ax, k, anon + 1) == to_rgba(draw.PALETTE["free"])
    assert draw.PALETTE["anon"] != draw.PALETTE["free"]


def test_every_state_has_its_own_colour_and_legend_label():
    assert len(set(draw.PALETTE.values())) == len(draw.PALETTE)
    assert set(draw.STATE_LABELS) == set(draw.PALETTE)
    ax = draw.draw_machine(machine())
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [draw.STATE_LABELS[s] for s in draw.ALWAYS_IN_LEGEND]


def test_anonymous_frame_is_labelled_with_the_pids_that_map_it():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    c = p.fork()
    shared = k.page(p, a).pfn
    ax = draw.draw_machine(k)
    assert f"{p.pid}\n{c.pid}" in texts(ax)
    c.write(a, b"child")                       # copy-on-write: the child gets its own frame
    ax = draw.draw_machine(k)
    assert str(c.pid) in texts(ax) and str(p.pid) in texts(ax)
    assert k.page(c, a).pfn != shared


def test_file_page_is_coloured_as_page_cache_and_labelled_with_the_file():
    k = machine()
    p = k.spawn("cat")
    f = k.create_file("notes", npages=2)
    q = p.mmap(2, file=f, shared=True)
    p.read(q, 4)
    ax = draw.draw_machine(k)
    assert colour_of(ax, k, k.page(p, q).pfn) == to_rgba(draw.PALETTE["file"])
    assert "notes" in texts(ax)


def test_swapped_in_page_is_coloured_as_swap_cache():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    k.sys_swapon(64)
    k.reclaim(1)
    assert k.pte(p, a).swap
    p.read(a, 1)                               # swap-in leaves the page in the swap cache
    ax = draw.draw_machine(k)
    assert colour_of(ax, k, k.page(p, a).pfn) == to_rgba(draw.PALETTE["swapcache"])


def test_page_locked_during_migration_is_coloured_locked():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    old = k.page(p, a).pfn
    k.sys_swapon(64)
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    while not k.pte(p, a).swap:                # until try_to_unmap has put in the swap entry
        t.step()
    ax = draw.draw_machine(k)
    assert colour_of(ax, k, old) == to_rgba(draw.PALETTE["locked"])
    assert str(p.pid) in texts(ax)             # found through its swap entry
    (band,) = [r for r in ax.patches if r.get_gid() == f"band:0:{old:x}"]
    assert band.get_facecolor() == to_rgba(draw.PALETTE["swapcache"])   # locked, and in the swap cache
    t.run()
    ax = draw.draw_machine(k)
    assert not [r for r in ax.patches if (r.get_gid() or "").startswith("band:")]


def test_drawing_changes_nothing_in_the_machine():
    k = machine()
    p, a = gcc_with_pages(k, 3)
    k.sys_swapon(64)
    k.reclaim(1)
    before = k.dump()
    draw.draw_machine(k)
    draw.draw_page_table(k, p)
    assert k.dump() == before
    k.check()


def test_draw_uses_the_given_axes_and_makes_a_figure_otherwise():
    k = machine()
    fig, ax = plt.subplots()
    assert draw.draw_machine(k, ax=ax) is ax
    n = len(plt.get_fignums())
    ax2 = draw.draw_page_table(k, k.spawn("sh"))
    assert ax2 is not ax and len(plt.get_fignums()) == n + 1


def test_draw_never_calls_show(monkeypatch):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show() called")
    monkeypatch.setattr(plt, "show", no_show)
    k = machine()
    p, _ = gcc_with_pages(k)
    draw.draw_machine(k)
    draw.draw_page_table(k, p)


# --- draw_page_table --------------------------------------------------------------------

def present_ptes(k, p):
    return [addr for vma in p.mm.mmap for addr in range(vma.vm_start, vma.vm_end, PAGE) if k.pte(p, addr).present]


def test_one_arrow_per_present_pte():
    k = machine()
    p, a = gcc_with_pages(k, 3)
    ax = draw.draw_page_table(k, p)
    assert len(arrows(ax)) == len(present_ptes(k, p)) == 3
    assert sorted(t.get_gid() for t in arrows(ax)) == [f"pte:{a + i * PAGE:08x}" for i in range(3)]


def test_arrow_ends_at_the_frame_the_pte_maps():
    k = machine()
    p, a = gcc_with_pages(k, 2)
    ax = draw.draw_page_table(k, p)
    rects = frames(ax)
    assert sorted(arrow.get_gid() for arrow in arrows(ax)) == [f"pte:{a:08x}", f"pte:{a + PAGE:08x}"]
    for arrow in arrows(ax):
        addr = int(arrow.get_gid().split(":")[1], 16)
        pfn = k.pte(p, addr).pfn
        target = rects[f"frame:0:{pfn:x}"]
        assert arrow.xy[0] == target.get_x()
        assert target.get_y() <= arrow.xy[1] <= target.get_y() + target.get_height()


def test_rows_show_address_and_pte_value():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    ax = draw.draw_page_table(k, p)
    assert f"{a:08x}" in texts(ax)
    assert f"0x{k.pte(p, a).value:08x}" in texts(ax)
    assert "present rw" in texts(ax)


def test_swap_entries_get_a_mark_and_no_arrow():
    k = machine()
    p, a = gcc_with_pages(k, 2)
    k.sys_swapon(64)
    k.reclaim(2)
    views = [k.pte(p, a + i * PAGE) for i in range(2)]
    assert all(v.swap for v in views)
    ax = draw.draw_page_table(k, p)
    assert arrows(ax) == []
    for v in views:
        assert f"swap {v.swp_type}/{v.swp_offset}" in texts(ax)
    marks = [m for m in ax.patches if (m.get_gid() or "").startswith("pte:")]
    assert len(marks) == 2


def test_after_migration_the_arrows_point_into_node_1():
    k = machine()
    p, a = gcc_with_pages(k, 3)
    ax = draw.draw_page_table(k, p)
    assert all(inside(arr.xy, node_block(ax, 0)) for arr in arrows(ax))
    k.sys_swapon(64)
    assert k.sys_migrate_pages(p.pid, [0], [1]) == 0
    ax = draw.draw_page_table(k, p)
    assert len(arrows(ax)) == 3
    assert all(inside(arr.xy, node_block(ax, 1)) for arr in arrows(ax))
    assert not any(inside(arr.xy, node_block(ax, 0)) for arr in arrows(ax))


def test_page_table_frames_use_the_machine_colours():
    k = machine()
    p, a = gcc_with_pages(k, 1)
    k.sys_swapon(64)
    k.reclaim(1)
    p.read(a, 1)                               # a swap-cache page
    pfn = k.page(p, a).pfn
    assert colour_of(draw.draw_page_table(k, p), k, pfn) == colour_of(draw.draw_machine(k), k, pfn)


def test_process_without_ptes_draws_no_rows():
    k = machine()
    p = k.spawn("sleep")
    p.mmap(2)                                  # mapped but never touched: no ptes
    ax = draw.draw_page_table(k, p)
    assert arrows(ax) == []
    assert "no frames of this process" in texts(ax)


# --- speed ----------------------------------------------------------------------------------
