"""The house style (colours, fonts, sizes) and the figure, legend and PNG helpers every picture uses."""

import io
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from ..errors import bad_value


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
    "label_chars": 7,         # characters per line of a label inside a frame (longer ones are cut with …)
    "title": 12,
    "columns": 8,             # frames per row of a node's block
    "nodes_per_row": 2,       # node blocks side by side in draw_machine
    "cell": 1.0,              # a frame's side, in data units
    "gap": 0.14,              # space between frames
    "inch_per_unit": 0.52,    # figure size: inches per data unit
    "timeline_inches": 14.0,  # the widest a timeline's figure grows, in inches
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


@contextmanager
def restyled(**sizes):
    """Inside this block, STYLE has `sizes` in place of its own (a stepper draws its pictures this way).

    Only keys STYLE already has; the old values come back on leaving the block.
    """
    unknown = sorted(set(sizes) - set(STYLE))
    if unknown:
        raise bad_value("style key", unknown[0], f"one of {', '.join(sorted(STYLE))}")
    saved = {key: STYLE[key] for key in sizes}
    STYLE.update(sizes)
    try:
        yield
    finally:
        STYLE.update(saved)


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


# --- figures, axes and legends -----------------------------------------------------------

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


def check_picture(ax, title):
    """Raise MigsimError unless `ax` is matplotlib axes or None and `title` a string or None (every picture's)."""
    if ax is not None and not isinstance(ax, Axes):
        raise bad_value("ax", ax, "matplotlib axes to draw on, or None for a new figure")
    if title is not None and not isinstance(title, str):
        raise bad_value("title", title, "a string, or None for the picture's own title")


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


# --- a figure as PNG bytes ---------------------------------------------------------------

def rgba_to_png(buffer, size):
    """PNG bytes of an RGBA buffer of `size` (width, height), quickly compressed."""
    from PIL import Image
    out = io.BytesIO()
    Image.frombuffer("RGBA", size, buffer, "raw", "RGBA", 0, 1).convert("RGB").save(
        out, format="PNG", compress_level=1)
    return out.getvalue()


def figure_png(fig, dpi=None):
    """PNG bytes of a whole figure, cropped to what is drawn (at `dpi`, default the house one)."""
    out = io.BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight", dpi=dpi or STYLE["dpi"])
    return out.getvalue()


def _tight_box(fig):
    """The box (inches) savefig's tight crop keeps of `fig`: what is drawn, padded by savefig.pad_inches."""
    return fig.get_tightbbox(fig.canvas.get_renderer()).padded(plt.rcParams["savefig.pad_inches"])


def tight_crop(fig, box=None):
    """The pixel box (x0, y0, x1, y1; y up) savefig's tight crop keeps of `fig` (or of inch box `box`), or None.

    None when the drawing reaches past the figure's edge (savefig grows the canvas for it, a crop cannot).
    """
    dpi, box = fig.dpi, box or _tight_box(fig)
    width, height = fig.canvas.get_width_height()
    x0, x1 = int(np.floor(box.x0 * dpi)), int(np.ceil(box.x1 * dpi))
    y0, y1 = int(np.floor(box.y0 * dpi)), int(np.ceil(box.y1 * dpi))
    if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
        return None
    return x0, y0, x1, y1


def cropped_png(canvas, crop):
    """PNG bytes of pixel box `crop` (x0, y0, x1, y1; y up) of an Agg canvas's buffer."""
    x0, y0, x1, y1 = crop
    height = canvas.get_width_height()[1]
    pixels = np.asarray(canvas.buffer_rgba())[height - y1:height - y0, x0:x1]     # rows run top down
    return rgba_to_png(np.ascontiguousarray(pixels).tobytes(), (x1 - x0, y1 - y0))


def drawn_png(fig, dpi=None):
    """`figure_png` with one pass over the figure instead of savefig's two.

    savefig's tight crop lays the whole figure out once to measure it, then draws it. Here the box
    is measured from the artists' extents alone, then the figure is drawn once: cropped to the box
    when it lies inside the figure, else (labels past an edge) by savefig with that box.
    """
    fig.set_dpi(dpi or STYLE["dpi"])
    box = _tight_box(fig)
    crop = tight_crop(fig, box)
    if crop is None:
        out = io.BytesIO()
        fig.savefig(out, format="png", bbox_inches=box, pad_inches=0, dpi=fig.dpi)
        return out.getvalue()
    fig.canvas.draw()
    return cropped_png(fig.canvas, crop)


def show(ax):
    """Show a picture in a notebook as a PNG image (no figure repr), and close its figure."""
    from IPython.display import Image, display
    import matplotlib.pyplot as plt
    fig = ax.figure
    png = figure_png(fig)
    plt.close(fig)
    display(Image(png))
