"""The 32 bits of i386 ptes, one row per pte, fields coloured: `draw_pte_bits`.

A present pte has the frame number in bits 12-31 and flags below; a swap pte
(bits 0, 6 and 7 clear) has the swap offset in bits 8-31 and the swap type in
bits 1-5 (pgtable-2level.h). A migration entry is a swap pte of type 30 or 31.
"""

from matplotlib.patches import Patch, Rectangle

from ..errors import MigsimError, bad_value
from ..include.asm_i386 import pgtable as pg
from .style import PALETTE, STYLE, _new_axes, check_picture

FIELD_COLOURS = {
    "pfn": PALETTE["anon"], "flag": PALETTE["file"], "offset": PALETTE["swapcache"],
    "type": PALETTE["migration"], "zero": PALETTE["free"], "present": PALETTE["locked"],
}
FIELD_LABELS = {
    "pfn": "frame number", "flag": "flag bits", "offset": "swap offset (pfn of a migration entry)",
    "type": "swap type", "zero": "must be 0", "present": "present bit",
}
FLAG_NAMES = {0: "P", 1: "RW", 2: "U", 3: "PWT", 4: "PCD", 5: "A", 6: "D", 7: "PSE", 8: "G"}


def bit_fields(value):
    """The field each of the 32 bits of pte `value` belongs to (index = bit number)."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 32:
        raise MigsimError(f"bad pte value: {value!r} (expected an int from 0 to 0xffffffff)")
    if pg.pte_present(value):
        return ["present"] + ["flag"] * 11 + ["pfn"] * 20
    return ["present"] + ["type"] * 5 + ["zero"] * 2 + ["offset"] * 24


def draw_pte_bits(rows, ax=None, title=None):
    """Draw each (label, pte value) of `rows` as 32 boxes, bit 31 at the left; returns the axes.

    Each box shows the bit's value; its colour is its field. Artists carry
    ``gid`` ``bit:<row>:<bit>`` (the box) and ``value:<row>:<bit>`` (its 0 or 1).
    """
    check_picture(ax, title)
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise bad_value("rows", rows, "a list of (label, pte value) pairs")
    rows = list(rows)
    if not rows or any(not isinstance(r, tuple) or len(r) != 2 for r in rows):
        raise MigsimError(f"bad rows: {rows!r} (expected a list of (label, pte value) pairs)")
    ax = _new_axes(ax, 40, 2.0 + 1.6 * len(rows))
    used = set()
    for r, (label, value) in enumerate(rows):
        fields = bit_fields(value)
        y = -1.6 * r
        ax.text(-0.6, y + 0.5, f"{label}\n0x{value:08x}", ha="right", va="center", fontsize=STYLE["fontsize"],
                family=STYLE["mono"])
        for bit in range(32):
            x = 31 - bit
            used.add(fields[bit])
            ax.add_patch(Rectangle((x, y), 0.94, 1.0, facecolor=FIELD_COLOURS[fields[bit]],
                                   edgecolor=STYLE["edge"], linewidth=0.6, gid=f"bit:{r}:{bit}"))
            ax.text(x + 0.47, y + 0.5, str(value >> bit & 1), ha="center", va="center",
                    fontsize=STYLE["small"] + 1, family=STYLE["mono"], gid=f"value:{r}:{bit}")
            if r == 0 and (bit % 4 == 0 or bit == 31):
                ax.text(x + 0.47, y + 1.25, str(bit), ha="center", va="bottom", fontsize=STYLE["small"])
            if fields[bit] == "flag" and bit in FLAG_NAMES and pg.pte_present(value):
                ax.text(x + 0.47, y - 0.2, FLAG_NAMES[bit], ha="center", va="top", fontsize=STYLE["small"])
    ax.set_xlim(-9, 32.5)
    ax.set_ylim(-1.6 * len(rows) - 0.2, 2.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title or "", fontsize=STYLE["title"], loc="left")
    handles = [Patch(facecolor=FIELD_COLOURS[f], edgecolor=STYLE["edge"], label=FIELD_LABELS[f])
               for f in FIELD_COLOURS if f in used]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
              fontsize=STYLE["fontsize"] - 1, frameon=False)
    return ax
