"""draw_pte_bits: the 32 bits of i386 ptes, fields coloured (chapter 05's picture)."""

import matplotlib
import pytest

matplotlib.use("Agg")

from migsim import draw  # noqa: E402
from migsim.errors import MigsimError  # noqa: E402


def test_fields_of_a_present_and_a_swap_pte():
    present = draw.bit_fields(0x01000067)
    assert present[0] == "present" and present[1:12] == ["flag"] * 11 and present[12:] == ["pfn"] * 20
    entry = draw.bit_fields(0x0012343E)          # a write migration entry for pfn 0x1234
    assert entry[1:6] == ["type"] * 5 and entry[6:8] == ["zero"] * 2 and entry[8:] == ["offset"] * 24


def test_every_bit_is_drawn_with_its_value():
    ax = draw.draw_pte_bits([("present", 0x01000067), ("write entry", 0x0012343E)])
    boxes = [a for a in ax.patches if (a.get_gid() or "").startswith("bit:")]
    assert len(boxes) == 64
    bits = {t.get_gid(): t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("value:")}
    assert "".join(bits[f"value:0:{b}"] for b in range(31, -1, -1)) == format(0x01000067, "032b")
    assert "".join(bits[f"value:1:{b}"] for b in range(31, -1, -1)) == format(0x0012343E, "032b")
    matplotlib.pyplot.close(ax.figure)


@pytest.mark.parametrize("rows", [[], [("x", -1)], [("x", 1 << 32)], [("x", "0x3e")], ["x"]])
def test_bad_rows_are_a_clear_error(rows):
    with pytest.raises(MigsimError):
        draw.draw_pte_bits(rows)
