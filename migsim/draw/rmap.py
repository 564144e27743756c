"""The reverse map: the vmas of an anon_vma's (or a file's i_mmap) list, in walk order (draw_rmap)."""

from matplotlib.patches import FancyBboxPatch, Rectangle

from ..errors import bad_value, check_int
from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import vma_address
from ..include.linux.pgtable_walk import get_pte
from ..views import PteView
from .frames import _states, check_kernel
from .pagetable import pte_kind
from .style import PALETTE, STYLE, _finish, _legend_handles, _new_axes, check_picture


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
    owner, vmas, page = rmap_list(page_or_anon_vma)
    if address is not None:
        if page is not None:
            raise bad_value("address", address, "None when a page is given (its own address is used)")
        check_int("address", address, 0, pg.TASK_SIZE - 1)
    show_ptes = page is not None or address is not None
    box_w, box_h, gap = 4.4, 2.6 if page is not None else 2.2, 1.0
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
