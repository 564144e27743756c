"""The course in a real browser: JupyterLab + Debian's chromium, driven by PyPI's playwright.

Copies every notebook of notebooks/ and solutions/ (and tests/browser/stepper.ipynb)
into a temporary root (Lab is never pointed at the real notebooks: it
autosaves), starts JupyterLab on loopback with this checkout first on the
kernels' PYTHONPATH, and at 1366x768:
- opens each notebook, clears its stored outputs, runs all cells, and finds no
  error output and no "Loading widget"; every stepper fits on the screen (its
  buttons, status lines and picture visible together); a screenshot of each
  (scrolled to its first stepper, if it has one) goes to test-artifacts/; in
  chapters 05, 06 and 07 the stepper goes two steps back and two forward, and
  the screen and its picture are shot (test-artifacts/lab-NN.png, -picture.png);
- in the stepper smoke notebook, presses "step" and checks that the page shows
  the new scheduling point, the same one a replay in this process gives, then
  times 20 clicks until the page shows the new state (the median is printed
  and written to test-artifacts/step-latency.txt; benchmarks measure speed,
  tests do not assert it).

Needs /usr/bin/chromium (``apt-get install chromium``) and playwright
(in the [test] extra; never ``playwright install``); skipped otherwise.
"""

import importlib.util
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
ROOT = HERE.parent
ARTIFACTS = ROOT / "test-artifacts"
COURSE = sorted(nb.relative_to(ROOT) for d in ("notebooks", "solutions") for nb in (ROOT / d).glob("*.ipynb"))
SCREEN = {"width": 1366, "height": 768}
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
VISIBLE_NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"

if not os.path.exists(CHROMIUM):
    pytest.skip(f"no {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run the "
                "browser test", allow_module_level=True)
if importlib.util.find_spec("playwright") is None:
    pytest.skip("playwright is not installed: pip install -e '.[test]' (do not run `playwright install`; "
                "the test uses /usr/bin/chromium)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from migsim import scenarios, widgets  # noqa: E402


# Exercise 07.2 as a student meets it: the exercise copy's setup, their anon_vma_link (wrong first: the
# head insertion 2.6.16 had; then right), the explorer view on it, and the grading cell.
STUDENT_07 = {"student-07-wrong.ipynb": "anon_vma.head.insert(0, vma)",
              "student-07-right.ipynb": "anon_vma.head.append(vma)"}


def student_notebook(line):
    nb = nbformat.read(ROOT / "exercises" / "07-the-fork-race.ipynb", 4)
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells if c.cell_type == "code"}
    answer = by_id["fix_anon_vma_link"]
    answer.source = re.sub(r"# YOUR CODE HERE\n\s*raise NotImplementedError\(\)", lambda m: line, answer.source)
    assert line in answer.source and "NotImplementedError" not in answer.source, answer.source
    view = next(c for c in nb.cells if c.cell_type == "code" and "ExplorerView" in c.source)
    nb.cells = [by_id["setup"], answer, view, by_id["test_07_2"]]
    for c in nb.cells:
        c.outputs, c.execution_count = [], None
    return nb


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """A JupyterLab on 127.0.0.1 serving copies of the course's notebooks and the stepper notebook; its URL."""
    root, home = tmp_path_factory.mktemp("labroot"), tmp_path_factory.mktemp("jhome")
    shutil.copy(HERE / "browser" / "stepper.ipynb", root)
    for name, line in STUDENT_07.items():
        nbformat.write(student_notebook(line), root / name)
    for nb in COURSE:
        (root / nb).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / nb, root / nb)
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    # What a student sees: the nbgrader extension (instructor extra) adds menus and a sidebar to Lab.
    (home / "config" / "labconfig").mkdir(parents=True)
    (home / "config" / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyter/nbgrader": true}}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    port = _free_port()
    log = open(home / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
                             f"--port={port}", "--ServerApp.token=", "--ServerApp.password=",
                             "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                try:
                    proc.wait(timeout=0.2)      # poll the server: it must not have exited
                    raise RuntimeError((home / "server.log").read_text())
                except subprocess.TimeoutExpired:
                    pass
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        yield b
        b.close()


def open_notebook(page, url, path):
    """Open `path` in Lab and wait until its kernel is connected and idle."""
    with page.expect_websocket(lambda ws: "/api/kernels/" in ws.url, timeout=60_000):
        page.goto(f"{url}/lab/tree/{path}?reset")             # ?reset: ignore a saved workspace
    page.wait_for_selector(f"{VISIBLE_NB} .jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)


def accept_kernel_dialog(page):
    """If Lab asks "Select Kernel", take the notebook's own (the dialog's default)."""
    dialog = page.locator(".jp-Dialog", has_text="Select Kernel")
    if dialog.count():
        dialog.locator("button.jp-mod-accept").click()
        dialog.wait_for(state="detached", timeout=10_000)


def menu(page, top, item):
    """Click menu `top`, then its entry `item`."""
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.get_by_role("menuitem", name=item).first.click()


def run_all_cells(page, attempts=4, timeout=120_000):
    """Clear every output, then Run > Run All Cells until the last code cell has run (its prompt reads [n]).

    The stored outputs go first, so that a prompt [n] can only come from this
    run. Right after the page opens, Lab may not have attached the kernel to
    the notebook yet, although it shows it idle: a Run All then runs nothing,
    or asks "Select Kernel" (seen here in about a third of the runs). Running
    all cells again is then harmless: nothing has run.
    """
    prompts = page.locator(f"{VISIBLE_NB} .jp-CodeCell .jp-InputPrompt")
    menu(page, "Edit", "Clear Outputs of All Cells")
    expect(prompts.first).to_have_text(re.compile(r"^\s*\[ \]:?\s*$"), timeout=10_000)
    for _ in range(attempts):
        accept_kernel_dialog(page)
        menu(page, "Run", "Run All Cells")
        try:
            expect(prompts.first).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=8_000)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError(f"no cell ran after {attempts} times Run All Cells")
    expect(prompts.last).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout)


def expected_point(schedule):
    """The scheduling point where the last task of `schedule` stopped, by a replay in this process."""
    k, _ = scenarios.FORK_RACE.build("swapless-core")
    k.replay(schedule)
    return k.task(schedule[-1]).where()[1]


def cells_with_errors(page):
    """Indices of the cells that show an error or stderr output."""
    return page.locator(f"{VISIBLE_NB} .jp-Cell").evaluate_all(
        """cells => cells.flatMap((c, i) =>
               c.querySelector('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
               ? [i] : [])""")


def on_screen(locator):
    """Whether the element lies wholly inside the 1366x768 viewport."""
    box = locator.bounding_box()
    return (box is not None and box["x"] >= 0 and box["y"] >= 0
            and box["x"] + box["width"] <= SCREEN["width"] + 1
            and box["y"] + box["height"] <= SCREEN["height"] + 1)


# JupyterLab's windowed notebook scrolls its own container (.jp-WindowedPanel-outer), not the window:
# this moves that container by how far the element's top lies below the container's, and returns how far
# the element was from the top and how far the container moved.
SCROLL_BY_OFFSET = """el => {
    const outer = el.closest('.jp-WindowedPanel-outer') || document.scrollingElement;
    const offset = el.getBoundingClientRect().top - outer.getBoundingClientRect().top;
    const before = outer.scrollTop;
    outer.scrollTop += offset;
    return [offset, outer.scrollTop - before];
}"""


def scroll_to_top_of(locator, attempts=10):
    """Scroll the notebook until `locator`'s top is at the top of the notebook's area.

    Repeated: in a long notebook, cells above that render only when scrolled past (windowing) change
    their height and move the target after a scroll. It stops when the element no longer moves (at the
    top, or at the notebook's end).
    """
    for _ in range(attempts):
        offset, moved = locator.evaluate(SCROLL_BY_OFFSET)
        if abs(offset) <= 1 or moved == 0:
            return
        locator.page.wait_for_timeout(200)                    # let the scroll and a re-layout settle


def stepper_parts(stepper):
    """The parts of a stepper a student must see together: step button, status lines, picture."""
    step = stepper.locator("button.jupyter-button", has_text=re.compile(r"^\s*(step|finish)\s*$")).first
    return {"step button": step, "status lines": stepper.locator(".migsim-where"),
            "picture": stepper.locator(".migsim-picture"), "dump header": stepper.locator(".migsim-dump")}


# Chapters whose stepper is shot after a few steps (test-artifacts/lab-NN.png, and lab-NN-picture.png of its
# picture alone), for a person to look at: the heart of the series and the fork race's rmap picture.
LOOKED_AT = ("05", "06", "07")


def click_and_wait(stepper, button):
    """Click `button` of `stepper` and wait until its status lines show another state."""
    where = stepper.locator(".migsim-where")
    before = where.inner_text()
    button.click()
    expect(where).not_to_have_text(before, timeout=10_000)


def shoot_after_a_few_steps(stepper, shot):
    """Two steps back and two forward (the recording's), then `shot` of the screen and of the picture.

    Checks on the way that each click shows its state: back to n-2, forward to n again, the picture drawn.
    """
    where = stepper.locator(".migsim-where")
    n = int(re.search(r"state (\d+) of", where.inner_text()).group(1))
    back = stepper.locator("button.jupyter-button", has_text=re.compile(r"^\s*back\s*$")).first
    step = stepper_parts(stepper)["step button"]
    for _ in range(2):
        click_and_wait(stepper, back)
    expect(where).to_contain_text(f"state {n - 2} of")
    for _ in range(2):
        click_and_wait(stepper, step)
    expect(where).to_contain_text(f"state {n} of")
    stepper.page.wait_for_timeout(300)                          # the new picture decodes
    scroll_to_top_of(stepper)
    picture = stepper.locator(".migsim-picture")
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")
    stepper.page.screenshot(path=str(shot))
    picture.screenshot(path=str(shot.with_name(f"{shot.stem}-picture.png")))


@pytest.mark.parametrize("path", COURSE, ids=str)
def test_every_notebook_runs_in_jupyterlab_and_its_steppers_fit_a_laptop_screen(lab_server, browser, path):
    page = browser.new_page(viewport=SCREEN)
    open_notebook(page, lab_server, path.as_posix())
    run_all_cells(page)
    page.wait_for_timeout(500)                                 # the last outputs' widgets render
    allowed = [i for i, c in enumerate(nbformat.read(ROOT / path, 4).cells)
               if "raises-exception" in c.metadata.get("tags", [])]
    assert [i for i in cells_with_errors(page) if i not in allowed] == []
    for text in ("Loading widget", "Error displaying widget"):
        assert page.get_by_text(text).count() == 0, f"{path} shows {text!r}"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"{path.parent.name}-{path.stem}.png"
    steppers = page.locator(f"{VISIBLE_NB} .jp-OutputArea .migsim-stepper")
    for i in range(steppers.count()):
        stepper = steppers.nth(i)
        scroll_to_top_of(stepper)
        assert stepper.locator(".migsim-picture").evaluate("img => img.complete && img.naturalWidth > 0")
        hidden = [name for name, part in stepper_parts(stepper).items() if not on_screen(part)]
        page.screenshot(path=str(shot.with_name(f"{shot.stem}-stepper{i}.png")))
        # never shown beyond its own size, and not so far under it that a 9.4px label drops below 9px
        shown, natural = stepper.locator(".migsim-picture").evaluate("img => [img.width, img.naturalWidth]")
        assert 9 / 9.375 * natural <= shown <= natural, f"stepper {i} of {path}: picture {natural}px shown at {shown}px"
        assert hidden == [], f"stepper {i} of {path}: not on a 1366x768 screen with the rest: {hidden}"
        if i == 0 and path.parent.name == "notebooks" and path.name[:2] in LOOKED_AT:
            shoot_after_a_few_steps(stepper, ARTIFACTS / f"lab-{path.name[:2]}.png")
    page.locator(f"{VISIBLE_NB} .jp-Cell").first.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(shot))
    page.close()


CLICK_UNTIL_SHOWN = """async ([n, changes]) => {
    const root = document.querySelector('%s .migsim-stepper');
    const step = [...root.querySelectorAll('button')].find(b => b.textContent.trim() === 'step');
    const where = root.querySelector('.migsim-where'), img = root.querySelector('.migsim-picture');
    const old = img.src, t0 = performance.now();
    step.click();
    return await new Promise(resolve => {
        const shown = () => where.textContent.includes(`state ${n} of ${n}`)
            && (!changes || (img.src !== old && img.complete && img.naturalWidth > 0));
        const poll = () => shown() ? requestAnimationFrame(() => resolve(performance.now() - t0))
                                   : setTimeout(poll, 1);
        poll();
    });
}""" % VISIBLE_NB


def clicks_here(n):
    """A stepper of this process clicked as the browser's is: M three times, then F chosen and `n` + 1 clicks.

    Returns the stepper and, for each of the last `n` clicks, whether it changed the picture.
    """
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core")
    for label in "MMM":
        s.step(label)
    s.task_buttons["F"].value = True
    s.step_button.click()
    changed = []
    for _ in range(n):
        before = s.png
        s.step_button.click()
        changed.append(s.png is not before)
    return s, changed


def test_stepper_runs_and_steps_in_jupyterlab(lab_server, browser):
    page = browser.new_page(viewport=SCREEN)
    open_notebook(page, lab_server, "stepper.ipynb")
    run_all_cells(page)

    stepper = page.locator(f"{VISIBLE_NB} .jp-OutputArea .migsim-stepper")
    step = stepper.locator("button.jupyter-button", has_text=re.compile(r"^\s*step\s*$"))
    step.wait_for(state="visible", timeout=30_000)
    assert page.locator("text=Loading widget").count() == 0
    where = stepper.locator(".migsim-where")
    expect(where).to_contain_text("state 0 of 0")

    for n in range(1, 4):                                      # M is chosen: three steps of it
        step.click()
        expect(where).to_contain_text(f"state {n} of {n}", timeout=20_000)
    point = expected_point("MMM")
    expect(where).to_contain_text(f"task M stopped at {point}")

    stepper.locator("button.jupyter-button", has_text="cpu1: F").click()   # choose fork, then step it
    step.click()
    expect(where).to_contain_text(f"task F stopped at {expected_point('MMMF')}", timeout=20_000)
    expect(stepper.locator(".migsim-schedule")).to_contain_text("M3F")
    picture = stepper.locator(".migsim-picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") > 500   # the PNG arrived and decoded

    # 50 more clicks, each timed from the click until the page shows the new state (text and picture);
    # the last 20 count: in them the migration locks, copies and remaps pages, so half redraw the picture.
    here, changes = clicks_here(50)
    times = [page.evaluate(CLICK_UNTIL_SHOWN, [5 + i, changed]) for i, changed in enumerate(changes)]
    times, changes = times[-20:], changes[-20:]
    expect(where).to_contain_text(f"task {here.rec.history[-1]} stopped at {here.rec.names[-1]}")
    expect(stepper.locator(".migsim-schedule")).to_contain_text(here.rec.schedule())
    report = (f"stepper click on 'step' until the page shows the new state, 20 clicks at 1366x768: "
              f"median {statistics.median(times):.0f} ms, max {max(times):.0f} ms; "
              f"{sum(changes)} of them redrew the picture"
              + (f" (median {statistics.median([t for t, c in zip(times, changes) if c]):.0f} ms)"
                 if any(changes) else ""))
    print("\n" + report)
    scroll_to_top_of(stepper)
    hidden = [name for name, part in stepper_parts(stepper).items() if not on_screen(part)]
    assert hidden == [], f"a stepper with two running tasks: not on a 1366x768 screen with the rest: {hidden}"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "step-latency.txt").write_text(report + "\n" + " ".join(f"{t:.0f}" for t in times) + "\n")
    page.screenshot(path=str(ARTIFACTS / "stepper.png"))
    page.close()


@pytest.mark.parametrize("name", STUDENT_07, ids=lambda n: n.split("-")[-1].removesuffix(".ipynb"))
def test_a_student_explores_their_own_fork_race_fix_then_grades_it(lab_server, browser, name):
    """Exercise 07.2 in Lab as a student does it: their anon_vma_link in the cell, the explorer view
    below it, **explore** pressed: a wrong fix's search stops at a failing schedule, which opens in a
    stepper; a right one's finds none. The grading cell agrees. Screens in test-artifacts/."""
    wrong = name.endswith("wrong.ipynb")
    page = browser.new_page(viewport=SCREEN)
    open_notebook(page, lab_server, name)
    run_all_cells(page)
    verdict = page.locator(f"{VISIBLE_NB} .jp-OutputArea-output", has_text="Exercise 07.2:")
    expect(verdict).to_contain_text("correct" if not wrong else "Exercise 07.2:", timeout=120_000)
    if wrong:
        expect(verdict).not_to_contain_text("correct (")
    view = page.locator(f"{VISIBLE_NB} .jp-OutputArea .widget-vbox", has_text="with your anon_vma_link in place").first
    view.locator("button", has_text=re.compile(r"^\s*explore\s*$")).click()
    said = "shortest failing schedule" if wrong else "no failing schedule within this bound"
    expect(view).to_contain_text(said, timeout=60_000)
    opener = view.locator("button", has_text="open shortest failing schedule")
    if wrong:
        opener.click()
        expect(view.locator(".migsim-stepper")).to_be_visible(timeout=30_000)
    else:
        expect(opener).to_be_disabled()
    view.evaluate("el => el.scrollIntoView({block: 'start'})")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lab-{name.removesuffix('.ipynb')}.png"))
    assert cells_with_errors(page) == []
    page.close()
