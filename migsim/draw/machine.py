"""The machine picture: every node as a block of frames (draw_machine), and MachinePicture for widgets."""

import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.transforms import Bbox

from ..errors import check_bool, check_int
from .frames import _band, _fit, _states, band_kind, check_kernel, check_size, frame_owner, frame_users
from .style import PALETTE, STYLE, _finish, _legend_handles, _new_axes, check_picture, figsize, rgba_to_png

MAX_FRAMES = 1024            # frames a machine picture shows (more are unreadable and take seconds)


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
    check_kernel(k)
    check_picture(ax, title)
    check_bool("full_legend", full_legend)
    frames = len(k.nodes) * k.nodes[0].nr_frames
    check_size(frames, MAX_FRAMES, "frames", f"a machine of {len(k.nodes)} nodes x {k.nodes[0].nr_frames} frames")
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



# --- a machine picture kept up to date (for widgets) -------------------------------------------

class MachinePicture:
    """draw_machine on one figure outside pyplot, updated in place and rendered to PNG.

    The layout (node blocks, pfn labels, title, a legend of every state) is
    drawn once; `update(k)` changes only the frames' colours, bands and
    labels and the node headers, and `png()` redraws just the frames and
    headers that changed since the last render, each over its patch of the
    saved background (blitting). The machine must keep its shape (nodes,
    frames) between updates.
    """

    def __init__(self, k, dpi=None):
        check_kernel(k)
        if dpi is not None:
            check_int("dpi", dpi, 1, 1000)
        self.fig = Figure(figsize=machine_figsize(k), dpi=dpi or STYLE["dpi"])
        FigureCanvasAgg(self.fig)
        self.ax = ax = self.fig.add_subplot()
        self.fig.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.17)   # no spare margins
        draw_machine(k, ax=ax, full_legend=True)
        self.frames, self.bands, self.labels, self.headers, blocks = {}, {}, {}, {}, {}
        for patch in list(ax.patches):
            kind, _, where = (patch.get_gid() or "").partition(":")
            if kind == "frame":
                self.frames[int(where.split(":")[1], 16)] = patch
            elif kind == "band":
                patch.remove()
            elif kind == "node":
                blocks[int(where)] = patch
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
        renderer = self.fig.canvas.get_renderer()
        # Where each frame, and each node's header line (as wide as its block), is redrawn.
        self._frame_boxes = {pfn: _padded(rect.get_window_extent(renderer)) for pfn, rect in self.frames.items()}
        self._header_boxes = {}
        for nid, text in self.headers.items():
            line, block = text.get_window_extent(renderer), blocks[nid].get_window_extent(renderer)
            self._header_boxes[nid] = _padded(Bbox.from_extents(line.x0, line.y0, max(line.x1, block.x1),
                                                                line.y1))
        self.key = None
        self._png = None
        self._dirty_frames, self._dirty_headers = set(self.frames), set(self.headers)
        self._drawn = False
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
        old_frames, old_headers = self.key or ((), ())
        old = {f[0]: f for f in old_frames}
        for frame in frames:
            pfn, state, band, label = frame
            if old.get(pfn) == frame:
                continue
            self.frames[pfn].set_facecolor(PALETTE[state])
            self.bands[pfn].set_visible(band is not None)
            if band is not None:
                self.bands[pfn].set_facecolor(PALETTE[band])
            self.labels[pfn].set_text(label)
            self._dirty_frames.add(pfn)
        for nid, text in enumerate(headers):
            if old_headers[nid:nid + 1] != (text,):
                self.headers[nid].set_text(text)
                self._dirty_headers.add(nid)
        self.key, self._png = key, None
        return True

    def png(self):
        """The picture as PNG bytes (rendered once per change, only where it changed)."""
        if self._png is None:
            canvas = self.fig.canvas
            if not self._drawn:
                canvas.restore_region(self.background)
            for pfn in sorted(self._dirty_frames):
                self._restore(self._frame_boxes[pfn])
                self._draw(self.frames[pfn], self.bands[pfn], self.labels[pfn])
            for nid in sorted(self._dirty_headers):
                self._restore(self._header_boxes[nid])
                self._draw(self.headers[nid])
            self._dirty_frames.clear()
            self._dirty_headers.clear()
            self._drawn = True
            self._png = rgba_to_png(canvas.buffer_rgba(), canvas.get_width_height())
        return self._png

    def _restore(self, box):
        """Put back the saved background inside display box (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = box
        height = self.fig.canvas.get_width_height()[1]
        # Agg's region rectangle counts rows from the top; xy is where the whole saved region starts.
        self.fig.canvas.restore_region(self.background, bbox=(x0, height - y1, x1, height - y0), xy=(0, 0))

    def _draw(self, *artists):
        for artist in artists:
            if artist.get_visible() and (not hasattr(artist, "get_text") or artist.get_text()):
                self.ax.draw_artist(artist)


def _padded(bbox, pad=2):
    """A display box grown by `pad` pixels each way (a stroke's width), as whole pixels."""
    return (math.floor(bbox.x0) - pad, math.floor(bbox.y0) - pad, math.ceil(bbox.x1) + pad,
            math.ceil(bbox.y1) + pad)
