"""migsim.draw, continued: the rmap list, the schedule timeline, and the live machine picture."""

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_rgba
from matplotlib.text import Annotation

import migsim
from migsim import draw, scenarios
from migsim.sched import expand
from helpers import texts


def family(at):
    """A parent with one written anonymous page, and a child forked from it: (k, parent, child, a)."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=2006)
    parent = k.spawn("parent")
    a = parent.mmap(2)
    parent.write(a, b"family")
    child = parent.fork()
    return k, parent, child, a


def gid_patches(ax, prefix):
    return [p for p in ax.patches if (p.get_gid() or "").startswith(prefix)]


def vma_boxes(ax):
    """The vma boxes of an rmap picture, left to right."""
    return sorted(gid_patches(ax, "vma:"), key=lambda p: p.get_x())


def box_pids(ax):
    return [int(p.get_gid().split(":")[2]) for p in vma_boxes(ax)]


# --- draw_rmap ---------------------------------------------------------------------------------

@pytest.mark.parametrize("at", ["swapless-core", "fork-race-fix"])
def test_rmap_draws_one_box_per_vma_in_list_order(at):
    k, parent, child, a = family(at)
    grandchild = child.fork()
    anon_vma = k.page(parent, a).mapping
    ax = draw.draw_rmap(k, anon_vma)
    assert len(vma_boxes(ax)) == len(anon_vma.head) == 3
    assert box_pids(ax) == [vma.vm_mm.owner.pid for vma in anon_vma.head]
    assert sorted(box_pids(ax)) == [parent.pid, child.pid, grandchild.pid]


def test_head_insertion_puts_the_forked_childs_vma_first():
    k, parent, child, a = family("swapless-core")
    ax = draw.draw_rmap(k, k.page(parent, a))
    assert box_pids(ax) == [child.pid, parent.pid]


def test_tail_insertion_after_the_fix_puts_the_forked_childs_vma_last():
    k, parent, child, a = family("fork-race-fix")
    ax = draw.draw_rmap(k, k.page(parent, a))
    assert box_pids(ax) == [parent.pid, child.pid]


def test_rmap_arrows_run_from_the_head_along_the_list():
    k, parent, child, a = family("swapless-core")
    ax = draw.draw_rmap(k, k.page(parent, a))
    (head,) = gid_patches(ax, "rmap-head")
    boxes = vma_boxes(ax)
    arrows = sorted((t for t in ax.texts if isinstance(t, Annotation)), key=lambda t: t.get_gid())
    assert [t.get_gid() for t in arrows] == ["next:0", "next:1"]
    starts = [head.get_x() + head.get_width()] + [b.get_x() + b.get_width() for b in boxes[:-1]]
    for arrow, start, box in zip(arrows, starts, boxes):
        assert arrow.xyann[0] == pytest.approx(start)          # from the previous box's right edge
        assert arrow.xy[0] == pytest.approx(box.get_x())       # to this box's left edge
    assert head.get_x() < boxes[0].get_x()


def test_rmap_boxes_name_pid_and_address_range_and_the_pte():
    k, parent, child, a = family("swapless-core")
    ax = draw.draw_rmap(k, k.page(parent, a))
    vma = parent.mm.mmap[0]
    (label,) = [t for t in texts(ax) if t.startswith(f"pid {parent.pid} ")]
    assert f"{vma.vm_start:08x}-{vma.vm_end:08x}" in label
    assert f"at {a:08x}:\npresent ro" in label                 # shared copy-on-write after the fork
    assert any(t.startswith("anon_vma #") for t in texts(ax))


def test_rmap_shows_the_orphaned_migration_entry_of_the_fork_race():
    out = scenarios.run(scenarios.FORK_RACE, "swapless-core", scenarios.FORK_RACE.schedule)
    assert out.failed
    k = out.kernel
    a = 0x40008000
    parent = k.process(100)
    ax = draw.draw_rmap(k, parent.mm.mmap[-1].anon_vma, address=a)
    colours = {int(b.get_gid().split(":")[2]): b.get_facecolor() for b in vma_boxes(ax)}
    orphan = max(colours)                                     # the child forked during migration
    assert k.pte(k.process(orphan), a).migration
    assert colours[orphan] == to_rgba(draw.PALETTE["migration"])
    assert all(c == to_rgba(draw.PALETTE["anon"]) for pid, c in colours.items() if pid != orphan)
    assert box_pids(ax)[0] == orphan                          # head insertion: visited first


def test_rmap_of_a_file_page_is_its_i_mmap_list():
    k = migsim.Kernel(at="swapless-core", nodes=2, frames_per_node=16, seed=2006)
    f = k.create_file("notes", npages=2)
    p = k.spawn("cat")
    q = p.mmap(2, file=f, shared=True)
    p.read(q, 1)
    c = p.fork()
    page = k.page(p, q)
    for what in (page, f, f.i_mapping):
        ax = draw.draw_rmap(k, what)
        assert box_pids(ax) == [vma.vm_mm.owner.pid for vma in f.i_mapping.i_mmap] == [p.pid, c.pid]
    assert any(t.startswith("notes: i_mmap") for t in texts(ax))


def test_rmap_refuses_what_has_no_list():
    k, parent, child, a = family("swapless-core")
    with pytest.raises(migsim.MigsimError, match="rmap to draw"):
        draw.draw_rmap(k, 42)
    with pytest.raises(migsim.MigsimError, match="address"):
        draw.draw_rmap(k, k.page(parent, a), address=a)


def test_drawing_the_rmap_changes_nothing():
    k, parent, child, a = family("swapless-core")
    before = k.dump()
    draw.draw_rmap(k, k.page(parent, a))
    draw.draw_rmap(k, k.page(parent, a).mapping, address=a)
    assert k.dump() == before


# --- draw_timeline ------------------------------------------------------------------------------

def step_boxes(ax):
    boxes = gid_patches(ax, "step:")
    return sorted(boxes, key=lambda b: int(b.get_gid().split(":")[1]))


def test_timeline_draws_one_box_per_step_in_order():
    ax = draw.draw_timeline("M85F9M6F2M")
    boxes = step_boxes(ax)
    steps = expand("M85F9M6F2M")
    assert len(boxes) == len(steps) == 103
    assert [b.get_gid().split(":")[2] for b in boxes] == list(steps)
    xs = [b.get_x() for b in boxes]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_timeline_has_one_lane_per_distinct_label():
    ax = draw.draw_timeline("MMFMAF")
    lane = {}
    for b in step_boxes(ax):
        lane.setdefault(b.get_gid().split(":")[2], set()).add(b.get_y())
    assert set(lane) == {"M", "F", "A"}
    assert all(len(ys) == 1 for ys in lane.values())          # a task stays in its lane
    assert len({ys.pop() for ys in lane.values()}) == 3       # and lanes are apart
    assert [t.get_text() for t in ax.get_yticklabels()] == ["M", "F", "A"]


def test_timeline_marks_the_failing_step_red_and_only_it():
    ax = draw.draw_timeline("M85F9M6F2M", failing_step=-1)
    boxes = step_boxes(ax)
    red = [b for b in boxes if b.get_facecolor() == to_rgba(draw.STYLE["failing"])]
    assert [b.get_gid() for b in red] == ["step:102:M"]
    r, g, b_, _ = to_rgba(draw.STYLE["failing"])
    assert r > 0.7 and g < 0.3 and b_ < 0.3
    assert "fails at step 102" in ax.get_title(loc="left") or "step 102 fails" in ax.get_title(loc="left")
    ax = draw.draw_timeline("MMFM", failing_step=2)
    reds = [b.get_gid() for b in step_boxes(ax) if b.get_facecolor() == red[0].get_facecolor()]
    assert reds == ["step:2:F"]


def test_timeline_without_failure_has_no_red_box():
    ax = draw.draw_timeline("M3F2")
    assert not [b for b in step_boxes(ax) if b.get_facecolor() == to_rgba(draw.STYLE["failing"])]


def test_timeline_lanes_from_labels_and_point_names_at_switches():
    names = ["down_read", "spin_lock", "dup_mmap_vma", "spin_lock"]
    ax = draw.draw_timeline("MMFM", labels={"M": "sys_migrate_pages", "F": "fork"}, point_names=names)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["M  sys_migrate_pages", "F  fork"]
    shown = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("name:")}
    assert shown == {"name:0": "down_read", "name:2": "dup_mmap_vma", "name:3": "spin_lock"}
    ax = draw.draw_timeline("MF", labels="FMA")                 # a lane with no steps is still drawn
    assert [t.get_text() for t in ax.get_yticklabels()] == ["F", "M", "A"]


def test_timeline_point_names_stay_inside_the_figure():
    """A name near the end that would run past the figure's right edge is left out (it widened the picture)."""
    steps = expand(scenarios.FORK_RACE.schedule)
    names = [f"remove_migration_ptes_vma pfn 0x{i:04x}" for i in range(len(steps))]
    ax = draw.draw_timeline(scenarios.FORK_RACE.schedule, point_names=names)
    fig = ax.figure
    fig.canvas.draw()
    right = fig.bbox.x1
    past = [t.get_text() for t in ax.texts if t.get_window_extent().x1 > right + 0.5]
    assert past == [] and len(ax.texts) >= 2
    plt.close(fig)


def test_timeline_x_axis_is_marked_where_the_cpu_changes():
    ax = draw.draw_timeline("M85F9M6F2M")
    ticks = [int(t) for t in ax.get_xticks()]
    assert ticks[0] == 0 and ticks[-1] == 103
    assert set(ticks) <= {0, 85, 94, 100, 102, 103}
    assert {85, 94} <= set(ticks)


def test_timeline_refuses_bad_arguments():
    with pytest.raises(migsim.MigsimError, match="failing_step"):
        draw.draw_timeline("MMF", failing_step=3)
    with pytest.raises(migsim.MigsimError, match="point_names"):
        draw.draw_timeline("MMF", point_names=["a"])
    with pytest.raises(migsim.MigsimError, match="labels"):
        draw.draw_timeline("MMF", labels="M")
    with pytest.raises(migsim.MigsimError, match="schedule"):
        draw.draw_timeline(["M"])


def test_new_drawings_use_the_given_axes_and_never_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **kw: pytest.fail("plt.show() called"))
    k, parent, child, a = family("swapless-core")
    fig, (ax1, ax2) = plt.subplots(2)
    assert draw.draw_rmap(k, k.page(parent, a), ax=ax1) is ax1
    assert draw.draw_timeline("MMF", ax=ax2) is ax2


def test_offscreen_drawings_make_no_pyplot_figure():
    k, parent, child, a = family("swapless-core")
    before = plt.get_fignums()
    with draw.offscreen():
        axes = [draw.draw_machine(k), draw.draw_rmap(k, k.page(parent, a)), draw.draw_timeline("MF"),
                draw.draw_page_table(k, parent)]
    assert plt.get_fignums() == before
    assert all(draw.figure_png(ax.figure).startswith(b"\x89PNG") for ax in axes)


# --- MachinePicture: draw_machine kept up to date ---------------------------------------------

def picture_colours(ax):
    return {p.get_gid(): p.get_facecolor() for p in gid_patches(ax, "frame:")}


def test_machine_picture_shows_what_draw_machine_shows_at_every_state():
    k, ctx = scenarios.FORK_RACE.build("swapless-core")
    live = draw.MachinePicture(k)
    banded = 0
    for i, label in enumerate(expand("M40F5M20")):
        k.task(label).step()
        live.update(k)
        if i % 4 == 2:
            fresh = draw.draw_machine(k)
            assert picture_colours(live.ax) == picture_colours(fresh)
            bands = {b.get_gid().split(":", 2)[2]: b.get_facecolor() for b in gid_patches(fresh, "band:")}
            shown = {b.get_gid().split(":")[1]: b.get_facecolor() for b in live.bands.values()
                     if b.get_visible()}
            assert shown == bands
            labels = {t.get_gid().split(":", 2)[2]: t.get_text() for t in fresh.texts
                      if (t.get_gid() or "").startswith("owner:")}
            assert {f"{pfn:x}": t.get_text() for pfn, t in live.labels.items() if t.get_text()} == labels
            banded += bool(bands)
            plt.close("all")
    assert banded >= 2                                        # locked frames were compared too


def test_machine_picture_updated_in_place_renders_like_a_fresh_one():
    k, ctx = scenarios.FORK_RACE.build("swapless-core")
    live = draw.MachinePicture(k)
    first = live.png()
    k.replay("M60")
    assert live.update(k) is True
    assert live.png() == draw.MachinePicture(k).png() != first


def test_machine_picture_redrawn_only_where_it_changed_renders_like_a_fresh_one_at_every_state():
    k, ctx = scenarios.FORK_RACE.build("swapless-core")
    live = draw.MachinePicture(k, dpi=75)
    compared = 0
    for i in range(100):
        f = k.task("F")
        (f if 60 <= i and not f.done else k.task("M")).step()   # M, then the whole fork, then M again
        changed = live.update(k)
        png = live.png()                                      # a partial redraw after every step
        if changed and i % 3 == 0:
            assert png == draw.MachinePicture(k, dpi=75).png(), f"step {i}"
            compared += 1
    assert compared >= 10


def test_machine_picture_is_not_redrawn_when_nothing_visible_changed():
    k, ctx = scenarios.FORK_RACE.build("swapless-core")
    live = draw.MachinePicture(k)
    png = live.png()
    k.replay("M")                                             # down_read: no frame changes
    assert live.update(k) is False
    assert live.png() is png
