"""Pictures of the machine (matplotlib): nodes and their frames, page tables.

Everything here only reads the model. One house style lives in `STYLE` and
`PALETTE`; a colour means the same frame state in every picture:

    import migsim.draw
    migsim.draw.set_style()              # once, in a notebook's setup cell
    migsim.draw.draw_machine(k)          # every node as a block of frames
    migsim.draw.draw_page_table(k, p)    # p's ptes, with arrows to their frames
    migsim.draw.draw_rmap(k, page)       # the anon_vma (or i_mmap) list a walk visits, in order
    migsim.draw.draw_timeline("M85F9M6F2M", failing_step=-1)   # a schedule, one lane per task

Each function takes ``ax=None`` (a new figure of the house size is made) and
returns the axes; none calls ``plt.show()``. Artists carry a `gid` so that
tests can find what was drawn: ``frame:<nid>:<pfn hex>`` for a frame,
``band:<nid>:<pfn hex>`` for the band that shows what a locked frame holds,
``owner:<nid>:<pfn hex>`` for the text in a frame, ``header:<nid>`` for a
node's title line, ``node:<nid>`` for a node's block, ``pte:<address hex>``
for a pte row's arrow (an annotation) or swap mark, ``rmap-head`` and
``vma:<position>:<pid>`` for an rmap list's head and vmas, ``next:<position>``
for the arrows along it, ``step:<index>:<label>`` for a timeline's boxes.

`MachinePicture` keeps one `draw_machine` figure alive for a stepper: the
layout is drawn once, and each update redraws only the frames (blitting), so
that a step's picture costs milliseconds rather than a full redraw.
"""

import io
from contextlib import contextmanager

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

from .errors import bad_value, check_int
from .include.asm_i386 import pgtable as pg
from .include.linux.mm import PageAnon, vma_address
from .include.linux.page_flags import PageLocked, PageSwapCache
from .include.linux.pgtable_walk import get_pte, ptes_in_range
from .sched import compress, expand
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
    "failing": "#d7191c",     # the step that broke the machine, in a timeline
    "dpi": 100,
}

# One colour per task lane of a timeline (in lane order, then again).
LANE_COLOURS = ("#56b4e9", "#7fd1ae", "#e69f00", "#cc79a7", "#a0a0a0", "#f0e442")


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


def band_kind(page, state):
    """What the band of a locked frame (or one under migration) shows: a PALETTE key, or None."""
    kind = frame_kind(page)
    return kind if state in ("locked", "migration") and kind != "kernel" else None


def _band(ax, page, state, x, y, w, h, gid):
    """A locked frame (or one under migration) shows what it holds as a band along its bottom."""
    kind = band_kind(page, state)
    if kind is not None:
        ax.add_patch(Rectangle((x, y), w, h * 0.3, facecolor=PALETTE[kind], edgecolor=STYLE["edge"],
                               linewidth=0.4, gid=gid, zorder=1.5))


def _fit(text, width=7):
    """`text` cut to `width` characters per line."""
    return "\n".join(line if len(line) <= width else line[:width - 1] + "…" for line in text.split("\n"))


# --- shared pieces -----------------------------------------------------------------------

def figsize(width_units, height_units):
    """The house figure size, in inches, for a drawing of width x height data units."""
    u = STYLE["inch_per_unit"]
    return (max(4.0, width_units * u), max(2.0, height_units * u))


_OFFSCREEN = []          # non-empty inside `offscreen()`


@contextmanager
def offscreen():
    """Inside this block, a drawing made without `ax` gets a figure outside pyplot.

    Such a figure is never shown by a notebook and needs no closing; render
    it with `figure_png(ax.figure)`. Widgets draw this way.
    """
    _OFFSCREEN.append(True)
    try:
        yield
    finally:
        _OFFSCREEN.pop()


def _figure_axes(size):
    """The axes of a new figure of `size` inches (pyplot's, unless offscreen)."""
    if _OFFSCREEN:
        fig = Figure(figsize=size, dpi=STYLE["dpi"])
        FigureCanvasAgg(fig)
        return fig.add_subplot()
    _, ax = plt.subplots(figsize=size, dpi=STYLE["dpi"])
    return ax


def _new_axes(ax, width_units, height_units):
    """`ax`, or the axes of a new figure sized for a drawing of width x height data units."""
    if ax is not None:
        return ax
    return _figure_axes(figsize(width_units, height_units))


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
    ax.text(x0 - pad, y0 + pad + 0.15, node_header(zone), ha="left", va="bottom",
            fontsize=STYLE["fontsize"], fontweight="bold", gid=f"header:{zone.nid}")
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
                    fontsize=STYLE["small"], zorder=2, gid=f"owner:{zone.nid}:{page.pfn:x}")


def node_header(zone):
    """The title line of a node's block: 'node 1   pfn 0x2000-0x201f   32 free'."""
    return (f"node {zone.nid}   pfn 0x{zone.start_pfn:x}-0x{zone.start_pfn + zone.nr_frames - 1:x}"
            f"   {zone.nr_free} free")


def _machine_layout(k):
    """(nodes per row, column width, row height, rows) of draw_machine's grid of node blocks."""
    w, h = _block_size(k.nodes[0])
    per_row = min(STYLE["nodes_per_row"], len(k.nodes))
    return per_row, w + 2.6, h + 2.2, -(-len(k.nodes) // per_row)


def machine_figsize(k):
    """The size in inches of the figure draw_machine makes for `k`."""
    per_row, col_w, row_h, nrows = _machine_layout(k)
    return figsize(per_row * col_w + 0.5, nrows * row_h + 1.6)


def draw_machine(k, ax=None, title=None, full_legend=False):
    """Every node as a labelled block of frames coloured by state, with owners; the axes.

    The legend lists the usual states and those some frame is in; with
    `full_legend` it lists every state (a picture that is updated in place).
    """
    states = _states(k)
    users = frame_users(k)
    labels = {page.pfn: frame_owner(page, states[page.pfn], users) for page in k.mem_map}
    per_row, col_w, row_h, nrows = _machine_layout(k)
    ax = _new_axes(ax, per_row * col_w + 0.5, nrows * row_h + 1.6)
    for zone in k.nodes:
        r, c = divmod(zone.nid, per_row)
        _draw_node(ax, zone, 1.6 + c * col_w, -r * row_h, labels, states)
    ax.set_xlim(0, per_row * col_w)
    ax.set_ylim(-nrows * row_h + 1.5, 1.2)
    nodes = f"{len(k.nodes)} node" + ("s" if len(k.nodes) > 1 else "")
    _finish(ax, title or f"{k.at}: {nodes} x {k.nodes[0].nr_frames} frames",
            _legend_handles(set(PALETTE) if full_legend else set(states.values())),
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


# --- the reverse map: an anon_vma's (or a file's i_mmap) list of vmas, in order ----------------

def rmap_list(what):
    """(owner, vmas in list order, page or None) for a page, an anon_vma, an address_space or a file."""
    page = None
    if hasattr(what, "pfn") and hasattr(what, "_mapcount"):
        page, what = what, what.mapping
        if what is None:
            raise bad_value("page", page, "a page with a mapping (anonymous or file)")
    if getattr(what, "is_anon_vma", None) is True:
        return what, list(what.head), page
    if hasattr(what, "i_mapping"):                 # a file: its address_space
        what = what.i_mapping
    if getattr(what, "is_anon_vma", None) is False:
        return what, list(what.i_mmap), page
    raise bad_value("rmap to draw", what, "a struct page, an anon_vma, an address_space or a file")


def _rmap_head_text(owner):
    """The list head's box text: whose list it is and who holds its lock."""
    if owner.is_anon_vma:
        name, lock = f"anon_vma #{owner.id}", owner.lock
    else:
        name, lock = f"{owner.name}: i_mmap", owner.i_mmap_lock
    return f"{name}\nlock {'held by ' + str(lock.holder) if lock.holder else 'free'}"


def _vma_pte(k, vma, address, frame_states, page=None):
    """(state key of PALETTE, text) for `vma`'s pte at `address` (where it would map `page`)."""
    if page is not None:
        address = vma_address(page, vma)
    if not vma.vm_start <= address < vma.vm_end:
        return "free", "page outside vma" if page is not None else "address outside vma"
    v = PteView(get_pte(vma.vm_mm, address & pg.PAGE_MASK), k)
    if v.present and (page is None or v.pfn == page.pfn):
        return frame_states[v.pfn], f"{address:08x}: {pte_kind(v)}"
    if v.migration:
        return "migration", f"{address:08x}: migration→0x{v.swp_offset:x}"
    if v.swap:
        return "swapcache", f"{address:08x}: swap {v.swp_type}/{v.swp_offset}"
    if v.present:
        return "free", f"{address:08x}: other pfn"
    return "free", f"{address:08x}: none"


def draw_rmap(k, page_or_anon_vma, ax=None, title=None, address=None):
    """The vmas an rmap walk visits, in list order from the head (left); the axes.

    Takes a struct page (its anon_vma, or its file's i_mmap), an anon_vma,
    an address_space or a file. Each vma box names its pid and address
    range. For a page (or with `address`, a user address) it also shows,
    and is coloured by, that vma's pte there, so that an orphaned migration
    entry stands out.
    """
    owner, vmas, page = rmap_list(page_or_anon_vma)
    if address is not None:
        if page is not None:
            raise bad_value("address", address, "None when a page is given (its own address is used)")
        check_int("address", address, 0, pg.TASK_SIZE - 1)
    show_ptes = page is not None or address is not None
    box_w, box_h, gap = 4.4, 2.2, 1.0
    head_w = 3.2
    x0 = head_w + gap
    width = x0 + max(1, len(vmas)) * (box_w + gap)
    ax = _new_axes(ax, width + 0.5, box_h + 3.4)
    ax.add_patch(FancyBboxPatch((0, 0), head_w, box_h, boxstyle="round,pad=0,rounding_size=0.3",
                                facecolor=STYLE["block"], edgecolor=STYLE["block_edge"], linewidth=1.2,
                                gid="rmap-head"))
    ax.text(head_w / 2, box_h / 2, _rmap_head_text(owner), ha="center", va="center",
            fontsize=STYLE["fontsize"] - 1, fontweight="bold")
    states = set()
    frame_states = _states(k) if show_ptes else None
    prev = (head_w, box_h / 2)
    for i, vma in enumerate(vmas):
        x = x0 + i * (box_w + gap)
        state, pte_text = _vma_pte(k, vma, address, frame_states, page) if show_ptes else ("free", "")
        states.add(state)
        proc = vma.vm_mm.owner
        ax.add_patch(Rectangle((x, 0), box_w, box_h, facecolor=PALETTE[state] if show_ptes
                               else STYLE["block"], edgecolor=STYLE["edge"], linewidth=0.8,
                               gid=f"vma:{i}:{proc.pid}"))
        lines = [f"pid {proc.pid} {proc.comm}", f"{vma.vm_start:08x}-{vma.vm_end:08x}", pte_text]
        ax.text(x + box_w / 2, box_h / 2, "\n".join(line for line in lines if line), ha="center",
                va="center", fontsize=STYLE["fontsize"] - 1, family=STYLE["mono"])
        ax.annotate("", xy=(x, box_h / 2), xytext=prev, gid=f"next:{i}",
                    arrowprops=dict(arrowstyle="-|>", color=STYLE["arrow"], lw=1.1, shrinkA=0,
                                    shrinkB=0, mutation_scale=14))
        prev = (x + box_w, box_h / 2)
    if vmas:
        ax.text(x0, -0.35, "first visited", ha="left", va="top", fontsize=STYLE["small"] + 1,
                color="#444444", style="italic")
        ax.text(prev[0], -0.35, "last visited", ha="right", va="top", fontsize=STYLE["small"] + 1,
                color="#444444", style="italic")
    else:
        ax.text(x0 + box_w / 2, box_h / 2, "empty list", ha="center", va="center",
                fontsize=STYLE["fontsize"], color="#666666", style="italic")
    ax.set_xlim(-0.3, width)
    ax.set_ylim(-1.2, box_h + 0.6)
    what = f"pfn 0x{page.pfn:x}" if page is not None else _rmap_head_text(owner).split("\n")[0]
    title = title or (f"rmap of {what}: {len(vmas)} vma{'s' if len(vmas) != 1 else ''} in list order "
                      "(a walk visits them left to right)")
    if show_ptes:
        where = "for this page" if page is not None else f"at {address:08x}"
        _finish(ax, title, _legend_handles(states), f"what each vma's pte holds {where}")
    else:
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=STYLE["title"], loc="left")
    return ax


# --- a schedule: one lane per task, one box per scheduling step ------------------------------

def _lanes(steps, labels):
    """(lane labels in order, {label: lane text}) for a timeline of `steps`."""
    used = list(dict.fromkeys(steps))
    if labels is None:
        return used, {c: c for c in used}
    names = dict(labels) if isinstance(labels, dict) else {c: c for c in labels}
    if not isinstance(labels, (str, list, tuple, dict)) or not set(used) <= set(names):
        raise bad_value("labels", labels, f"the lanes, naming every label of the schedule ({''.join(used)})")
    return list(names), {c: (c if names[c] == c else f"{c}  {names[c]}") for c in names}


def _check_timeline_args(steps, failing_step, point_names):
    """failing_step as an index from 0 (None stays None); raises on a bad argument."""
    if point_names is not None and len(point_names) != len(steps):
        raise bad_value("point_names", f"{len(point_names)} names", f"one name per step ({len(steps)})")
    if failing_step is None:
        return None
    if isinstance(failing_step, bool) or not isinstance(failing_step, int) \
            or not -len(steps) <= failing_step < len(steps):
        raise bad_value("failing_step", failing_step,
                        f"a step index in 0..{len(steps) - 1} (or -1 for the last)")
    return failing_step % len(steps)


def _spaced(positions, gap):
    """`positions` (sorted) thinned so that kept ones are at least `gap` apart; the last is kept."""
    kept = []
    for x in positions:
        if not kept or x - kept[-1] >= gap:
            kept.append(x)
        elif x == positions[-1]:
            kept[-1] = x
    return kept


def draw_timeline(schedule, labels=None, failing_step=None, point_names=None, ax=None, title=None):
    """A schedule as one lane per task and one box per scheduling step; the axes.

    `schedule` is a schedule string ("M85F9M6F2M" or expanded). `labels` sets
    the lanes (a string of labels, or a dict label -> what the task runs);
    `failing_step` (an index, -1 for the last) is drawn red; `point_names`
    (one per step: where each step stopped) label the first step of every run
    where there is room, and the failing step in the title. The x axis is
    marked where the CPU changes.
    """
    if not isinstance(schedule, str):
        raise bad_value("schedule", schedule, "a schedule string such as 'M85F9M6F2M'")
    steps = expand(schedule)
    failing_step = _check_timeline_args(steps, failing_step, point_names)
    lanes, names = _lanes(steps, labels)
    n = len(steps)
    if ax is None:
        ax = _figure_axes((min(14.0, max(5.0, 2.0 + 0.085 * n)),
                           1.3 + 0.5 * len(lanes) + (0.4 if point_names is not None else 0)))
    row = {c: len(lanes) - 1 - i for i, c in enumerate(lanes)}
    colour = {c: LANE_COLOURS[i % len(LANE_COLOURS)] for i, c in enumerate(lanes)}
    starts = [i for i in range(n) if i == 0 or steps[i] != steps[i - 1]]
    for i, c in enumerate(steps):
        failing = i == failing_step
        ax.add_patch(Rectangle((i + 0.06, row[c] + 0.15), 0.88, 0.7, gid=f"step:{i}:{c}",
                               facecolor=STYLE["failing"] if failing else colour[c],
                               edgecolor=STYLE["failing"] if failing else STYLE["edge"],
                               linewidth=1.5 if failing else 0.3))
    ax.set_xlim(-0.5, max(n, 1) + 0.5)
    ax.set_ylim(0, len(lanes) + (0.6 if point_names is not None else 0.1))
    # Steps per inch of the axes, to keep texts and ticks from running into each other.
    per_inch = (max(n, 1) + 1) / (ax.get_position().width * ax.figure.get_figwidth())
    if point_names is not None:
        last_end = {}
        for i in starts:
            text = point_names[i]
            if i < last_end.get(steps[i], -1):
                continue                        # no room: the previous label of this lane is there
            ax.text(i + 0.1, row[steps[i]] + 0.88, text, ha="left", va="bottom",
                    fontsize=STYLE["small"], color="#333333", clip_on=False, gid=f"name:{i}")
            last_end[steps[i]] = i + (len(text) + 1) * STYLE["small"] * 0.6 / 72 * per_inch
    ticks = _spaced(sorted(set(starts + [n])), 0.3 * per_inch)
    ax.set_xticks(ticks, [str(t) for t in ticks], fontsize=STYLE["small"] + 1)
    ax.set_yticks([row[c] + 0.5 for c in lanes], [names[c] for c in lanes], family=STYLE["mono"])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("scheduling step (marked where the CPU changes)", fontsize=STYLE["fontsize"] - 1)
    verdict = ""
    if failing_step is not None:
        where = f" ({point_names[failing_step]})" if point_names is not None else ""
        verdict = f"; step {failing_step} fails{where}, in red"
    ax.set_title(title or f"schedule {compress(steps) or '(empty)'}: {n} steps{verdict}",
                 fontsize=STYLE["title"], loc="left")
    return ax


# --- a machine picture kept up to date (for widgets) -------------------------------------------

class MachinePicture:
    """draw_machine on one figure outside pyplot, updated in place and rendered to PNG.

    The layout (node blocks, pfn labels, title, a legend of every state) is
    drawn once; `update(k)` changes only the frames' colours, bands and
    labels and the node headers, and `png()` redraws just those over the
    saved background (blitting). The machine must keep its shape (nodes,
    frames) between updates.
    """

    def __init__(self, k, dpi=None):
        self.fig = Figure(figsize=machine_figsize(k), dpi=dpi or STYLE["dpi"])
        FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.add_subplot()
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.17)   # no spare margins
        draw_machine(k, ax=ax, full_legend=True)
        self.frames, self.bands, self.labels, self.headers = {}, {}, {}, {}
        for patch in list(ax.patches):
            kind, _, where = (patch.get_gid() or "").partition(":")
            if kind == "frame":
                self.frames[int(where.split(":")[1], 16)] = patch
            elif kind == "band":
                patch.remove()
        for text in list(ax.texts):
            kind, _, where = (text.get_gid() or "").partition(":")
            if kind == "owner":
                text.remove()
            elif kind == "header":
                self.headers[int(where)] = text
        for pfn, rect in self.frames.items():
            x, y, w, h = rect.get_x(), rect.get_y(), rect.get_width(), rect.get_height()
            self.bands[pfn] = ax.add_patch(Rectangle((x, y), w, h * 0.3, edgecolor=STYLE["edge"],
                                                     linewidth=0.4, zorder=1.5, visible=False,
                                                     gid=f"band:{pfn:x}"))
            self.labels[pfn] = ax.text(x + w / 2, y + h / 2, "", ha="center", va="center",
                                       fontsize=STYLE["small"], zorder=2, clip_path=rect)
        for artist in self._dynamic():
            artist.set_animated(True)
        self.fig.canvas.draw()
        self.background = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        self.key = None
        self._png = None
        self.update(k)

    def _dynamic(self):
        return [*self.frames.values(), *self.bands.values(), *self.labels.values(), *self.headers.values()]

    def look(self, k):
        """What the picture shows of `k`: per frame (state, band, label), per node its header."""
        states, users = _states(k), frame_users(k)
        frames = tuple((page.pfn, states[page.pfn], band_kind(page, states[page.pfn]),
                        _fit(frame_owner(page, states[page.pfn], users))) for page in k.mem_map)
        return frames, tuple(node_header(zone) for zone in k.nodes)

    def update(self, k):
        """Show machine `k`; True if the picture changed."""
        key = self.look(k)
        if key == self.key:
            return False
        frames, headers = key
        for pfn, state, band, label in frames:
            self.frames[pfn].set_facecolor(PALETTE[state])
            self.bands[pfn].set_visible(band is not None)
            if band is not None:
                self.bands[pfn].set_facecolor(PALETTE[band])
            self.labels[pfn].set_text(label)
        for nid, text in enumerate(headers):
            self.headers[nid].set_text(text)
        self.key, self._png = key, None
        return True

    def png(self):
        """The picture as PNG bytes (rendered once per change)."""
        if self._png is None:
            canvas = self.fig.canvas
            canvas.restore_region(self.background)
            for artist in self._dynamic():
                if artist.get_visible() and (not hasattr(artist, "get_text") or artist.get_text()):
                    self.ax.draw_artist(artist)
            self._png = rgba_to_png(canvas.buffer_rgba(), canvas.get_width_height())
        return self._png


def rgba_to_png(buffer, size):
    """PNG bytes of an RGBA buffer of `size` (width, height), quickly compressed."""
    from PIL import Image
    out = io.BytesIO()
    Image.frombuffer("RGBA", size, buffer, "raw", "RGBA", 0, 1).convert("RGB").save(
        out, format="PNG", compress_level=1)
    return out.getvalue()


def figure_png(fig):
    """PNG bytes of a whole figure, cropped to what is drawn."""
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight", dpi=STYLE["dpi"])
    return out.getvalue()


__all__ = ["PALETTE", "STYLE", "STATE_LABELS", "LANE_COLOURS", "set_style", "frame_state", "frame_kind",
           "frame_owner", "frame_users", "migrating_pfns", "pte_kind", "band_kind", "node_header",
           "figsize", "machine_figsize", "draw_machine", "draw_page_table", "rmap_list", "draw_rmap",
           "draw_timeline", "MachinePicture", "offscreen", "rgba_to_png", "figure_png"]
