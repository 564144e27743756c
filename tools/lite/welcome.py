"""The browser site's front page (tools/build_site.py writes it as the site's index.html).

It names the course, lists the chapters in order with their times and exercises,
says to start with 00, and tells a student what the browser does with their work:
how the exercises are graded, where work is kept, how to download it and how to
reset a notebook. It is plain HTML with no script: it shows at once, before the
JupyterLab app (several MB) loads.

A chapter's time is the one it states in its opening (``**Estimated time:** 60-75 min``);
where it states none, an estimate of a student reading it and doing its exercises:
prose at 100 words a minute, a minute for each code cell (run it, look at what it
shows), and per exercise 20 minutes for a fix or build, 15 for a find, 5 for a
predict. The page says which times are estimates. A chapter's graded exercises are
read from its student copy (exercises/NN-name.ipynb): each "Exercise NN.K (kind)"
heading, and the points of the grading cell that calls grade("NN.K", ...).
"""

import html
import json
import re
from pathlib import Path

MARK = "migsim-welcome"               # the front page's id: tests and the build find the page by it
WORDS_A_MINUTE = 100
EXERCISE_MINUTES = {"fix": 20, "build": 20, "find": 15, "predict": 5}
STATED = re.compile(r"\btime\b\W{0,4}\s*(?:about\s+)?(\d+)(?:\s*-\s*(\d+))?\s*min", re.IGNORECASE)
EXERCISE = re.compile(r"\*\*(\d\d\.\d+[a-z]?) \((\w+)\)")
HEADING = re.compile(r"^#+ Exercise (\d\d\.\d+) \((\w+)", re.MULTILINE)
GRADED = re.compile(r"\bgrade\(\s*[\"'](\d\d\.\d+)[\"']")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def lab_url(path):
    """The address that opens `path` (a shipped notebook) in the site's JupyterLab."""
    return f"lab/index.html?path={path}"


def chapter(md):
    """(number, title, (low, high) minutes, estimated, exercises [(id, kind)]) of the chapter source `md`.

    `exercises` are those the chapter's text names as "**NN.K (kind)"; the page lists the
    graded ones of the student copy instead, where there is one (`graded`)."""
    text = md.read_text(encoding="utf-8")
    heading = re.search(r"^# (\d\d)\s*·\s*(.+)$", text, re.MULTILINE)
    number, title = (heading[1], heading[2].strip()) if heading else (md.name[:2], md.stem[3:])
    exercises = EXERCISE.findall(text)
    stated = STATED.search(FENCE.sub("", text.split("\n## ", 1)[0]))   # in the opening, not the code
    if stated:
        return number, title, (int(stated[1]), int(stated[2] or stated[1])), False, exercises
    cells = text.count("```{code-cell}")
    words = len(FENCE.sub("", text).split())
    minutes = words / WORDS_A_MINUTE + cells + sum(EXERCISE_MINUTES.get(k, 15) for _, k in exercises)
    minutes = max(5, 5 * round(minutes / 5))
    return number, title, (minutes, minutes), True, exercises


def graded(notebook):
    """[(id, kind, points)] of the student copy `notebook` (a .ipynb): its "Exercise NN.K (kind)"
    headings, each with the points of the nbgrader cell that grades it (None if no cell does)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    source = {id(c): "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells}
    points = {}
    for c in cells:
        meta = c.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            for ex in GRADED.findall(source[id(c)]):
                points.setdefault(ex, meta.get("points"))
    return [(ex, kind, points.get(ex)) for c in cells if c["cell_type"] == "markdown"
            for ex, kind in HEADING.findall(source[id(c)])]


def minutes_text(low, high):
    return f"{low} min" if low == high else f"{low}-{high} min"


def hours_text(minutes):
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _rows(root, shipped):
    rows, low_total, high_total = [], 0, 0
    for md in sorted((root / "notebooks").glob("[0-9][0-9]-*.md")):
        nb = f"notebooks/{md.stem}.ipynb"
        if nb not in shipped:
            continue
        number, title, (low, high), estimated, exercises = chapter(md)
        low_total, high_total = low_total + low, high_total + high
        ex = f"exercises/{md.stem}.ipynb"
        marks = graded(root / ex) if ex in shipped and (root / ex).exists() else []
        if marks:
            kinds = ", ".join(f"{i} ({k}{'' if p is None else f', {p} pt' + 's' * (p != 1)})"
                              for i, k, p in marks)
            work = f'<a href="{lab_url(ex)}">exercises</a>: {html.escape(kinds)}'
        else:
            work = "no graded exercise" if not exercises else html.escape(", ".join(i for i, _ in exercises))
        rows.append(f'<tr><td>{number}</td><td><a class="chapter" href="{lab_url(nb)}">'
                    f'{html.escape(title)}</a></td><td class="time">{"about " if estimated else ""}'
                    f"{minutes_text(low, high)}"
                    f"</td><td>{work}</td></tr>")
    return rows, (low_total, high_total)


def page(course, root, shipped):
    """The welcome page's HTML for the notebooks `shipped` (paths as on the site)."""
    root = Path(root)
    rows, (low, high) = _rows(root, set(shipped))
    in_all = hours_text(low) if low == high else f"{hours_text(low)} to {hours_text(high)}"
    estimates = "" if not any('<td class="time">about ' in r for r in rows) else (
        f' (times marked "about" are estimates of a student reading the chapter and doing its exercises:'
        f" prose at {WORDS_A_MINUTE} words a minute, a minute for each code cell, and 20 minutes for each"
        " fix, 15 for each find, 5 for each predict)")
    first = next((p for p in sorted(shipped) if p.startswith("notebooks/00-")), None)
    start = (f'<p class="start"><a id="start" href="{lab_url(first)}">Start with 00: '
             f"{html.escape(chapter(root / first.replace('.ipynb', '.md'))[1])}</a></p>") if first else ""
    title = html.escape(course)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="lab/favicon.ico">
<!-- JupyterLite's pages read this element from the site's front page: keep it, empty -->
<script id="jupyter-config-data" type="application/json" data-jupyter-lite-root=".">{{}}</script>
<style>
body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 56em; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.7em; margin-bottom: .2em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3em .5em; text-align: left; vertical-align: top; }}
th {{ background: #f4f4f4; }}
.start a {{ display: inline-block; background: #1976d2; color: #fff; padding: .5em 1em; border-radius: 4px;
           text-decoration: none; font-weight: bold; }}
code {{ background: #f4f4f4; padding: 0 .2em; }}
.note {{ color: #555; font-size: .9em; }}
td.time {{ white-space: nowrap; }}
</style>
</head>
<body id="{MARK}">
<h1>{title}</h1>
<p>A course on how Linux learned to move a running process's memory between NUMA nodes, and how
that code was rebuilt between 2.6.16 (March 2006) and 2.6.18 (September 2006), one patch at a
time, on a small simulated machine whose kernel keeps the real names, layouts and return values.
Everything runs here in your browser, in Python (Pyodide): nothing to install, and nothing you
do is sent anywhere.</p>
{start}
<h2>The chapters, in order</h2>
<table>
<tr><th>#</th><th>chapter</th><th>time</th><th>graded exercises</th></tr>
{chr(10).join(rows)}
</table>
<p class="note">{in_all} in all, as the chapters state it{estimates}. Each chapter builds on the
one before: take them in order.</p>

<h2>Running a notebook</h2>
<p>A notebook opens with its Python already loaded with the course (give it a few seconds the
first time). Run its cells from the top: <b>Run &gt; Run All Cells</b>, or Shift+Enter cell by
cell. A reload of the page closes the open notebooks (this in-browser JupyterLab does not keep
its layout: open them again from the file browser on the left, or from this page) and ends
their Python: what you saved stays, but run the cells from the top again, as after a kernel
restart.</p>

<h2>How the exercises are graded</h2>
<p>Each chapter's exercises are in <code>exercises/</code>, under the chapter's name. Each is a fix
(write the function the patch changed), a find (the setup or schedule that breaks the kernel before
the patch) or a predict (a value: <code>answer = ...</code>). Write your answer in the cell marked
<code># YOUR CODE HERE</code>, run it, then run the grading cell below it. A find with variants asks
first for your student id: it picks your own variant of the problem. The grader runs here, in
your browser: it builds the simulated kernel at the step before the patch with your function in
place and judges what it <i>does</i> (the patch's scenarios, a search
of schedules for races, random workloads, the kernel's invariants after every step), never your
code's text. It answers in one line: <code>Exercise 07.2: correct (...)</code>, or the first check
that failed with what was expected and what happened. An answer that loops for ever is stopped by
a step budget. A grade that takes long says which check runs. Nobody sees your grades but you.</p>

<h2>Where your work is kept</h2>
<p>In this browser's own storage for this site: JupyterLab saves a notebook when you press
Ctrl+S and by itself every two minutes. The first save of a notebook that came with the course
makes your own copy, which from then on is what opens under that name; the course's copy stays
on the site. Your copies live only in this browser, for this site's address: another browser,
another computer, a private window, or the same course at another address each start from the
course's copies, and clearing the site's data (or the browser's history with site data) deletes
your work. Nothing is uploaded.</p>

<h2>Downloading your work</h2>
<p>In the file browser on the left, right-click a notebook and choose <b>Download</b> (or, with the
notebook open, <b>File &gt; Download</b>). Download your exercise notebooks before you clear the
browser's data or change computer; to bring one back, drag the file into the file browser
(<b>Upload</b>).</p>

<h2>Resetting a notebook to the course's copy</h2>
<p>In the file browser, right-click the notebook and choose <b>Delete</b>. For a notebook that
came with the course this deletes <i>only your copy</i>, although the dialog says "permanently":
the course's copy shows again at once (click the refresh button of the file browser if it does
not), as it was shipped. Download your copy first if you want to keep it. A notebook you made
yourself is really deleted.</p>
<p><b>File &gt; Revert Notebook to Checkpoint</b> is not a reset: its checkpoints are your own
saves (the oldest is your first save), so it takes you back only to a version you saved.</p>

<p class="note">The same course runs in JupyterLab on your own machine, with the simulator's tests:
see the project's README (<code>pip install -e .</code>, then <code>jupyter lab notebooks/</code>).
This page is the site's front page: the site's address without <code>lab/</code>.</p>
</body>
</html>
"""
