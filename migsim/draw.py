"""Pictures of the machine (matplotlib): nodes and their frames, page tables.

Everything here only reads the model. One house style lives in `STYLE` and
`PALETTE`; a colour means the same frame state in every picture:

    import migsim.draw
    migsim.draw.set_style()              # once, in a notebook's setup cell
    migsim.draw.draw_machine(k)          # every node as a block of frames
    migsim.draw.draw_page_table(k, p)    # p's ptes, with arrows to their frames

Each function takes ``ax=None`` (a new figure of the house size is made) and
returns the axes; none calls ``plt.show()``. Artists carry a `gid` so that
tests can find what was drawn: ``frame:<nid>:<pfn hex>`` for a frame,
``band:<nid>:<pfn hex>`` for the band that shows what a locked frame holds,
``node:<nid>`` for a node's block, ``pte:<address hex>`` for a pte row's arrow
(an annotation) or swap mark.
"""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

from .include.asm_i386 import pgtable as pg
from .include.linux.mm import PageAnon
from .include.linux.page_flags import PageLocked, PageSwapCache
from .include.linux.pgtable_walk import ptes_in_range
from .views import PteView

# --- the house style ------------------------------------------------------------

# Frame state -> colour (Okabe-Ito colours, readable by colour-blind students).
PALETTE = {
    "free": "#f0f0f0",
    "anon": "#56b4e9",
    "file": "#7fd1ae",
    "swapcache": "#e69f00",
    "locked": "#d55e00",
    "migration": "#cc79a7",
    "kernel": "#a0a0a0",
}

# What each state means, for legends (in PALETTE order).
STATE_LABELS = {
    "free": "free",
    "anon": "anonymous",
    "file": "page cache (file)",
    "swapcache": "swap cache",
    "locked": "locked",
    "migration": "under migration",
    "kernel": "allocated, no owner yet",
}

# States every legend lists; the others only when some frame is in them.
ALWAYS_IN_LEGEND = ("free", "anon", "file", "swapcache", "locked")

STYLE = {
    "font": "DejaVu Sans",
    "mono": "DejaVu Sans Mono",
    "fontsize": 10,
    "small": 7,               # labels inside frames, pfn row labels
    "title": 12,
    "columns": 8,             # frames per row of a node's block
    "nodes_per_row": 2,       # node blocks side by side in draw_machine
    "cell": 1.0,              # a frame's side, in data units
    "gap": 0.14,              # space between frames
    "inch_per_unit": 0.52,    # figure size: inches per data unit
    "edge": "#555555",
    "block": "#fafafa",       # a node block's background
    "block_edge": "#888888",
    "arrow": "#333333",
    "swap_mark": "#e69f00",
    "dpi": 100,
}


def set_style():
    """Set matplotlib's defaults to the house style (for a notebook's setup cell)."""
    plt.rcParams.update({
        "font.family": STYLE["font"],
        "font.size": STYLE["fontsize"],
        "axes.titlesize": STYLE["title"],
        "figure.dpi": STYLE["dpi"],
        "savefig.dpi": STYLE["dpi"],
        "figure.facecolor": "white",
        "legend.frameon": False,
    })


# --- reading the model ------------------------------------------------------------

def _live_processes(k):
    """The processes with an address space, by pid."""
    return [k.tasks_by_pid[pid] for pid in sorted(k.tasks_by_pid) if k.tasks_by_pid[pid].mm is not None]


def _ptes(k, p):
    """(address, PteView) for every non-none pte of `p`, in address order."""
    if p.mm is None:
        return []
    return [(addr, PteView(value, k)) for vma in p.mm.mmap
            for addr, value in ptes_in_range(p.mm, vma.vm_start, vma.vm_end)]


def frame_users(k):
    """pfn -> pids whose ptes refer to that frame (present, swap entry of its swap cache, or migration)."""
    users = {}
    by_entry = {page.private: page.pfn for page in k.mem_map if PageSwapCache(page)}
    for p in _live_processes(k):
        for _, v in _ptes(k, p):
            if v.present or v.protnone:
                pfn = pg.pte_pfn(v.value)
            elif v.migration:
                pfn = v.swp_offset
            elif v.swap:
                pfn = by_entry.get(v.swp_entry)
            else:
                pfn = None
            if pfn is not None and p.pid not in users.setdefault(pfn, []):
                users[pfn].append(p.pid)
    return users


def migrating_pfns(k):
    """The frames some migration entry points at."""
    return {v.swp_offset for p in _live_processes(k) for _, v in _ptes(k, p) if v.migration}


def frame_state(page, free, migrating=frozenset()):
    """The state of a frame, a key of PALETTE (most telling first)."""
    if page.pfn in free:
        return "free"
    if page.pfn in migrating:
        return "migration"
    if PageLocked(page):
        return "locked"
    return frame_kind(page)


def frame_kind(page):
    """What an allocated frame holds, whether locked or not: swapcache, anon, file or kernel."""
    if PageSwapCache(page):
        return "swapcache"
    if PageAnon(page):
        return "anon"
    if page.mapping is not None:
        return "file"
    return "kernel"


def frame_owner(page, state, users):
    """Short text naming a frame's owner: its file's name, else the pids mapping it ('' if none)."""
    if state == "free":
        return ""
    if page.mapping is not None and not PageAnon(page):
        return page.mapping.name
    pids = [str(pid) for pid in users.get(page.pfn, [])]
    return "\n".join(pids) if len(pids) <= 3 else f"{pids[0]}\n+{len(pids) - 1} more"


def _states(k):
    """pfn -> state of every frame of the machine."""
    free = {pfn for zone in k.nodes for pfn in zone.free}
    migrating = migrating_pfns(k)
    return {page.pfn: frame_state(page, free, migrating) for page in k.mem_map}


def _band(ax, page, state, x, y, w, h, gid):
    """A locked frame (or one under migration) shows what it holds as a band along its bottom."""
    kind = frame_kind(page)
    if state in ("locked", "migration") and kind != "kernel":
        ax.add_patch(Rectangle((x, y), w, h * 0.3, facecolor=PALETTE[kind], edgecolor=STYLE["edge"],
                               linewidth=0.4, gid=gid, zorder=1.5))


def _fit(text, width=7):
    """`text` cut to `width` characters per line."""
    return "\n".join(line if len(line) <= width else line[:width - 1] + "…" for line in text.split("\n"))


# --- shared pieces -----------------------------------------------------------------------

def _new_axes(ax, width_units, height_units):
    """`ax`, or the axes of a new figure sized for a drawing of width x height data units."""
    if ax is not None:
        return ax
    u = STYLE["inch_per_unit"]
    _, ax = plt.subplots(figsize=(max(4.0, width_units * u), max(2.0, height_units * u)),
                         dpi=STYLE["dpi"])
    return ax


def _legend_handles(states):
    """One legend patch per state that is always listed or present in `states`."""
    keys = [s for s in PALETTE if s in ALWAYS_IN_LEGEND or s in states]
    return [Patch(facecolor=PALETTE[s], edgecolor=STYLE["edge"], label=STATE_LABELS[s]) for s in keys]


def _swap_handle():
    return Patch(facecolor="white", edgecolor=STYLE["swap_mark"], hatch="////", label="swap pte: type/offset")


def _finish(ax, title, handles, legend_title=None):
    """Equal aspect, no axis lines, the title at the left and the legend below."""
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=STYLE["title"], loc="left")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=len(handles),
              fontsize=STYLE["fontsize"] - 1, handlelength=1.2, columnspacing=1.2, frameon=False,
              title=legend_title, title_fontsize=STYLE["fontsize"] - 1)


# --- the machine: every node as a grid of frames ----------------------------------------

def _block_size(zone):
    """(width, height) of a node's grid of frames, in data units."""
    cols = min(STYLE["columns"], zone.nr_frames)
    rows = -(-zone.nr_frames // cols)
    step = STYLE["cell"] + STYLE["gap"]
    return cols * step - STYLE["gap"], rows * step - STYLE["gap"]


def _draw_node(ax, zone, x0, y0, labels, states):
    """Node `zone` as a grid of frames, its top-left frame at (x0, y0)."""
    w, h = _block_size(zone)
    pad, cell = 0.35, STYLE["cell"]
    step = cell + STYLE["gap"]
    cols = min(STYLE["columns"], zone.nr_frames)
    ax.add_patch(FancyBboxPatch((x0 - pad, y0 - h - pad), w + 2 * pad, h + 2 * pad,
                                boxstyle="round,pad=0,rounding_size=0.3", facecolor=STYLE["block"],
                                edgecolor=STYLE["block_edge"], linewidth=1.0, gid=f"node:{zone.nid}",
                                zorder=0))
    ax.text(x0 - pad, y0 + pad + 0.15,
            f"node {zone.nid}   pfn 0x{zone.start_pfn:x}-0x{zone.start_pfn + zone.nr_frames - 1:x}"
            f"   {zone.nr_free} free", ha="left", va="bottom", fontsize=STYLE["fontsize"],
            fontweight="bold")
    for i, page in enumerate(zone.pages):
        row, col = divmod(i, cols)
        x, y = x0 + col * step, y0 - row * step - cell
        ax.add_patch(Rectangle((x, y), cell, cell, facecolor=PALETTE[states[page.pfn]],
                               edgecolor=STYLE["edge"], linewidth=0.6,
                               gid=f"frame:{zone.nid}:{page.pfn:x}", zorder=1))
        _band(ax, page, states[page.pfn], x, y, cell, cell, f"band:{zone.nid}:{page.pfn:x}")
        if col == 0:
            ax.text(x - pad - 0.1, y + cell / 2, f"0x{page.pfn:x}", ha="right", va="center",
                    fontsize=STYLE["small"], family=STYLE["mono"], color="#444444")
        if labels.get(page.pfn):
            ax.text(x + cell / 2, y + cell / 2, _fit(labels[page.pfn]), ha="center", va="center",
                    fontsize=STYLE["small"], zorder=2)


def draw_machine(k, ax=None, title=None):
    """Every node as a labelled block of frames coloured by state, with owners; the axes."""
    states = _states(k)
    users = frame_users(k)
    labels = {page.pfn: frame_owner(page, states[page.pfn], users) for page in k.mem_map}
    w, h = _block_size(k.nodes[0])
    per_row = min(STYLE["nodes_per_row"], len(k.nodes))
    col_w, row_h = w + 2.6, h + 2.2
    nrows = -(-len(k.nodes) // per_row)
    ax = _new_axes(ax, per_row * col_w + 0.5, nrows * row_h + 1.6)
    for zone in k.nodes:
        r, c = divmod(zone.nid, per_row)
        _draw_node(ax, zone, 1.6 + c * col_w, -r * row_h, labels, states)
    ax.set_xlim(0, per_row * col_w)
    ax.set_ylim(-nrows * row_h + 1.5, 1.2)
    nodes = f"{len(k.nodes)} node" + ("s" if len(k.nodes) > 1 else "")
    _finish(ax, title or f"{k.at}: {nodes} x {k.nodes[0].nr_frames} frames",
            _legend_handles(set(states.values())),
            "frame states (text in a frame: the pids mapping it, or its file;"
            " the band of a locked frame: what it holds)")
    return ax


# --- a page table: ptes on the left, arrows to frames on the right ---------------------------

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
    rows = _ptes(k, p)
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


__all__ = ["PALETTE", "STYLE", "STATE_LABELS", "set_style", "frame_state", "frame_kind", "frame_owner",
           "frame_users", "migrating_pfns", "pte_kind", "draw_machine", "draw_page_table"]
