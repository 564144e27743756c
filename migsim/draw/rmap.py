"""The reverse map: the vmas of an anon_vma's (or a file's i_mmap) list, in walk order (draw_rmap)."""

from matplotlib.patches import FancyBboxPatch, Rectangle

from ..errors import bad_value, check_int
from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import vma_address
from ..include.linux.pgtable_walk import get_pte
from ..views import PteView
from .frames import _states, check_kernel
from .pagetable import pte_kind
from .style import (PALETTE, STYLE, _finish, _legend_handles, _new_axes, check_picture, cropped_png, drawn_png,
                    offscreen, tight_crop)


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
    """(state key of PALETTE, text) for `vma`'s pte at `address` (where it would map `page`).

    At one `address` the picture's legend names it, so the text is only what the pte holds.
    """
    if page is not None:
        address = vma_address(page, vma)
    if not vma.vm_start <= address < vma.vm_end:
        return "free", "page outside vma" if page is not None else "address outside vma"
    v = PteView(get_pte(vma.vm_mm, address & pg.PAGE_MASK), k)
    # With a page, each vma maps it at its own address: that goes on a line of its own (a box is narrow).
    at = f"at {address:08x}:\n" if page is not None else ""
    if v.present and (page is None or v.pfn == page.pfn):
        return frame_states[v.pfn], f"{at}{pte_kind(v)}"
    if v.migration:
        return "migration", f"{at}migration→0x{v.swp_offset:x}"
    if v.swap:
        return "swapcache", f"{at}swap {v.swp_type}/{v.swp_offset}"
    if v.present:
        return "free", f"{at}other pfn"
    return "free", f"{at}none"


def rmap_look(k, page_or_anon_vma, address=None):
    """What `draw_rmap` shows of `page_or_anon_vma` in machine `k`, as a tuple (equal tuples, equal pictures).

    (head text, list name, vmas, page's pfn or None, address or None, whether ptes are shown): each
    vma as (pid, comm, vm_start, vm_end, state, pte text). A stepper keys its rendered pictures on it,
    so that a step that changes nothing the picture shows does not draw it again.
    """
    check_kernel(k)
    owner, vmas, page = rmap_list(page_or_anon_vma)
    if address is not None:
        if page is not None:
            raise bad_value("address", address, "None when a page is given (its own address is used)")
        check_int("address", address, 0, pg.TASK_SIZE - 1)
    show_ptes = page is not None or address is not None
    frame_states = _states(k) if show_ptes else None
    boxes = []
    for vma in vmas:
        state, pte_text = _vma_pte(k, vma, address, frame_states, page) if show_ptes else ("free", "")
        proc = vma.vm_mm.owner
        boxes.append((proc.pid, proc.comm, vma.vm_start, vma.vm_end, state, pte_text))
    head = _rmap_head_text(owner)
    return head, head.split("\n")[0], tuple(boxes), page.pfn if page is not None else None, address, show_ptes


def draw_rmap(k, page_or_anon_vma, ax=None, title=None, address=None):
    """The vmas an rmap walk visits, in list order from the head (left); the axes.

    Takes a struct page (its anon_vma, or its file's i_mmap), an anon_vma,
    an address_space or a file. Each vma box names its pid and address
    range. For a page (or with `address`, a user address) it also shows,
    and is coloured by, that vma's pte there, so that an orphaned migration
    entry stands out.
    """
    check_kernel(k)
    check_picture(ax, title)
    return draw_rmap_look(rmap_look(k, page_or_anon_vma, address), ax=ax, title=title)


def _box_text(pid, comm, vm_start, vm_end, pte_text):
    """A vma's box: its process, its range, what its pte holds (if the picture shows ptes)."""
    return "\n".join(line for line in (f"pid {pid} {comm}", f"{vm_start:08x}-{vm_end:08x}", pte_text) if line)


def draw_rmap_look(look, ax=None, title=None):
    """Draw an rmap picture from its `rmap_look` tuple; the axes."""
    head, name, boxes, pfn, address, show_ptes = look
    box_w, box_h, gap = 4.4, 2.6 if pfn is not None else 2.2, 1.0
    head_w = 3.2
    x0 = head_w + gap
    width = x0 + max(1, len(boxes)) * (box_w + gap)
    ax = _new_axes(ax, width + 0.5, box_h + 3.4)
    ax.add_patch(FancyBboxPatch((0, 0), head_w, box_h, boxstyle="round,pad=0,rounding_size=0.3",
                                facecolor=STYLE["block"], edgecolor=STYLE["block_edge"], linewidth=1.2,
                                gid="rmap-head"))
    ax.text(head_w / 2, box_h / 2, head, ha="center", va="center",
            fontsize=STYLE["fontsize"] - 1, fontweight="bold", gid="rmap-head-text")
    states = set()
    prev = (head_w, box_h / 2)
    for i, (pid, comm, vm_start, vm_end, state, pte_text) in enumerate(boxes):
        x = x0 + i * (box_w + gap)
        states.add(state)
        ax.add_patch(Rectangle((x, 0), box_w, box_h, facecolor=PALETTE[state] if show_ptes
                               else STYLE["block"], edgecolor=STYLE["edge"], linewidth=0.8,
                               gid=f"vma:{i}:{pid}"))
        ax.text(x + box_w / 2, box_h / 2, _box_text(pid, comm, vm_start, vm_end, pte_text), ha="center",
                va="center", fontsize=STYLE["fontsize"] - 1, family=STYLE["mono"], gid=f"vma-text:{i}")
        ax.annotate("", xy=(x, box_h / 2), xytext=prev, gid=f"next:{i}",
                    arrowprops=dict(arrowstyle="-|>", color=STYLE["arrow"], lw=1.1, shrinkA=0,
                                    shrinkB=0, mutation_scale=14))
        prev = (x + box_w, box_h / 2)
    if boxes:
        ax.text(x0, -0.35, "first visited", ha="left", va="top", fontsize=STYLE["small"] + 1,
                color="#444444", style="italic")
        ax.text(prev[0], -0.35, "last visited", ha="right", va="top", fontsize=STYLE["small"] + 1,
                color="#444444", style="italic")
    else:
        ax.text(x0 + box_w / 2, box_h / 2, "empty list", ha="center", va="center",
                fontsize=STYLE["fontsize"], color="#666666", style="italic")
    ax.set_xlim(-0.3, width)
    ax.set_ylim(-1.2, box_h + 0.6)
    what = f"pfn 0x{pfn:x}" if pfn is not None else name
    title = title or (f"rmap of {what}: {len(boxes)} vma{'s' if len(boxes) != 1 else ''} in list order "
                      "(a walk visits them left to right)")
    if show_ptes:
        where = "for this page" if pfn is not None else f"at {address:08x}"
        _finish(ax, title, _legend_handles(states), f"what each vma's pte holds {where}")
    else:
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=STYLE["title"], loc="left")
    return ax


def _shape(look):
    """What fixes an rmap picture's layout: the list's name, its vmas' pids, the legend's states, pfn or address."""
    head, name, boxes, pfn, address, show_ptes = look
    return name, tuple(box[0] for box in boxes), frozenset(box[4] for box in boxes), pfn, address, show_ptes


class RmapPicture:
    """draw_rmap on one figure outside pyplot, kept while the list keeps its shape, rendered to PNG.

    A stepper's rmap picture changes at a step in its head's lock line, a vma's colour or its pte's
    text; the rest (title, legend, notes) stays while the list holds the same vmas and the legend
    the same states. So the figure is drawn whole once per shape (`_shape`),
    without the parts that change, and `png(look)` draws just those over the saved background:
    the same pixels as `drawn_png` of a new `draw_rmap_look` figure, in a fraction of the time.
    """

    def __init__(self, dpi=None):
        if dpi is not None:
            check_int("dpi", dpi, 1, 1000)
        self.dpi = dpi or STYLE["dpi"]
        self.shape = self.look = self._png = None

    def png(self, look):
        """The picture of `look` (an `rmap_look` tuple) as PNG bytes."""
        if look == self.look:
            return self._png
        if _shape(look) != self.shape:
            self._build(look)
        head, _, boxes, _, _, show_ptes = look
        self.head.set_text(head)
        for (pid, comm, vm_start, vm_end, state, pte_text), patch, text in zip(boxes, self.boxes, self.texts):
            patch.set_facecolor(PALETTE[state] if show_ptes else STYLE["block"])
            text.set_text(_box_text(pid, comm, vm_start, vm_end, pte_text))
        self.look = look
        self.fig.canvas.restore_region(self.background)
        for artist in self.dynamic:                   # in the order a whole draw draws them
            self.ax.draw_artist(artist)
        crop = tight_crop(self.fig)                   # the new texts' crop (a longer head line is wider)
        if crop is None:                              # a drawing past its figure's edge: savefig's way
            for artist in self.dynamic:
                artist.set_animated(False)
            self.shape = None                         # (built again for the next look)
            self._png = drawn_png(self.fig, self.dpi)
        else:
            self._png = cropped_png(self.fig.canvas, crop)
        return self._png

    def _build(self, look):
        """A new figure for `look`'s shape, drawn without the parts that change (its background)."""
        with offscreen():
            self.ax = ax = draw_rmap_look(look)
        self.fig = fig = ax.figure
        fig.set_dpi(self.dpi)
        by_gid = {artist.get_gid(): artist for artist in ax.get_children() if artist.get_gid()}
        n = len(look[2])
        self.head = by_gid["rmap-head-text"]
        self.boxes = [by_gid[f"vma:{i}:{pid}"] for i, pid in enumerate(_shape(look)[1])]
        self.texts = [by_gid[f"vma-text:{i}"] for i in range(n)]
        arrows = [by_gid[f"next:{i}"] for i in range(n)]
        changing = set(map(id, [self.head, *self.boxes, *self.texts, *arrows]))
        # Axes.draw's order (by zorder, then as added); the arrows too, as they are drawn over the boxes.
        self.dynamic = sorted((a for a in ax.get_children() if id(a) in changing), key=lambda a: a.get_zorder())
        for artist in self.dynamic:
            artist.set_animated(True)                 # left out of the background
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)
        self.shape = _shape(look)
