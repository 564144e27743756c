"""Benchmark: what tracing the student's code costs each grade, per exercise.

Run: python benchmarks/bench_grading.py [CHAPTER ...]

Each solution notebook's graded cells (solutions/NN-*.ipynb: the setup
cell, the answer cells, then each graded cell with its hidden checks) run
in this process, three ways, timed in CPU seconds:

* untraced: no tracer at all (`guard.TRACING = False`): the checks' own time;
* traced: as graded, the tracer on only while a student's frame runs (`Guard.wrap`);
* global: the tracer of every frame, as before issue 18 (`wrap` left out);

and once more as `grade` runs it, in a child process (`child`: the CPU
seconds of both processes, fork included; wall time on a shared machine
says more about the load than about the grader). Target (issue 18 §4): traced at most twice untraced.
"""

import argparse
import os
import sys
import io
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migsim.grading import guard, sandbox  # noqa: E402


def graded_cells(chapter):
    """[(grade_id, source)] of the code cells of solutions/`chapter`*.ipynb, in order (a cell
    without nbgrader metadata, such as one asking for the student's variant, is "plain")."""
    path = next((ROOT / "solutions").glob(f"{chapter}*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return path.stem, [(c.metadata.nbgrader.grade_id if "nbgrader" in c.metadata else "plain", c.source)
                       for c in nb.cells if c.cell_type == "code"]


def run_cells(cells, on_grade):
    """Run the cells as a kernel would; each grade(...) call goes through `on_grade(real_grade, *args, **kwargs)`."""
    import migsim.grading
    ns = {"__name__": "__main__"}
    for grade_id, source in cells:
        if grade_id != "setup":
            ns["grade"] = lambda *a, **kw: on_grade(migsim.grading.grade, *a, **kw)
        exec(compile(source, f"<cell {grade_id}>", "exec"), ns)


@contextmanager
def mode(name):
    """Grade in this process, traced as `name` says (or in the child process for 'child')."""
    saved = sandbox.ISOLATE, guard.TRACING, guard.Guard.wrap
    sandbox.ISOLATE = name == "child"
    guard.TRACING = name != "untraced"
    if name == "global":
        guard.Guard.wrap = lambda self, fn: fn
    try:
        yield
    finally:
        sandbox.ISOLATE, guard.TRACING, guard.Guard.wrap = saved


def time_grades(cells, name):
    """{(exercise, hidden): (seconds, verdict message)} of every grade the cells make, in mode `name`."""
    times = {}

    def timed(grade, exercise, *a, **kw):
        t0 = clock()
        v = grade(exercise, *a, **kw)
        key = (exercise, kw.get("hidden", False))
        times[key] = (clock() - t0, v.message)
        return v

    with mode(name), redirect_stdout(io.StringIO()):
        run_cells(cells, timed)
    return times


MODES = ("untraced", "traced", "global", "child")


def clock():
    """CPU seconds of this process and of its ended children (a grading child's, once reaped)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("chapters", nargs="*", default=[f"{n:02d}" for n in range(1, 11)])
    args = parser.parse_args()
    print(f"{'exercise':16} {'untraced':>9} {'traced':>8} {'global':>8} {'child':>8} {'traced/untraced':>16}  verdict")
    worst = 0.0
    for chapter in args.chapters:
        _, cells = graded_cells(chapter)
        time_grades(cells, "untraced")        # once first: the kernel classes are built and cached
        runs = {name: time_grades(cells, name) for name in MODES}
        for key in runs["untraced"]:
            t = {name: runs[name][key][0] for name in MODES}
            ratio = t["traced"] / max(t["untraced"], 1e-3)
            if t["untraced"] > 0.05:
                worst = max(worst, ratio)
            label = key[0] + (f" hidden={key[1]}" if key[1] else "")
            print(f"{label:16} {t['untraced']:9.2f} {t['traced']:8.2f} {t['global']:8.2f} {t['child']:8.2f} "
                  f"{ratio:16.2f}  {runs['child'][key][1]}")
    print(f"\nworst traced/untraced (grades over 0.05 s untraced): {worst:.2f} (target: at most 2)")


if __name__ == "__main__":
    main()
