"""The course in the browser: the JupyterLite site of tools/build_site.py, in headless Chromium.

Serves the built site (build/site, or $MIGSIM_SITE) with `python -m http.server`
on 127.0.0.1. A student's way in: the front page is the welcome page (the course's
name as title, the chapters in order); its "Start with 00" link opens chapter 00
in JupyterLab, and the time to a ready kernel and to the first cell's end is
measured cold (empty browser cache) and warm (a second chapter in the same
browser), printed and written down (not asserted: tests do not time). Then each
notebook of `PAGES` runs all its cells in the Pyodide kernel (the course is
preloaded: no install cell), with no error and no stderr from its first cell; the
first stepper's buttons are clicked, and each exercise notebook's graders run on
the answers of its solution.
Every request the browser makes is counted, by playwright's routing and by
Chromium's own network log (which sees the kernel's worker too); all must go
to 127.0.0.1, and anything else is refused. Screenshots and timings go to
test-artifacts/ (lite-*.png, lite-timings.json; lite-welcome.png is the front page,
lite-exercises-07-the-fork-race-grading.png is taken while 07.2 is graded, its progress
line on screen).

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
    # 02's and 06's steppers sit far down long notebooks: the site's notebooks attach every cell to the
    # page (windowingMode 'defer', tools/build_site.py), so they are there to be scrolled to
    Page("notebooks/02-the-dirty-page.ipynb", stepper=True),
    Page("tests/browser/lite-swapless.ipynb", stepper=True),
    Page("notebooks/06-dropping-swap.ipynb", stepper=True),
    Page("exercises/02-the-dirty-page.ipynb", answers="solutions/02-the-dirty-page.ipynb",
         looping="def setup(k):\n    while True:\n        pass\nprint(grade('02.2', setup=setup))"),
    Page("exercises/07-the-fork-race.ipynb", answers="solutions/07-the-fork-race.ipynb"),
]
COURSE_TITLE = "migsim: Linux page migration, 2.6.16 to 2.6.18, one patch at a time"   # tools/build_site.py
WELCOME = "#migsim-welcome"                                                           # tools/lite/welcome.py


def _free_port():
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built site, served by `python -m http.server` on 127.0.0.1: (its URL, the server's log file)."""
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
        yield url, Path(log.name)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def site_url(site):
    return site[0]


def served(log, since=0):
    """{status: count} of the requests in http.server's `log` after its first `since` lines; and its length."""
    lines = log.read_text().splitlines()
    counts = {}
    for line in lines[since:]:
        m = re.search(r'"[A-Z]+ (\S+) [^"]*" (\d{3}) ', line)
        if m:
            counts[m[2]] = counts.get(m[2], 0) + 1
            if m[2] == "404":
                counts.setdefault("not found", []).append(m[1])
    return counts, len(lines)


def cpu_seconds(marker):
    """CPU seconds used so far by the browser whose command line holds `marker`, and all its processes
    (a machine's load stretches wall time; this does not grow with it)."""
    procs = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmd = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        procs[int(stat.parent.name)] = (int(fields[1]), [int(f) for f in fields[11:15]], marker.encode() in cmd)
    tick = os.sysconf("SC_CLK_TCK")
    roots = [pid for pid, (_, _, mine) in procs.items() if mine and not procs.get(procs[pid][0], (0, 0, False))[2]]
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        ppid, (utime, stime, cutime, cstime), _ = procs[pid]
        total += utime + stime + cutime + cstime
        todo += [c for c, (pp, _, _) in procs.items() if pp == pid]
    return total / tick


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


def graded_cells(solutions):
    """How many autograded cells (nbgrader `grade: true`, each printing one verdict) the notebook has."""
    nb = json.loads((ROOT / solutions).read_text())
    return sum(1 for cell in nb["cells"] if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
               and not cell["metadata"]["nbgrader"].get("solution"))


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

START_ALL = """() => { window.migsimRunAll = window.jupyterapp.commands.execute('notebook:run-all-cells'); }"""

RUNNING = """(text) => {
  const nb = window.jupyterapp.shell.currentWidget;
  return nb.content.widgets.some(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes(text)
                                      && c.promptNode.textContent.includes('*'));
}"""

# Every text the outputs of the code cell holding `text` show, in order, sampled every 20 ms from the
# cell's model: a progress line that is on screen for less than a second is seen all the same.
WATCH_OUTPUTS = """(text) => {
  const nb = window.jupyterapp.shell.currentWidget;
  const cell = nb.content.widgets.find(c => c.model.type === 'code' && c.model.sharedModel.getSource().includes(text));
  const seen = window.migsimSeen = [];
  const shown = o => [].concat(o.text !== undefined ? o.text : (o.data || {})['text/plain'] || '').join('');
  const note = () => {
    const now = cell.model.outputs.toJSON().map(shown).join('\\n');
    if (seen[seen.length - 1] !== now) seen.push(now);
  };
  note();
  window.migsimWatch = setInterval(note, 20);
  return true;
}"""

RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await window.migsimRunAll;      // Run All's promise (START_ALL) settles once every cell ran
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
  const stderr = c => c.model.outputs.toJSON().filter(o => o.output_type === 'stream' && o.name === 'stderr')
      .map(o => [].concat(o.text).join(''));
  return {cells: code.length, errors: errors(), pending: pending().length,
          first_stderr: code.length ? stderr(code[0]) : []};
}""" % (CELLS_S * 1000)

# The notebook in the app's main area, once it is `path` and its kernel is idle; then its first code
# cell run by itself: {kernel: seconds to idle, first: seconds to the first cell's end, stderr, errors}.
READY_AND_FIRST_CELL = """async (path) => {
  const t0 = performance.now();
  const wait = async (what, ok) => {
    while (!ok()) {
      if (performance.now() - t0 > %d) throw new Error('waited too long for ' + what);
      await new Promise(r => setTimeout(r, 50));
    }
  };
  const app = () => window.jupyterapp;
  const nb = () => app() && app().shell && app().shell.currentWidget;
  await wait('the notebook ' + path, () => nb() && nb().context && nb().context.path === path && nb().content);
  const panel = nb();
  await panel.context.ready;
  await panel.sessionContext.ready;
  await wait('an idle kernel', () => panel.sessionContext.session && panel.sessionContext.session.kernel
                                     && panel.sessionContext.session.kernel.status === 'idle');
  const kernel = performance.now();
  const cell = panel.content.widgets.find(c => c.model.type === 'code');
  panel.content.activeCellIndex = panel.content.widgets.indexOf(cell);
  await app().commands.execute('notebook:run-cell');
  await wait('the first cell', () => cell.model.executionCount !== null && !cell.promptNode.textContent.includes('*'));
  const outs = cell.model.outputs.toJSON();
  return {kernel: kernel - t0, first: performance.now() - t0, name: panel.sessionContext.session.kernel.name,
          stderr: outs.filter(o => o.output_type === 'stream' && o.name === 'stderr')
                      .map(o => [].concat(o.text).join('')),
          errors: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)};
}""" % (KERNEL_S * 1000)


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
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"lite-{case.path.removesuffix('.ipynb').replace('/', '-')}.png"
        page.evaluate(START_ALL)
        result = page.evaluate(RUN_ALL)
        times["all cells ran"] = time.perf_counter() - t0
        try:
            assert result["errors"] == [], f"cells raised in the browser: {result['errors']}\n" + \
                "\n".join(console[-30:])
            assert result["first_stderr"] == [], f"the first code cell wrote to stderr: {result['first_stderr']}"
            if case.stepper:
                t1 = time.perf_counter()
                click_stepper(page)
                times["stepper clicks"] = time.perf_counter() - t1
            assert result["pending"] == 0, f"{result['pending']} code cells did not run"
            if answers:        # each grader cell printed its verdict and asserted it passed (no error above)
                texts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").all_inner_texts()
                verdicts = [t for t in texts if re.match(r"Exercise \S+: correct", t)]
                assert len(verdicts) >= graded_cells(case.answers), texts
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


def open_from_the_welcome_page(page, site_url, link, marker):
    """On the front page, click `link` (a chapter's); seconds until its first code cell has run, and
    until the kernel was idle; the first cell's stderr and error outputs."""
    page.goto(f"{site_url}/")
    page.wait_for_selector(WELCOME)
    target = page.locator(link).first
    path = target.get_attribute("href").split("path=", 1)[1]
    cpu0 = cpu_seconds(marker)
    t0 = time.perf_counter()
    target.click()
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    cell = panel.locator(".jp-CodeCell").first
    cell.wait_for(timeout=KERNEL_S * 1000)
    shown = time.perf_counter() - t0
    assert page.locator(".jp-DirListing-item.jp-mod-selected, .lm-TabBar-tab.lm-mod-current",
                        has_text=Path(path).name[:12]).count() > 0, f"{path} is not the open tab"
    status = page.locator(".jp-StatusBar-Widget").get_by_text(re.compile(r"Pyodide\) \| Idle"))
    status.wait_for(timeout=KERNEL_S * 1000)       # the status bar's kernel item, once the kernel answers
    kernel = time.perf_counter() - t0
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    prompt = cell.locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=KERNEL_S * 1000)
    first = time.perf_counter() - t0
    stderr = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    errors = cell.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']").all_inner_texts()
    cpu = cpu_seconds(marker) - cpu0
    return path, {"notebook shown": shown, "kernel idle": kernel, "first cell ran": first,
                  "browser CPU seconds to the first cell's end": cpu}, stderr, errors


def test_the_front_page_welcomes_and_opens_chapters_ready_in_seconds(site, tmp_path):
    """The welcome page opens first; from it, chapter 00 (cold) and chapter 02 (warm) open, each ready
    in seconds: the times and what was fetched again are printed, not asserted."""
    site_url, log = site
    netlog = tmp_path / "netlog.json"
    record = {}
    with sync_playwright() as p:     # no playwright routing here: it would turn the browser's cache off
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROME_ARGS, f"--log-net-log={netlog}"])
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        try:
            _, before = served(log)
            page.goto(f"{site_url}/")
            page.wait_for_selector(WELCOME)
            assert page.title() == COURSE_TITLE
            chapters = page.locator("a.chapter").all_inner_texts()
            assert len(chapters) >= 11 and chapters[0] == "The machine", chapters
            numbers = page.locator("table tr td:first-child").all_inner_texts()
            assert numbers == sorted(numbers) and numbers[0] == "00", numbers
            text = page.locator("body").inner_text()
            for said in ("Start with 00", "How the exercises are graded", "browser's own storage",
                         "Download", "deletes only your copy", "Revert Notebook to Checkpoint is not a reset"):
                assert said in text, f"the welcome page does not say {said!r}"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "lite-welcome.png"), full_page=True)

            path, cold, stderr, errors = open_from_the_welcome_page(page, site_url, "#start", str(netlog))
            assert path == "notebooks/00-the-machine.ipynb"
            assert errors == [] and stderr == [], f"chapter 00's first cell in the browser: {errors} {stderr}"
            assert COURSE_TITLE in page.title(), page.title()
            cold_requests, before = served(log, before)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "lite-chapter-00-first-cell.png"))

            path2, warm, stderr, errors = open_from_the_welcome_page(page, site_url,
                                                                    "a.chapter[href*='notebooks/02-']",
                                                                    str(netlog))
            assert errors == [] and stderr == [], f"{path2}'s first cell in the browser: {errors} {stderr}"
            warm_requests, _ = served(log, before)
        finally:
            context.close()
            browser.close()
    hosts = hosts_in_netlog(netlog)
    assert set(hosts) - {"(data)", "(blob)"} == {LOOPBACK}, f"the site's requests in Chromium's network log: {hosts}"
    record = {"cold (notebooks/00)": {k: round(v, 1) for k, v in cold.items()},
              f"warm ({path2})": {k: round(v, 1) for k, v in warm.items()},
              "http status counts, cold": cold_requests, "http status counts, warm": warm_requests}
    timings = ARTIFACTS / "lite-timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data["welcome page"] = record
    timings.write_text(json.dumps(data, indent=1) + "\n")
    print("front page -> chapter, seconds from the click:", json.dumps(record))


TIMED_GRADE = """import time as _time
_t0 = _time.perf_counter()
_v = grade("07.2", anon_vma_link=anon_vma_link)
print(_v)
print("seconds: %.2f" % (_time.perf_counter() - _t0))
del _time, _t0, _v"""


def test_grading_07_2_in_the_browser_shows_progress_before_the_verdict(site_url):
    """Grading 07.2 in the browser shows progress lines (which check runs, how many are left) before
    its verdict line, as they arrive (looked at while the cell still runs); a screenshot shows it.
    Then 07.2's visible checks are graded once more on the solution's answer and timed (printed and
    written down; issue 22 asks for under 10 s in Pyodide, not asserted: tests do not time)."""
    answers = answer_sources("solutions/07-the-fork-race.ipynb")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        requests = Requests()
        context.route("**/*", requests.route)
        page = context.new_page()
        try:
            page.goto(f"{site_url}/lab/index.html")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand("
                                   "'docmanager:open')", timeout=60_000)     # the app's commands are registered
            page.evaluate(OPEN_AND_WAIT, "exercises/07-the-fork-race.ipynb")
            page.evaluate(SET_ANSWERS, answers)
            page.evaluate(START_ALL)
            page.evaluate(WATCH_OUTPUTS, 'grade("07.2"')
            page.wait_for_function(RUNNING, arg='grade("07.2"', timeout=CELLS_S * 1000)
            t0 = time.perf_counter()
            cell = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell", has_text='grade("07.2"').first
            cell.evaluate("e => e.scrollIntoView({block: 'center'})")
            output = cell.locator(".jp-OutputArea")
            page.wait_for_function("() => window.migsimSeen.some(t => t.includes('grading 07.2:'))"
                                   " || window.migsimSeen.some(t => t.includes('Exercise 07.2:'))",
                                   polling="raf", timeout=CELLS_S * 1000)
            shown = time.perf_counter() - t0
            ARTIFACTS.mkdir(exist_ok=True)         # at once: the line is on screen for a second or two
            shot = ARTIFACTS / "lite-exercises-07-the-fork-race-grading.png"
            page.screenshot(path=str(shot))
            if "Exercise 07.2:" in output.inner_text():     # the grade ended around the screenshot
                shot.rename(shot.with_name(shot.stem + "-maybe-too-late.png"))
            page.wait_for_function("() => window.migsimSeen.some(t => t.includes('Exercise 07.2:'))",
                                   timeout=CELLS_S * 1000)
            seen = page.evaluate("() => { clearInterval(window.migsimWatch); return window.migsimSeen; }")
            progress = [i for i, t in enumerate(seen) if "grading 07.2:" in t]
            verdict = [i for i, t in enumerate(seen) if "Exercise 07.2:" in t]
            assert progress, f"no progress line was ever shown; the cell's outputs went {seen}"
            assert progress[0] < verdict[0], seen                            # progress came first
            result = page.evaluate(RUN_ALL)
            assert result["errors"] == [], result["errors"]
            expect(output).to_contain_text("Exercise 07.2: correct")
            expect(output).not_to_contain_text("grading 07.2:")     # emptied once the verdict is there
            said = page.evaluate(EXECUTE, TIMED_GRADE)
            assert "Exercise 07.2: correct" in said, said
            seconds = float(re.search(r"seconds: ([\d.]+)", said)[1])
            # the site's wheels bring their .pyc (Pyodide writes none): these modules were not compiled here
            said = page.evaluate(EXECUTE, "import os, IPython, numpy, matplotlib.pyplot, ipywidgets, migsim.grading\n"
                                          "print([m.__name__ for m in (IPython, numpy, matplotlib.pyplot, ipywidgets,"
                                          " migsim.grading) if not os.path.exists(m.__cached__)])")
            assert said.strip() == "[]", f"modules imported in the browser without a shipped .pyc: {said}"
        finally:
            context.close()
            browser.close()
    assert requests.outside == []
    record = {"first progress line after (s)": round(shown, 1), "07.2 visible checks, wall s": seconds}
    timings = ARTIFACTS / "lite-timings.json"
    data = json.loads(timings.read_text()) if timings.exists() else {}
    data["grading 07.2"] = record
    timings.write_text(json.dumps(data, indent=1) + "\n")
    print("grading 07.2 in Pyodide:", record)


RESET = """async (path) => {
  const app = window.jupyterapp, contents = app.serviceManager.contents;
  const first = async () => [].concat((await contents.get(path, {content: true})).content.cells
      .find(c => c.cell_type === 'code').source).join('');
  const shipped = await first();
  const panel = await app.commands.execute('docmanager:open', {path, factory: 'Notebook'});
  await panel.context.ready;
  const cell = panel.content.widgets.find(c => c.model.type === 'code');
  for (const mine of ['# my first save', '# my second save']) {
    cell.model.sharedModel.setSource(mine);
    await app.commands.execute('docmanager:save');
  }
  const saved = await first();
  const checkpoints = await contents.listCheckpoints(path);
  await contents.restoreCheckpoint(path, checkpoints[0].id);
  const reverted = await first();
  await panel.context.revert();
  await contents.delete(path);
  return {shipped, saved, reverted, deleted: await first(), checkpoints: checkpoints.length};
}"""


def test_delete_gives_back_the_shipped_notebook_and_revert_only_a_save(site_url):
    """What the welcome page says of resetting: Delete of a shipped notebook removes only the student's
    copy (the shipped one is there again), and the oldest checkpoint is the student's first save."""
    requests = Requests()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.route("**/*", requests.route)
        page = context.new_page()
        try:
            page.goto(f"{site_url}/lab/index.html")
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand("
                                   "'docmanager:open') && window.jupyterapp.commands.hasCommand('docmanager:save')",
                                   timeout=60_000)
            got = page.evaluate(RESET, "exercises/04-unmap-first.ipynb")
        finally:
            context.close()
            browser.close()
    assert got["saved"] == "# my second save" and got["checkpoints"] >= 1
    assert got["reverted"] == "# my first save", got          # a checkpoint is a save, not the shipped copy
    assert got["deleted"] == got["shipped"] != got["saved"], got
    assert requests.outside == []
