"""ExplorerView(..., patch={...}) explores the kernel with a student's functions in place (07 and 08's fixes)."""

import runpy

import ipywidgets
import nbformat
import pytest
from ipywidgets.widgets.widget import _instances

from chapter_cells import ROOT, answer, cells
from migsim import MigsimError, explore, scenarios, widgets

FORK, COW, AT = scenarios.FORK_RACE, scenarios.COW_FORK, "swapless-core"
# Wrong fixes of 07.2 written by someone who never read the solution (tests/independent/README.md).
WRONG = runpy.run_path(str(ROOT / "tests" / "independent" / "ex_07_2.py"))["WRONG"]


@pytest.fixture(autouse=True)
def close_widgets():
    yield
    ipywidgets.Widget.close_all()


def solution(chapter, fix_id, name, folder="solutions"):
    """The answer cell's function, run after the chapter's setup cell, as a student's notebook runs it."""
    c = cells(chapter, folder)
    return answer(c["setup"], c[fix_id], name, cell="fix")


def test_a_wrong_fix_finds_a_failing_schedule_and_opens_it_with_the_wrong_fix_in_place():
    patch = WRONG["tail_in_the_wrong_helpers"]                       # fork's own link still at the head
    e = widgets.ExplorerView(FORK, AT, patch=patch)
    e.run_button.click()
    assert e.error == "" and e.report.failing > 0 and not e.open_button.disabled
    assert e.report.shortest == explore.explore(FORK, AT, bound=2, patch=patch).shortest
    assert "migration entry" in e.report.shortest_error and "unlocked" in e.report.shortest_error   # bug B
    assert e.report.shortest in e.counts.value
    e.open_button.click()
    assert e.stepper_box.children == (e.stepper.widget,)
    assert e.stepper.rec.error == e.report.shortest_error
    assert set(patch) <= set(type(e.stepper.rec.k).PATCHED)          # the stepper replays the wrong fix


def test_the_solutions_fix_finds_nothing_in_07_and_08():
    e = widgets.ExplorerView(FORK, AT, bound=2,
                             patch={"anon_vma_link": solution("07-the-fork-race.ipynb", "fix_anon_vma_link",
                                                              "anon_vma_link")})
    assert repr(e) == "<ExplorerView fork_race at swapless-core with your anon_vma_link>"
    e.run_button.click()
    assert e.report.explored > 0 and e.report.failing == 0 and e.open_button.disabled
    assert "no failing schedule" in e.counts_text()
    mine = solution("08-the-cow-bug.ipynb", "fix_copy_one_pte", "copy_one_pte")
    assert widgets.ExplorerView(COW, "fork-race-fix", bound=2, patch={"copy_one_pte": mine}).run().failing == 0
    assert widgets.ExplorerView(COW, "fork-race-fix", bound=2).run().failing > 0


def test_a_raising_patch_shows_one_message_naming_the_function_and_its_line():
    stub = solution("07-the-fork-race.ipynb", "fix_anon_vma_link", "anon_vma_link", folder="exercises")
    e = widgets.ExplorerView(FORK, AT, patch={"anon_vma_link": stub})
    e.run_button.click()
    assert e.report is None and e.open_button.disabled
    assert e.error.startswith("your anon_vma_link raised NotImplementedError (line 7 of anon_vma_link)")
    assert "Traceback" not in e.error and "\n" not in e.error and e.counts_text() == e.error
    assert "NotImplementedError" in e.counts.value
    assert e.run() is None                      # called directly too: a message, not a traceback


def test_an_interrupt_while_exploring_is_a_message():
    def anon_vma_link(k, vma):
        raise KeyboardInterrupt
        yield
    e = widgets.ExplorerView(FORK, AT, patch={"anon_vma_link": anon_vma_link})
    e.run_button.click()
    assert e.error.startswith("interrupted in schedule 1")


@pytest.mark.parametrize("patch, named", [
    ({"anon_vma_lnk": lambda k, vma: None}, "anon_vma_lnk"),
    ({"anon_vma_link": lambda k: None}, "anon_vma_link"),
    ({"anon_vma_link": "append"}, "append"),
    ([("anon_vma_link", None)], "anon_vma_link"),
    ({}, "{}"),
])
def test_a_bad_patch_is_a_migsim_error_before_any_widget(patch, named):
    before = len(_instances)
    with pytest.raises(MigsimError, match=named):
        widgets.ExplorerView(FORK, AT, patch=patch)
    assert len(_instances) == before


@pytest.mark.parametrize("chapter, fix_id, name", [("07-the-fork-race", "fix_anon_vma_link", "anon_vma_link"),
                                                   ("08-the-cow-bug", "fix_copy_one_pte", "copy_one_pte")])
def test_the_exercise_notebooks_have_a_live_explorer_view_after_the_fix_cell(chapter, fix_id, name):
    nb = nbformat.read(ROOT / "exercises" / f"{chapter}.ipynb", as_version=4)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    after = nb.cells[ids.index(fix_id) + 1:]
    view = next(c for c in after if c.cell_type == "code" and "ExplorerView(" in c.source)
    assert f'patch={{"{name}": {name}' in view.source and "display(" in view.source


@pytest.mark.parametrize("chapter, fixed", [("07-the-fork-race", "fork-race-fix"), ("08-the-cow-bug", "cow-fix")])
def test_the_chapters_have_a_live_explorer_view_of_the_fixed_kernel_after_the_exercise_point(chapter, fixed):
    nb = nbformat.read(ROOT / "notebooks" / f"{chapter}.ipynb", as_version=4)
    point = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "markdown" and any(line.startswith("## ") and "Exercise" in line
                                                      for line in c.source.splitlines()))
    views = [c for c in nb.cells if c.cell_type == "code" and "ExplorerView(" in c.source]
    assert views and all(nb.cells.index(c) > point for c in views)
    shown = [o["data"]["text/plain"] for c in views for o in c.outputs if "data" in o]
    assert any(f"at {fixed}>" in text for text in shown)
