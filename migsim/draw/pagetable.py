"""A process's page table: its ptes on the left, arrows to their frames on the right (draw_page_table)."""

from matplotlib.patches import FancyBboxPatch, Rectangle

from ..include.asm_i386 import pgtable as pg
from .frames import _band, _ptes, _states, band_kind, check_process, check_size
from .style import PALETTE, STYLE, _finish, _legend_handles, _new_axes, _swap_handle, check_picture


MAX_PTES = 128              # rows a page-table picture shows (more are unreadable and take seconds)


def pte_kind(v):
    """Short text for the kind column of a pte row."""
    if v.present:
        return "present " + ("rw" if v.write else "ro")
    if v.migration:
        return "migration entry"
    if v.swap:
        return "swap entry"
    return "protnone" if v.protnone else "file"


def _draw_node_column(ax, zone, pfns, states, x0, y0, row_h):
    """Node `zone` as a column of the frames `pfns` (top at y0); return {pfn: arrow target}."""
    pad, box_w, box_h = 0.3, 4.2, 0.75
    inset = (row_h - box_h) / 2
    h = max(1, len(pfns)) * row_h
    ax.add_patch(FancyBboxPatch((x0 - pad, y0 - h - pad + inset), box_w + 2 * pad, h + 2 * pad - 2 * inset,
                                boxstyle="round,pad=0,rounding_size=0.3", facecolor=STYLE["block"],
                                edgecolor=STYLE["block_edge"], linewidth=1.0, gid=f"node:{zone.nid}",
                                zorder=0))
    ax.text(x0 - pad, y0 + pad + 0.1, f"node {zone.nid}  ({zone.nr_free} of {zone.nr_frames} free)",
            ha="left", va="bottom", fontsize=STYLE["fontsize"], fontweight="bold")
    if not pfns:
        ax.text(x0 + box_w / 2, y0 - row_h / 2, "no frames of this process", ha="center", va="center",
                fontsize=STYLE["small"] + 1, color="#666666", style="italic")
    targets = {}
    for i, pfn in enumerate(pfns):
        y = y0 - (i + 1) * row_h + inset
        page = zone.pages[pfn - zone.start_pfn]
        ax.add_patch(Rectangle((x0, y), box_w, box_h, facecolor=PALETTE[states[pfn]],
                               edgecolor=STYLE["edge"], linewidth=0.6, gid=f"frame:{zone.nid}:{pfn:x}",
                               zorder=1))
        _band(ax, page, states[pfn], x0, y, box_w, box_h, f"band:{zone.nid}:{pfn:x}")
        ax.text(x0 + 0.2, y + box_h / 2, f"pfn 0x{pfn:x}", ha="left", va="center",
                family=STYLE["mono"], fontsize=STYLE["fontsize"] - 1, zorder=2)
        ax.text(x0 + box_w - 0.2, y + box_h / 2, f"maps {page._mapcount + 1}", ha="right", va="center",
                fontsize=STYLE["small"] + 1, zorder=2)
        targets[pfn] = (x0, y + box_h / 2)
    return targets


def _swap_mark(ax, x, y, v, gid):
    """A hatched tag 'swap type/offset' (or 'migration pfn') where a swap pte's kind goes."""
    text = f"migration 0x{v.swp_offset:x}" if v.migration else f"swap {v.swp_type}/{v.swp_offset}"
    ax.add_patch(FancyBboxPatch((x, y - 0.28), 2.6, 0.56, boxstyle="round,pad=0.04",
                                facecolor="white", edgecolor=STYLE["swap_mark"], hatch="////",
                                linewidth=1.2, gid=gid))
    ax.text(x + 1.3, y, text, ha="center", va="center", fontsize=STYLE["fontsize"] - 1,
            bbox=dict(facecolor="white", edgecolor="none", pad=0.8))


def draw_page_table(k, p, ax=None, title=None):
    """`p`'s non-none ptes on the left, its frames on the right by node, an arrow per present pte; the axes."""
    check_picture(ax, title)
    rows = _ptes(check_process(k, p), p)
    check_size(len(rows), MAX_PTES, "ptes in use", f"the page table of pid {p.pid} ({p.comm})")
    states = _states(k)
    targets = sorted({pg.pte_pfn(v.value) for _, v in rows if v.present})
    by_node = {z.nid: [pfn for pfn in targets if k.pfn_to_page(pfn).node == z.nid] for z in k.nodes}
    row_h, table_w, x_box = 0.9, 7.2, 11.2
    right_h = sum(max(1, len(pfns)) * row_h + 1.6 for pfns in by_node.values())
    left_h = (len(rows) + 1) * row_h
    height = max(right_h, left_h)
    ax = _new_axes(ax, x_box + 5.2, height + 2.2)
    boxes = {}
    y = -(height - right_h) / 2
    for zone in k.nodes:
        boxes.update(_draw_node_column(ax, zone, by_node[zone.nid], states, x_box, y, row_h))
        y -= max(1, len(by_node[zone.nid])) * row_h + 1.6
    top = -(height - left_h) / 2 - row_h / 2
    cols = (0.0, 1.9, 4.3)                    # address, pte value, kind
    mono = {"family": STYLE["mono"], "fontsize": STYLE["fontsize"] - 1, "ha": "left", "va": "center"}
    for x, name in zip(cols, ("address", "pte", "kind")):
        ax.text(x, top, name, fontweight="bold", **mono)
    for i, (addr, v) in enumerate(rows):
        y = top - (i + 1) * row_h
        ax.text(cols[0], y, f"{addr:08x}", **mono)
        ax.text(cols[1], y, f"0x{v.value:08x}", **mono)
        if v.swap:
            _swap_mark(ax, cols[2], y, v, gid=f"pte:{addr:08x}")
            continue
        ax.text(cols[2], y, pte_kind(v), **mono)
        if v.present:
            ax.annotate("", xy=boxes[pg.pte_pfn(v.value)], xytext=(table_w, y), gid=f"pte:{addr:08x}",
                        arrowprops=dict(arrowstyle="-|>", color=STYLE["arrow"], lw=1.1,
                                        shrinkA=0, shrinkB=0, mutation_scale=14))
    ax.set_xlim(-0.3, x_box + 4.8)
    ax.set_ylim(-height - 0.6, 1.0)
    handles = _legend_handles(set(states.values()))
    if any(v.swap for _, v in rows):
        handles.append(_swap_handle())
    _finish(ax, title or f"page table of {p.comm} (pid {p.pid}) at {k.at}: one arrow per present pte",
            handles)
    return ax


def page_table_look(k, p):
    """Everything `draw_page_table(k, p)` reads of the machine, as a tuple: equal tuples, equal pictures.

    The patch level (how a pte reads), the process, its ptes (address, value), the set of frame states
    (the legend), each frame an arrow points to (pfn, node, state, band, mapcount) and each node's
    free count. A stepper keys its rendered page tables on it: a step that changes none of it shows
    the picture it has.
    """
    rows = _ptes(check_process(k, p), p)
    states = _states(k)
    targets = sorted({pg.pte_pfn(v.value) for _, v in rows if v.present})
    frames = []
    for pfn in targets:
        page = k.pfn_to_page(pfn)
        frames.append((pfn, page.node, states[pfn], band_kind(page, states[pfn]), page._mapcount))
    return (k.at, p.pid, p.comm, tuple((addr, v.value) for addr, v in rows), frozenset(states.values()),
            tuple(frames), tuple((z.nid, z.nr_free, z.nr_frames) for z in k.nodes))
