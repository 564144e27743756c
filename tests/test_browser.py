"""The stepper in a real browser: JupyterLab + Debian's chromium, driven by PyPI's playwright.

Copies tests/browser/stepper.ipynb into a temporary root (Lab is never
pointed at the real notebooks: it autosaves), starts JupyterLab on loopback,
runs all cells, presses "step" and checks that the page shows the new
scheduling point, the same one a replay in this process gives. Saves a
screenshot to test-artifacts/stepper.png.

Needs /usr/bin/chromium (``apt-get install chromium``) and playwright
(in the [test] extra; never ``playwright install``); skipped otherwise.
"""

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
ARTIFACTS = HERE.parent / "test-artifacts"
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

from migsim import scenarios  # noqa: E402


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """A JupyterLab on 127.0.0.1 serving a copy of the stepper notebook; its URL."""
    root, home = tmp_path_factory.mktemp("labroot"), tmp_path_factory.mktemp("jhome")
    shutil.copy(HERE / "browser" / "stepper.ipynb", root)
    settings = home / "lab-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(home / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="Agg")
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


def run_all_cells(page, attempts=4):
    """Run > Run All Cells until the last code cell has run (its prompt reads [n]).

    Right after the page opens, Lab may not have attached the kernel to the
    notebook yet, although it shows it idle: a Run All then runs nothing, or
    asks "Select Kernel" (seen here in about a third of the runs). Running all
    cells again is harmless: the notebook only builds a stepper.
    """
    last = page.locator(f"{VISIBLE_NB} .jp-CodeCell .jp-InputPrompt").last
    for _ in range(attempts):
        accept_kernel_dialog(page)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells").first.click()
        try:
            expect(last).to_have_text(re.compile(r"\[\d+\]"), timeout=10_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the last cell did not run after {attempts} times Run All Cells")


def expected_point(schedule):
    """The scheduling point where the last task of `schedule` stopped, by a replay in this process."""
    k, _ = scenarios.FORK_RACE.build("swapless-core")
    k.replay(schedule)
    return k.task(schedule[-1]).where()[1]


def test_stepper_runs_and_steps_in_jupyterlab(lab_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
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

    ARTIFACTS.mkdir(exist_ok=True)
    stepper.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "stepper.png"))
    page.close()
