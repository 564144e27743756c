"""Pictures of the machine (matplotlib): nodes and their frames, page tables.

Everything here only reads the model. One house style lives in `STYLE` and
`PALETTE`; a colour means the same frame state in every picture:

    import migsim.draw
    migsim.draw.set_style()              # once, in a notebook's setup cell
    migsim.draw.draw_machine(k)          # every node as a block of frames
    migsim.draw.draw_page_table(k, p)    # p's ptes, with arrows to their frames
    migsim.draw.draw_rmap(k, page)       # the anon_vma (or i_mmap) list a walk visits, in order
    migsim.draw.draw_pte_bits([("present", 0x01000067)])   # a pte's 32 bits, fields coloured
    migsim.draw.draw_timeline("M85F7M6F2M", failing_step=-1)   # a schedule, one lane per task

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
`RmapPicture` does the same for `draw_rmap` (from `rmap_look`, what the
picture shows), while the list keeps its vmas.

The pieces: `style` (colours, sizes, figure and PNG helpers), `frames`
(what a frame shows), and one module per picture: `machine`, `pagetable`,
`rmap`, `timeline`. Import them from here.
"""

from .frames import band_kind, frame_kind, frame_owner, frame_state, frame_users, migrating_pfns
from .machine import MachinePicture, draw_machine, machine_figsize, node_header
from .pagetable import draw_page_table, page_table_look, pte_kind
from .ptebits import bit_fields, draw_pte_bits
from .rmap import RmapPicture, draw_rmap, draw_rmap_look, rmap_list, rmap_look
from .style import (ALWAYS_IN_LEGEND, LANE_COLOURS, PALETTE, STATE_LABELS, STYLE, cropped_png, drawn_png,
                    figsize, figure_png, offscreen, restyled, rgba_to_png, set_style, show, tight_crop)
from .timeline import draw_timeline

__all__ = ["PALETTE", "STYLE", "STATE_LABELS", "ALWAYS_IN_LEGEND", "LANE_COLOURS", "set_style", "show",
           "frame_state", "frame_kind",
           "frame_owner", "frame_users", "migrating_pfns", "pte_kind", "band_kind", "node_header",
           "figsize", "machine_figsize", "draw_machine", "draw_page_table", "page_table_look", "rmap_list", "rmap_look",
           "draw_rmap", "draw_rmap_look", "draw_timeline", "MachinePicture", "RmapPicture", "offscreen", "restyled",
           "rgba_to_png", "figure_png", "drawn_png", "tight_crop", "cropped_png", "bit_fields",
           "draw_pte_bits"]
