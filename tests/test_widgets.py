"""migsim.widgets, driven from Python (no browser, no kernel): the stepper and the explorer view.

Every state the stepper shows must be the state a fresh replay of the same
schedule prefix gives; the widgets only read the model.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import html
import pathlib

import ipywidgets
import matplotlib.pyplot as plt
import pytest

import migsim
from migsim import scenarios, widgets
from migsim.sched import expand

FORK = scenarios.FORK_RACE
AT = "swapless-core"
RACE = expand(FORK.schedule)            # 103 steps; the last one breaks the machine


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()
    plt.close("all")


def fresh(prefix, scenario=FORK, at=AT):
    """A new machine of the scenario with `prefix` replayed."""
    k, _ = scenario.build(at)
    if prefix:
        k.replay(prefix)
    return k


def click_steps(s, labels):
    """Choose each task in turn (its toggle button) and click step."""
    for label in labels:
        s.task_buttons[label].value = True
        s.step_button.click()


# --- stepping, back, slider, reset ---------------------------------------------------------------

def test_step_button_steps_the_chosen_task_and_matches_a_fresh_replay():
    s = widgets.Stepper(FORK, AT)
    click_steps(s, "MMMFFM")
    assert s.rec.k.schedule == "MMMFFM"
    assert s.rec.k.dump() == fresh("MMMFFM").dump()
    assert s.slider.value == s.slider.max == 6
    assert "schedule so far: M3F2M" in s.state_text()


def test_the_panel_names_the_new_scheduling_point_and_its_function():
    s = widgets.Stepper(FORK, AT)
    click_steps(s, "M" * 11)
    t = fresh("M11").task("M")
    fn, point = t.where()
    assert point == "spin_lock &mm101->page_table_lock" and fn == "check_pte_range"
    text = s.state_text()
    assert f"task M stopped at {point}" in text
    assert f"next for M: scheduling point {point} in {fn}" in text
    assert "stack: " + " > ".join(t.stack()) in text
    assert point in html.unescape(s.where.value) and fn in s.where.value   # the HTML panel shows the same


def test_back_and_slider_and_reset_reproduce_the_recorded_states():
    s = widgets.Stepper(FORK, AT)
    prefix = "M30F4M3"
    click_steps(s, expand(prefix))
    n = len(expand(prefix))
    s.back_button.click()
    assert s.rec.pos == n - 1 and s.slider.value == n - 1
    assert s.rec.k.dump() == fresh(expand(prefix)[:-1]).dump()
    for i in (5, 33, 0, n):
        s.slider.value = i
        assert s.rec.pos == i
        assert s.rec.k.dump() == fresh(expand(prefix)[:i]).dump()
    assert s.slider.max == n                                   # travelling keeps the recording
    s.reset_button.click()
    assert s.rec.pos == 0 and s.slider.max == 0                # opened empty: the recording is gone
    assert s.rec.k.dump() == fresh("").dump()
    assert s.back_button.disabled


def test_stepping_from_the_middle_keeps_a_matching_future_and_drops_a_different_one():
    s = widgets.Stepper(FORK, AT, schedule="M40")
    s.slider.value = 10
    assert s.chosen == "M"                                     # the recording's next step
    s.step_button.click()
    assert s.slider.max == 40                                  # same step: the future stays
    s.task_buttons["F"].value = True
    s.step_button.click()
    assert s.rec.schedule() == "M11F" and s.slider.max == 12   # a new branch
    assert s.rec.k.dump() == fresh("M11F").dump()


def test_opening_a_schedule_positions_on_its_last_state():
    s = widgets.Stepper(FORK, AT, schedule="M20F3")
    assert s.rec.pos == s.slider.value == s.slider.max == 23
    assert s.rec.k.dump() == fresh("M20F3").dump()
    assert s.chosen in s.rec.runnable()


def test_a_stepper_opened_on_its_last_state_says_to_press_reset_to_replay():
    ended = widgets.Stepper(scenarios.DIRTY_FALLBACK, "fixups", schedule="M10", finish=True)
    crashed = widgets.Stepper(FORK, AT, schedule=FORK.schedule)
    for s in (ended, crashed):
        assert s.step_button.disabled and "press <b>reset</b> to replay" in s.where.value
        assert "ahead" not in s.where.value
        s.reset_button.click()
        assert s.rec.pos == 0 and "reset" not in s.where.value and not s.step_button.disabled


def test_a_stepper_moved_back_says_how_many_recorded_steps_are_ahead():
    s = widgets.Stepper(FORK, AT, schedule="M20F3")
    assert "ahead" not in s.where.value                     # the tasks can go on, but nothing is recorded
    s.goto(20)
    assert "3 recorded steps ahead" in s.where.value and not s.step_button.disabled
    s.step_button.click()
    s.step_button.click()
    assert "1 recorded step ahead" in s.where.value
    assert "ahead" not in s.state_text()                    # the text view (chapters print it) is unchanged


def test_a_schedule_that_steps_a_task_that_cannot_run_is_refused():
    with pytest.raises(migsim.MigsimError, match="runnable"):
        widgets.Stepper(FORK, AT, schedule="M85F7M6M")        # M waits for F's page table lock
    with pytest.raises(migsim.MigsimError, match="schedule"):
        widgets.Stepper(FORK, AT, schedule="3M")


# --- the kernel bug ------------------------------------------------------------------------------------

def test_stepping_into_the_fork_race_stops_on_the_kernel_bug():
    s = widgets.Stepper(FORK, AT)
    click_steps(s, RACE[:-1])
    assert not s.rec.error and not s.step_button.disabled
    click_steps(s, RACE[-1:])
    expected = scenarios.run(FORK, AT, FORK.schedule).error
    assert "migration entry" in expected
    assert s.rec.error == expected
    assert "KERNEL BUG" in s.banner.value and "migration entry" in s.banner.value
    assert f"KERNEL BUG: {expected}" in s.state_text()
    assert s.step_button.disabled and s.play.disabled
    assert not s.play.playing
    s.step_button.click()                                      # stepping forward does nothing
    assert s.rec.pos == len(RACE)


def test_the_explorers_schedule_opens_on_the_failing_state_and_back_clears_it():
    s = widgets.Stepper(FORK, AT, schedule=FORK.schedule)
    assert s.rec.pos == len(RACE) and s.rec.error
    assert "can step: nothing" in s.state_text()
    s.back_button.click()
    assert not s.rec.error and s.banner.value == "" and not s.step_button.disabled
    assert s.rec.k.dump() == fresh(RACE[:-1]).dump()
    s.step_button.click()                                      # the recording's next step: M again
    assert s.rec.error and s.rec.pos == len(RACE)


def test_a_scenario_broken_from_the_start_shows_the_bug_at_state_0():
    s = widgets.Stepper(scenarios.SWAPON_OVERFLOW, AT)
    assert s.rec.pos == 0
    assert "swap_info[30] is past the end" in s.banner.value
    assert s.step_button.disabled


def test_the_ending_runs_as_a_last_step_once_the_tasks_are_over():
    s = widgets.Stepper(scenarios.SWAPON_OVERFLOW, "swapon-fix")   # no tasks, fixed: ends well
    assert s.step_button.description == "finish"
    s.step_button.click()
    assert not s.rec.error and "ended without a kernel bug" in s.banner.value
    assert s.step_button.disabled
    s = widgets.Stepper(scenarios.DIRTY_FALLBACK, "dirty-fallback")   # one task, then the ending
    while s.step_button.description == "step":
        s.step_button.click()
    assert s.rec.k.task("M").done and s.task_buttons["M"].disabled
    assert "next: the scenario's ending" in s.state_text()
    s.step_button.click()
    assert s.rec.history[-1] == widgets.FINISH and not s.rec.error
    assert "+ ending" in s.state_text()


# --- the task selector ----------------------------------------------------------------------------

def test_a_blocked_task_is_disabled_and_says_what_it_waits_on():
    s = widgets.Stepper(FORK, AT, schedule="M85F7M6")           # M now waits for F's page table lock
    m = s.rec.k.task("M")
    assert m.blocked
    assert s.task_buttons["M"].disabled and not s.task_buttons["F"].disabled
    assert s.chosen == "F" and s.task_buttons["F"].value and not s.task_buttons["M"].value
    assert m.waits_on() in html.unescape(s.task_status["M"].value)
    assert m.waits_on() in s.task_buttons["M"].tooltip
    assert f"blocked: waits in {m.waits_on()}" in s.state_text()
    s.step_button.click()                                      # steps F, the only runnable task
    assert s.rec.k.schedule.endswith("F")


def test_a_finished_task_is_disabled():
    s = widgets.Stepper(FORK, AT, schedule="M85F7M6F2")          # F has returned
    assert s.rec.k.task("F").done
    assert s.task_buttons["F"].disabled and "done" in s.task_status["F"].value


def test_choosing_a_task_keeps_one_button_pressed():
    s = widgets.Stepper(FORK, AT)
    s.task_buttons["F"].value = True
    assert s.chosen == "F" and not s.task_buttons["M"].value
    s.task_buttons["F"].value = False                          # unpressing the chosen one keeps it
    assert s.chosen == "F" and s.task_buttons["F"].value


# --- play ---------------------------------------------------------------------------------------------

def test_play_ticks_follow_the_recording_and_stop_on_the_bug():
    s = widgets.Stepper(FORK, AT, schedule=FORK.schedule)
    s.slider.value = 0
    s.play.playing = True
    for _ in range(len(RACE) + 5):                             # the front end's timer, by hand
        s.play.value += 1
    assert s.rec.pos == len(RACE) and s.rec.error
    assert s.rec.k.dump() == widgets.Stepper(FORK, AT, schedule=FORK.schedule).rec.k.dump()
    assert not s.play.playing


def test_play_without_a_recording_steps_the_chosen_task():
    s = widgets.Stepper(FORK, AT)
    s.task_buttons["F"].value = True
    for _ in range(3):
        s.play.value += 1
    assert s.rec.k.schedule == "FFF"


def test_no_threads_and_no_sleeping_in_the_widgets():
    files = sorted(pathlib.Path(widgets.__file__).parent.glob("*.py"))       # every module of the package
    source = "".join(f.read_text() for f in files)
    assert "sleep(" not in source and "threading" not in source and "asyncio" not in source


# --- pictures and text --------------------------------------------------------------------------------

def test_the_picture_is_a_png_redrawn_when_the_machine_changes():
    s = widgets.Stepper(FORK, AT)
    first = bytes(s.image.value)
    assert first.startswith(b"\x89PNG") and s.png == first
    click_steps(s, "M")                                        # down_read: no frame changes
    assert bytes(s.image.value) == first
    click_steps(s, "M" * 20)
    assert bytes(s.image.value) != first
    s.slider.value = 0
    assert bytes(s.image.value) == first                       # the same state, the same picture


def test_every_picture_choice_draws_and_the_dump_is_the_machines():
    s = widgets.Stepper(FORK, AT, schedule="M85F7M6F2")
    values = [v for _, v in s.picture.options]
    assert values[:3] == ["machine", "timeline", "rmap"]
    assert "pid 102" in values                                 # the new child's page table
    seen = set()
    for v in values:
        s.picture.value = v
        assert bytes(s.image.value).startswith(b"\x89PNG")
        seen.add(bytes(s.image.value))
    assert len(seen) == len(values)
    s.dump.selected_index = 0                                  # unfold the dump
    assert s.rec.k.dump() in html.unescape(s.dump_html.value)


def test_the_dump_is_written_only_while_unfolded_and_then_follows_each_step():
    s = widgets.Stepper(FORK, AT)
    assert s.dump.selected_index is None and s.dump_html.value == ""
    s.dump.selected_index = 0
    click_steps(s, "M" * 20)
    assert html.unescape(s.dump_html.value).count(fresh("M" * 20).dump()) == 1
    s.dump.selected_index = None
    click_steps(s, "M")
    assert fresh("M" * 20).dump() in html.unescape(s.dump_html.value)      # folded: left as it was


def test_the_scenarios_processes_are_named_for_who_they_are():
    s = widgets.Stepper(FORK, AT, schedule=FORK.schedule[:-1])
    offered = [text for text, value in s.picture.options if value.startswith("pid ")]
    assert offered == ["page table of pid 100 (parent)", "page table of pid 101 (child)",
                       "page table of pid 102 (new child)"]


def test_display_text_is_short_and_stable():
    s = widgets.Stepper(FORK, AT)
    bundle = s._repr_mimebundle_()
    assert bundle["text/plain"] == "<Stepper fork_race at swapless-core: state 0 of 0>"
    assert "application/vnd.jupyter.widget-view+json" in bundle


# --- the explorer view -----------------------------------------------------------------------------------

def test_explorer_view_finds_the_fork_race_and_opens_it_in_a_stepper():
    e = widgets.ExplorerView(FORK, AT, bound=2)
    assert e.open_button.disabled
    e.run_button.click()
    r = e.report
    assert r.failing > 0 and r.shortest == FORK.schedule
    text = e.counts_text()
    assert f"{r.explored} explored, {r.pruned} pruned, {r.failing} failing" in text
    assert r.shortest in e.counts.value
    assert not e.open_button.disabled
    e.open_button.click()
    s = e.stepper
    assert e.stepper_box.children == (s.widget,)
    assert s.rec.schedule() == r.shortest and s.rec.pos == s.slider.max == len(RACE)
    assert s.rec.error == r.shortest_error
    assert s.rec.k.dump() == fresh(RACE).dump()


def test_explorer_view_opens_a_failure_found_in_the_ending():
    e = widgets.ExplorerView(scenarios.COW_FORK, AT, bound=1)
    e.run()
    s = e.open_shortest()
    assert s.rec.schedule() == e.report.shortest
    assert s.rec.history[-1] == widgets.FINISH                 # the bug shows when the processes write
    assert "reads wrong data" in s.rec.error


def test_explorer_view_with_nothing_failing_cannot_open():
    e = widgets.ExplorerView(FORK, AT, bound=0)
    e.run_button.click()
    assert e.report.failing == 0 and e.open_button.disabled
    assert "no failing schedule" in e.counts_text()
    with pytest.raises(migsim.MigsimError):
        e.open_shortest()
