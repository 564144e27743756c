"""The stepper reads well at 1366x768 (issue 20 §5): task lines, label sizes, labels in their boxes, no upscaling.

What a browser decides (where the picture lands on the screen, the size it is
shown at) is tests/test_browser.py's; here, what Python decides: the text of
every task line in every state, and every text of every picture the stepper
draws, measured with the Agg renderer at the stepper's own dpi.
"""

import io
import re

import pytest
from PIL import Image

import migsim
from migsim import draw, scenarios, widgets
from migsim.include.asm_i386.pgtable import PAGE_SIZE as PAGE
from migsim.scenarios import Scenario
from migsim.widgets import stepper as stepper_mod
from migsim.widgets.calls import call_text, flag_names, MPOL_MF, PROT

MIN_PX = 9


# --- scenarios whose tasks pass addresses and flags -------------------------------------------

def _build_calls(at, patch=None):
    """Root moves pages with MPOL_MF_MOVE_ALL while the owner mbinds, mprotects, reads and writes."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=20)
    p = k.spawn("owner")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * PAGE, b"page %d" % i)
    status = ["unset"] * 3
    k.start(k.sys_move_pages, p.pid, [a + i * PAGE for i in range(3)], [1, 1, 1], status,
            migsim.MPOL_MF_MOVE_ALL, label="M")
    k.start(p.mbind, a, 3, "bind", [1], migsim.MPOL_MF_MOVE | migsim.MPOL_MF_STRICT, label="B")
    return k, {"a": a, "p": p}


def _build_prot(at, patch=None):
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=16, seed=20)
    p = k.spawn("owner")
    a = p.mmap(2)
    p.write(a, b"x")
    q = k.spawn("other")
    b = q.mmap(1)
    q.write(b, b"y")
    k.start(p.mprotect, a, 2, 1, label="P")
    k.start(q.read, b + 8, 1, label="R")
    k.start(k.sys_move_pages, q.pid, [b], None, ["unset"], 0, label="M")
    return k, {"a": a, "p": p}


def _finish(k, ctx):
    """The machine is checked"""
    k.check()


CALLS = Scenario(name="calls", bug="none", title="calls with addresses and flags", about="",
                 build=_build_calls, finish=_finish)
PROT_CALLS = Scenario(name="prot_calls", bug="none", title="mprotect, mbind and a read", about="",
                      build=_build_prot, finish=_finish)


def every_stepper():
    """(id, Stepper) for each registered scenario where it lives, and for the two above at v2.6.18."""
    out = [(f"{sc.name}@{at}", sc, at, sc.schedule_for(at))
           for sc in scenarios.ALL.values() for at in sc.lives[:1]]
    out += [("calls@v2.6.18", CALLS, "v2.6.18", ""), ("prot_calls@v2.6.18", PROT_CALLS, "v2.6.18", "")]
    return out


STEPPERS = every_stepper()


def opened(scenario, at, schedule):
    """A stepper on `schedule`, or with no schedule one that steps its tasks in turns of 5 to the end."""
    s = widgets.Stepper(scenario, at, schedule=schedule, finish=True)
    n = 0
    while not schedule and s.rec.runnable():
        can = s.rec.runnable()
        s.step(can[(n // 5) % len(can)])
        n += 1
    return s


def states(s):
    """Every recorded state of stepper `s`, visited in order."""
    for i in range(len(s.rec.history) + 1):
        s.goto(i)
        yield i


def balanced(text):
    pairs, stack = {")": "(", "]": "[", "}": "{"}, []
    for c in text:
        if c in "([{":
            stack.append(c)
        elif c in pairs:
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack


# --- task lines -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, scenario, at, schedule", STEPPERS, ids=[s[0] for s in STEPPERS])
def test_every_task_line_has_whole_brackets_hex_addresses_and_named_flags(name, scenario, at, schedule):
    s = opened(scenario, at, schedule)
    calls = set()
    for i in states(s):
        for t in s.k.tasks:
            state, call, detail, chosen = s.task_text(t)
            calls.add(call)
            line = f"{state} {call}: {detail}"
            assert balanced(call), f"state {i}: {call!r} cuts a bracket"
            assert len(call) <= stepper_mod.CALL_CHARS, call
            # an address or any large number in a call is hex: no decimal of 5 digits or more
            assert not re.search(r"(?<![\w.])\d{5,}", call), f"state {i}: a decimal in {call!r}"
            assert "(not started)" not in line and "(finished)" not in line, line
    text = " ".join(calls)
    if scenario is CALLS:
        assert "MPOL_MF_MOVE_ALL)" in text and "MPOL_MF_STRICT|MPOL_MF_MOVE)" in text, calls
        assert "0x40000000" in text, calls
    if scenario is PROT_CALLS:
        assert "owner.mprotect(0x40000000, 2, PROT_READ)" in text and "other.read(0x40000008, 1)" in text
        assert "sys_move_pages(101, [0x40000000], None, status, 0)" in text, calls


def test_a_call_too_long_gives_up_whole_items_then_whole_arguments_never_half_a_bracket():
    args = (100, [0x40000000, 0x40001000, 0x40002000], [1, 1, 1], ["unset"] * 3, migsim.MPOL_MF_MOVE_ALL)
    whole = call_text("sys_move_pages", args)
    assert whole == ("sys_move_pages(100, [0x40000000, 0x40001000, 0x40002000], [1, 1, 1], status, "
                     "MPOL_MF_MOVE_ALL)")
    seen = set()
    for width in range(5, len(whole) + 2):
        text = call_text("sys_move_pages", args, width=width)
        seen.add(text)
        assert balanced(text) and text.startswith("sys_move_pages(") and text.endswith(")"), text
        assert len(text) <= max(width, len("sys_move_pages(…)")), (width, text)
    # the flags are the last to go: they say what the call does
    assert "sys_move_pages(100, [0x40000000, …+2], …, MPOL_MF_MOVE_ALL)" in seen


def test_flags_are_named_from_the_headers():
    assert flag_names(2, MPOL_MF) == "MPOL_MF_MOVE"
    assert flag_names(4, MPOL_MF) == "MPOL_MF_MOVE_ALL"
    assert flag_names(3, MPOL_MF) == "MPOL_MF_STRICT|MPOL_MF_MOVE"
    assert flag_names(0x12, MPOL_MF) == "MPOL_MF_MOVE|0x10"        # a bit no header names stays visible
    assert flag_names(3, PROT, none="PROT_NONE") == "PROT_READ|PROT_WRITE"
    assert call_text("mprotect", (0x40000000, 1, 0), comm="app") == "app.mprotect(0x40000000, 1, PROT_NONE)"
    assert call_text("mmap", (2,), {"prot": 5}) == "mmap(2, prot=PROT_READ|PROT_EXEC)"


def test_a_blocked_task_says_what_it_waits_on_in_a_few_words():
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core")
    for i in states(s):
        pass
    s = opened(CALLS, "v2.6.18", "")
    waits = [s.task_text(t)[2] for _ in states(s) for t in s.k.tasks if t.blocked]
    assert all("<" not in w and len(w) < 80 for w in waits), waits


# --- the pictures: label sizes, labels in their boxes, natural size ---------------------------------------

def picture_kinds(s):
    return [value for _, value in s._picture_options()]


def pictures(s):
    """(state, kind, axes, png) of every picture of every few states of stepper `s`."""
    for i in states(s):
        if i % 7 and i != len(s.rec.history):
            continue
        for kind in picture_kinds(s):
            s.picture.value = kind
            png = s.png
            with draw.offscreen(), draw.restyled(**stepper_mod.PICTURE_STYLE):
                ax = s.picture_axes(kind)
                yield i, kind, ax, png
        s.picture.value = "machine"


def texts_of(fig):
    """Every visible, non-empty text artist of a figure (titles, labels, ticks, legends included)."""
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


PICTURED = [STEPPERS[0], STEPPERS[2], STEPPERS[-2]]          # fork race (rmap), cow fork, move_pages


@pytest.mark.parametrize("name, scenario, at, schedule", PICTURED, ids=[s[0] for s in PICTURED])
def test_every_label_of_every_picture_is_at_least_9px_at_the_size_it_is_shown(name, scenario, at, schedule):
    s = opened(scenario, at, schedule)
    for i, kind, ax, png in pictures(s):
        width, height = Image.open(io.BytesIO(png)).size
        # shown at natural size: JupyterLab at 1366x768 leaves PICTURE_MAX_WIDTH; the layout never stretches it
        assert width <= stepper_mod.PICTURE_MAX_WIDTH, (kind, width)
        shown = 1.0
        dpi = stepper_mod.PICTURE_DPI
        small = [(t.get_text(), round(t.get_fontsize() * dpi / 72 * shown, 1)) for t in texts_of(ax.figure)
                 if t.get_fontsize() * dpi / 72 * shown < MIN_PX]
        assert small == [], f"state {i}, picture {kind}: labels under {MIN_PX}px: {small[:5]}"


def test_the_picture_is_never_stretched_beyond_its_own_size():
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core")
    layout = s.image.layout
    assert layout.align_self == "flex-start"      # a column flexbox would otherwise stretch it to full width
    assert layout.width in (None, "", "auto") and layout.height in (None, "", "auto")
    assert layout.max_width == "100%" and layout.object_fit == "contain"


def _inside(inner, outer, slack=1.0):
    return (inner.x0 >= outer.x0 - slack and inner.x1 <= outer.x1 + slack
            and inner.y0 >= outer.y0 - slack and inner.y1 <= outer.y1 + slack)


def boxed_texts(ax):
    """(text, its box) for every text drawn in a frame, a vma box or the rmap head (by position)."""
    boxes = [p for p in ax.patches if (p.get_gid() or "").split(":")[0] in ("frame", "vma", "rmap-head")]
    out = []
    for t in ax.texts:
        if not t.get_text().strip() or not t.get_visible():
            continue
        x, y = t.get_position()
        for b in boxes:
            bb = b.get_bbox() if hasattr(b, "get_bbox") else None
            if bb is not None and bb.x0 < x < bb.x1 and bb.y0 < y < bb.y1:
                out.append((t, b))
                break
    return out


@pytest.mark.parametrize("name, scenario, at, schedule", PICTURED, ids=[s[0] for s in PICTURED])
def test_no_label_spills_out_of_its_box(name, scenario, at, schedule):
    s = opened(scenario, at, schedule)
    checked = 0
    for i, kind, ax, png in pictures(s):
        fig = ax.figure
        renderer = fig.canvas.get_renderer()
        if kind == "machine":
            # the live picture's frame labels are set per state; measure them as the picture draws them
            pic = s._machine
            pairs = [(pic.labels[pfn], pic.frames[pfn]) for pfn in pic.frames if pic.labels[pfn].get_text()]
        else:
            fig.canvas.draw()
            pairs = boxed_texts(ax)
        for t, box in pairs:
            checked += 1
            assert _inside(t.get_window_extent(renderer), box.get_window_extent(renderer)), \
                f"state {i}, picture {kind}: {t.get_text()!r} spills out of {box.get_gid()}"
    assert checked > 0


def test_chapter_07s_rmap_labels_stay_in_their_vma_boxes():
    """07's stepper: fork_race at swapless-core on the explorer's failing schedule, the rmap picture."""
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core", schedule="M85F7M4", picture="rmap")
    with draw.offscreen(), draw.restyled(**stepper_mod.PICTURE_STYLE):
        ax = s.picture_axes("rmap")
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    pairs = boxed_texts(ax)
    assert any("migration" in t.get_text() for t, _ in pairs)
    for t, box in pairs:
        assert _inside(t.get_window_extent(renderer), box.get_window_extent(renderer)), t.get_text()
