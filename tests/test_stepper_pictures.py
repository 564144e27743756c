"""The stepper's slow pictures drawn less and faster, showing the same.

The rmap picture: RmapPicture over rmap_look gives the pixels of a new
draw_rmap figure. The page table: page_table_look keys a kept PNG, so a step
that changes none of it draws nothing. drawn_png: savefig's tight PNG from one
draw.
"""

import io

import numpy as np
import pytest
from PIL import Image

import migsim
from migsim import draw, scenarios, widgets
from migsim.sched import expand
from migsim.widgets.stepper import PICTURE_DPI, PICTURE_STYLE


def pixels(png):
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def fork_race_looks():
    """Every distinct rmap look of 07's stepper (fork_race at swapless-core) along the scenario's schedule."""
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core", picture="rmap")
    looks = []
    for label in expand(scenarios.FORK_RACE.schedule):
        if not s.rec.runnable():
            break
        s.step(label)
        look = s._rmap_look()
        if look not in looks:
            looks.append(look)
    return looks


def fresh_png(look):
    """The picture of `look` the slow way: a new figure, drawn whole."""
    with draw.offscreen(), draw.restyled(**PICTURE_STYLE):
        return draw.drawn_png(draw.draw_rmap_look(look).figure, PICTURE_DPI)


def test_rmap_picture_gives_the_pixels_of_a_new_figure_in_every_state_of_the_fork_race():
    looks = fork_race_looks()
    # the walk's states: the list grows (fork), the head's lock changes hands, a migration entry appears
    assert len({len(look[2]) for look in looks}) >= 2 and len({look[0] for look in looks}) >= 2
    assert any(box[4] == "migration" for look in looks for box in look[2])
    picture = draw.RmapPicture(dpi=PICTURE_DPI)
    with draw.restyled(**PICTURE_STYLE):
        # forth, then back (a step back shows an older look on a figure built for a newer one)
        for look in looks + looks[::-1]:
            fast, slow = pixels(picture.png(look)), pixels(fresh_png(look))
            assert fast.shape == slow.shape and (fast == slow).all(), look[0]


def test_rmap_picture_draws_a_look_once():
    (look, *_) = fork_race_looks()
    picture = draw.RmapPicture(dpi=PICTURE_DPI)
    with draw.restyled(**PICTURE_STYLE):
        assert picture.png(look) is picture.png(tuple(look))


def test_drawn_png_is_savefigs_tight_png_from_one_draw():
    k = migsim.Kernel(at="swapless-core", nodes=2, frames_per_node=16, seed=2006)
    parent = k.spawn("parent")
    a = parent.mmap(2)
    parent.write(a, b"family")
    parent.fork()
    with draw.offscreen():
        fig = draw.draw_rmap(k, k.page(parent, a)).figure
        draws, draw_whole = [], fig.canvas.draw

        def counted_draw():
            draws.append(1)
            draw_whole()
        fig.canvas.draw = counted_draw
        one = pixels(draw.drawn_png(fig, 75))
        assert len(draws) == 1
        del fig.canvas.draw
        tight = pixels(draw.figure_png(fig, 75))
    # the same box to a pixel (savefig rounds its edges, a crop takes whole pixels)
    assert abs(one.shape[0] - tight.shape[0]) <= 1 and abs(one.shape[1] - tight.shape[1]) <= 1
    assert (one.mean(axis=(0, 1)) - tight.mean(axis=(0, 1)) < 2).all()


def test_drawn_png_of_a_picture_reaching_past_its_figure_is_savefigs_own():
    """A timeline's lane labels reach past its figure's left edge: drawn_png lets savefig grow the canvas."""
    with draw.offscreen(), draw.restyled(**PICTURE_STYLE):
        fig = draw.draw_timeline("M85F7M6F2M", labels={"M": "sys_migrate_pages(101, [0], [1])",
                                                       "F": "parent.fork(comm='new child')"}).figure
        fig.set_dpi(PICTURE_DPI)
        assert draw.tight_crop(fig) is None
        one, tight = pixels(draw.drawn_png(fig, PICTURE_DPI)), pixels(draw.figure_png(fig, PICTURE_DPI))
    assert one.shape == tight.shape and (one == tight).all()


@pytest.mark.parametrize("steps", ["M", "M85"])
def test_a_step_that_changes_nothing_in_the_rmap_picture_keeps_its_png(steps):
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core", schedule=steps, picture="rmap")
    before, look = s.png, s._rmap_look()
    s.step("M")
    if s._rmap_look() == look:
        assert s.png is before
    else:
        assert s.png is not before
    assert (pixels(s.png) == pixels(fresh_png(s._rmap_look()))).all()


def test_the_fork_race_has_steps_that_leave_the_rmap_picture_as_it_was():
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core", picture="rmap")
    kept = 0
    for label in expand(scenarios.FORK_RACE.schedule)[:40]:
        before = s.png
        s.step(label)
        kept += s.png is before
    assert kept >= 20


@pytest.mark.parametrize("scenario", [scenarios.COW_FORK, scenarios.FORK_RACE], ids=lambda s: s.name)
def test_equal_page_table_looks_are_equal_pictures_and_a_step_that_changes_none_draws_nothing(scenario):
    s = widgets.Stepper(scenario, "swapless-core", picture="pid 100")
    seen, kept, steps = {}, 0, 0
    for label in expand(scenario.schedule)[:60]:                # the first 60 steps: fork, migration starts
        if not s.rec.runnable():
            break
        before, look_before = s.png, draw.page_table_look(s.k, s.k.process(100))
        s.step(label)
        steps += 1
        look = draw.page_table_look(s.k, s.k.process(100))
        if look == look_before:
            assert s.png is before
            kept += 1
        with draw.offscreen(), draw.restyled(**PICTURE_STYLE):
            png = pixels(draw.drawn_png(draw.draw_page_table(s.k, s.k.process(100)).figure, PICTURE_DPI))
        if look in seen:
            assert seen[look].shape == png.shape and (seen[look] == png).all(), f"step {steps}"
        seen[look] = png
        assert (pixels(s.png) == png).all()
    assert kept >= steps // 3 and len(seen) >= 5
