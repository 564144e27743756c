"""The course in the browser: the JupyterLite site of tools/build_site.py, in headless Chromium.

Serves the built site (build/site, or $MIGSIM_SITE) with `python -m http.server`
on 127.0.0.1, opens each notebook of `PAGES` in Debian's chromium, runs all its
cells in the Pyodide kernel (the first installs the course from the site's own
wheels), checks that no cell raised, clicks the first stepper's buttons, and
runs the graders of each exercise notebook on the answers of its solution.
Every request the browser makes is counted, by playwright's routing and by
Chromium's own network log (which sees the kernel's worker too); all must go
to 127.0.0.1, and anything else is refused. Screenshots and timings go to
test-artifacts/ (lite-*.png, lite-timings.json).

Skipped, with the reason, where the site was not built (`python tools/build_site.py
--extra tests/browser/lite-swapless.ipynb`; `.ci/run` does it), or where
/usr/bin/chromium or playwright is missing (never `playwright install`).
"""

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("MIGSIM_SITE") or ROOT / "build" / "site")
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
LOOPBACK = "127.0.0.1"
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
               "--disable-features=AutofillServerCommunication",    # it asks Google about the page's forms
               # a name that is not loopback resolves to nothing: a request that got past the
               # routing below (none should) fails instead of leaving the machine
               f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {LOOPBACK}"]
BUILD = "python tools/build_site.py --extra tests/browser/lite-swapless.ipynb"
KERNEL_S = 120          # Pyodide boots in about 30 s on 2 busy cores
CELLS_S = 240

if not (SITE / "jupyter-lite.json").exists():
    pytest.skip(f"no JupyterLite site at {SITE}: build it with `{BUILD}` (or set MIGSIM_SITE)",
                allow_module_level=True)
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no {CHROMIUM}: install Debian's chromium (apt-get install chromium) to run the "
                "browser test", allow_module_level=True)
if importlib.util.find_spec("playwright") is None:
    pytest.skip("playwright is not installed: pip install -e '.[test]' (do not run `playwright install`; "
                "the test uses /usr/bin/chromium)", allow_module_level=True)

from playwright.sync_api import expect, sync_playwright  # noqa: E402


@dataclass
class Page:
    """A notebook of the site to run, and what to check once all its cells ran."""
    path: str                     # as shipped: its path in the repository
    stepper: bool = False         # click the first stepper's buttons
    answers: str = ""             # a solutions notebook whose answers fill the exercise's answer cells
    looping: str = ""             # code run afterwards that grades an endless loop: it must be stopped


PAGES = [   # add a chapter here when it ships (a swapless chapter replaces the test's own notebook)
    Page("notebooks/00-the-machine.ipynb", stepper=True),
    Page("notebooks/02-the-dirty-page.ipynb", stepper=True),
    Page("tests/browser/lite-swapless.ipynb", stepper=True),
    Page("notebooks/06-dropping-swap.ipynb", stepper=True),
    Page("exercises/02-the-dirty-page.ipynb", answers="solutions/02-the-dirty-page.ipynb",
         looping="def setup(k):\n    while True:\n        pass\nprint(grade('02.2', setup=setup))"),
]


def _free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    """The built site, served by `python -m http.server` on 127.0.0.1; its URL."""
    port = _free_port()
    log = open(tmp_path_factory.mktemp("site") / "http.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", LOOPBACK,
                             "--directory", str(SITE)], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{LOOPBACK}:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/jupyter-lite.json", timeout=1)
                break
            except OSError:
                try:
                    proc.wait(timeout=0.1)
                    raise RuntimeError(f"http.server exited: {Path(log.name).read_text()}")
                except subprocess.TimeoutExpired:
                    pass
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


class Requests:
    """Every request the page makes, by playwright's routing: loopback ones go on, others are refused."""

    def __init__(self):
        self.local, self.outside = 0, []

    def route(self, route):
        url = route.request.url
        if urlsplit(url).hostname == LOOPBACK:
            self.local += 1
            if urlsplit(url).path.endswith("/jupyter-lite.json"):
                return self.expose_app(route)
            return route.continue_()
        if url.startswith(("data:", "blob:")):
            return route.continue_()
        self.outside.append(url)
        return route.abort()

    @staticmethod
    def expose_app(route):
        """The app's config with `exposeAppInBrowser` on (for this test only): window.jupyterapp."""
        response = route.fetch()
        config = response.json()
        config.setdefault("jupyter-config-data", {})["exposeAppInBrowser"] = "true"
        route.fulfill(response=response, body=json.dumps(config))


def hosts_in_netlog(path):
    """{host: requests} of the site's requests in Chromium's network log (`--log-net-log`).

    A request is the site's if its network isolation key names the site (the
    page, its workers and its service worker); Chromium's own background calls
    (an update check, an account list: "not an origin") are not the site's, and
    the host-resolver rules send them nowhere.
    """
    log = json.loads(path.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    found = {}
    for event in log["events"]:
        params = event.get("params", {})
        if event["type"] != start or LOOPBACK not in params.get("network_isolation_key", ""):
            continue
        url = params["url"]
        host = "(" + url.split(":")[0] + ")" if url.startswith(("data:", "blob:")) else urlsplit(url).hostname
        found[host] = found.get(host, 0) + 1
    return found


def answer_sources(solutions):
    """{grade_id: source} of the answer cells (nbgrader `solution: true`) of the solutions notebook."""
    nb = json.loads((ROOT / solutions).read_text())
    out = {}
    for cell in nb["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            source = cell["source"]
            out[meta["grade_id"]] = "".join(source) if isinstance(source, list) else source
    return out


# JavaScript run in the page, through window.jupyterapp
OPEN_AND_WAIT = """async (path) => {
  const app = window.jupyterapp;
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  const t0 = performance.now();
  while (kernel.status !== 'idle') {
    if (performance.now() - t0 > %d) throw new Error('kernel not idle: ' + kernel.status);
    await new Promise(r => setTimeout(r, 100));
  }
  return kernel.name;
}""" % (KERNEL_S * 1000)

SET_ANSWERS = """(answers) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  let n = 0;
  for (const cell of nb.widgets) {
    const id = ((cell.model.getMetadata('nbgrader') || {}).grade_id) || '';
    if (id in answers) { cell.model.sharedModel.setSource(answers[id]); n++; }
  }
  return n;
}"""

RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:run-all-cells');
  const nb = app.shell.currentWidget;
  const code = nb.content.widgets.filter(c => c.model.type === 'code');
  const errors = () => code.flatMap((c, i) => c.model.outputs.toJSON().filter(o => o.output_type === 'error')
      .map(o => `code cell ${i + 1}: ${o.ename}: ${o.evalue}`));
  const pending = () => code.filter(c => c.model.executionCount === null || c.promptNode.textContent.includes('*'));
  const t0 = performance.now();
  // Run All stops at a cell that raised: then the cells after it never run
  while ((pending().length && !errors().length) || nb.sessionContext.session.kernel.status !== 'idle') {
    if (performance.now() - t0 > %d) throw new Error(pending().length + ' cells did not run');
    await new Promise(r => setTimeout(r, 200));
  }
  return {cells: code.length, errors: errors(), pending: pending().length};
}""" % (CELLS_S * 1000)


EXECUTE = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code});
  let out = '';
  future.onIOPub = m => {
    if (m.header.msg_type === 'stream') out += m.content.text;
    if (m.header.msg_type === 'error') out += m.content.ename + ': ' + m.content.evalue;
  };
  await future.done;
  return out;
}"""


def click_stepper(page):
    """Step the first stepper forward (and back, where it has a past); its state line must follow."""
    stepper = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .migsim-stepper").first
    stepper.scroll_into_view_if_needed()
    where = stepper.locator(".migsim-where")
    expect(where).to_contain_text("state ")
    pos, total = map(int, re.search(r"state (\d+) of (\d+)", where.inner_text()).groups())
    back = stepper.locator("button.jupyter-button", has_text=re.compile(r"^\s*back\s*$"))
    step = stepper.locator("button.jupyter-button.mod-primary")      # "step" (or "finish" at the end)
    if pos:
        back.click()
        expect(where).to_contain_text(f"state {pos - 1} of {total}", timeout=20_000)
        step.click()
        expect(where).to_contain_text(f"state {pos} of {total}", timeout=20_000)
    else:
        for n in range(1, 3):
            step.click()
            expect(where).to_contain_text(f"state {n} of {n}", timeout=20_000)
        stepper.locator("button.jupyter-button", has_text=re.compile(r"cpu\d+: F")).click()
        step.click()
        expect(where).to_contain_text("task F stopped at", timeout=20_000)
        expect(stepper.locator(".migsim-schedule")).to_contain_text("M2F")
    picture = stepper.locator(".migsim-picture")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.naturalWidth") > 500      # the PNG arrived and decoded
    stepper.scroll_into_view_if_needed()


@pytest.mark.parametrize("case", PAGES, ids=[c.path.removesuffix(".ipynb") for c in PAGES])
def test_notebook_runs_in_the_browser(site_url, case, tmp_path):
    if not (SITE / "files" / case.path).exists():
        pytest.skip(f"{case.path} is not in the site at {SITE} (build it with `{BUILD}`)")
    answers = answer_sources(case.answers) if case.answers and (ROOT / case.answers).exists() else {}
    if case.answers and not answers:
        pytest.skip(f"no answers for {case.path}: {case.answers} is missing or has no nbgrader answer cells")
    netlog = tmp_path / "netlog.json"
    requests = Requests()
    times = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROME_ARGS, f"--log-net-log={netlog}"])
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.route("**/*", requests.route)
        page = context.new_page()
        console = []
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        t0 = time.perf_counter()
        page.goto(f"{site_url}/lab/index.html")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
        page.wait_for_selector(".jp-LauncherCard, .jp-NotebookPanel, .jp-Launcher", timeout=60_000)
        times["app up"] = time.perf_counter() - t0
        kernel = page.evaluate(OPEN_AND_WAIT, case.path)
        times["kernel idle"] = time.perf_counter() - t0
        assert kernel == "python", f"the notebook got kernel {kernel!r}, not the Pyodide kernel"
        if answers:
            assert page.evaluate(SET_ANSWERS, answers) == len(answers)
        result = page.evaluate(RUN_ALL)
        times["all cells ran"] = time.perf_counter() - t0
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"lite-{case.path.removesuffix('.ipynb').replace('/', '-')}.png"
        try:
            assert result["errors"] == [], f"cells raised in the browser: {result['errors']}\n" + \
                "\n".join(console[-30:])
            if case.stepper:
                t1 = time.perf_counter()
                click_stepper(page)
                times["stepper clicks"] = time.perf_counter() - t1
            assert result["pending"] == 0, f"{result['pending']} code cells did not run"
            if answers:        # each grader cell printed its verdict and asserted it passed (no error above)
                texts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").all_inner_texts()
                verdicts = [t for t in texts if re.match(r"Exercise \S+: correct", t)]
                assert len(verdicts) >= len(answers), texts
            if case.looping:   # no signal in Pyodide: the grader's step budget stops the loop
                t1 = time.perf_counter()
                said = page.evaluate(EXECUTE, case.looping)
                times["looping answer stopped"] = time.perf_counter() - t1
                assert "stopped: your code ran more than" in said, said
        finally:
            page.screenshot(path=str(shot))
            context.close()
            browser.close()
    hosts = hosts_in_netlog(netlog)
    assert requests.outside == [], f"requests that did not go to {LOOPBACK}: {requests.outside}"
    assert set(hosts) - {"(data)", "(blob)"} == {LOOPBACK}, f"the site's requests in Chromium's network log: {hosts}"
    assert requests.local > 100 and hosts.get(LOOPBACK, 0) > 100, (requests.local, hosts)
    record = {k: round(v, 1) for k, v in times.items()}
    record.update(requests=requests.local, code_cells=result["cells"])
    timings = ARTIFACTS / "lite-timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data[case.path] = record
    timings.write_text(json.dumps(data, indent=1) + "\n")
    print(case.path, record)
