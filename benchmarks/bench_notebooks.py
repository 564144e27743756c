"""Benchmark: how long each chapter notebook takes to run, and the README's test commands.

Run: python benchmarks/bench_notebooks.py [CHAPTER ...] [--suite] [--fast]

Each source of notebooks/ and solutions/ (or those whose name starts with a
CHAPTER) is executed as tools/build_course.py executes it (a fresh kernel in
the notebook's folder, this checkout first on PYTHONPATH), writing nothing.
Reports each notebook's wall time, kernel start included (target: under 10 s
on these 2-core machines), and its slowest cell (a cell should take well under
a second). `--suite` also times the README's test command (`python -m pytest`:
the whole suite, browser and nbgrader tests included; target under 8 minutes),
`--fast` the authors' fast tier from the README (`-m "not slow"`; target
under 2 minutes).
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_course", ROOT / "tools" / "build_course.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

SUITE = [sys.executable, "-m", "pytest", "-q"]
# The README's fast tier (pyproject's addopts spread it over the cores).
FAST = SUITE + ["-m", "not slow"]


def time_notebook(md, timeout=60):
    """(seconds in all, (seconds, index, first line) of the slowest code cell)."""
    started, cells = {}, []

    def on_start(cell, cell_index, **_):
        started[cell_index] = time.perf_counter()

    def on_done(cell, cell_index, **_):
        cells.append((time.perf_counter() - started[cell_index], cell_index, cell.source.split("\n")[0]))

    t0 = time.perf_counter()
    build.execute(build.read_source(md), md.parent, timeout, on_cell_start=on_start, on_cell_executed=on_done)
    return time.perf_counter() - t0, max(cells, default=(0.0, -1, ""))


def time_command(cmd, **extra_env):
    """(seconds, exit status, the last line it printed) of a command run from the checkout."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")]
                                                                        if p]), MPLBACKEND="Agg", **extra_env)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return time.perf_counter() - t0, done.returncode, lines[-1] if lines else done.stderr.strip()[-200:]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*")
    ap.add_argument("--suite", action="store_true", help="also time the README's test command")
    ap.add_argument("--fast", action="store_true", help="also time the README's fast loop for authors")
    args = ap.parse_args(argv)
    print("notebook                                  total   slowest cell")
    for md in build.sources(ROOT, args.chapters):
        total, (cell, index, line) = time_notebook(md)
        print(f"{str(md.relative_to(ROOT)):40} {total:6.1f} s  {cell:5.2f} s (cell {index}: {line[:40]})",
              flush=True)
    for wanted, name, cmd, env in ((args.fast, "fast tier", FAST, {}),
                                   (args.suite, "test command", SUITE, {})):
        if wanted:
            seconds, status, last = time_command(cmd, **env)
            print(f"{name} ({' '.join(['python'] + cmd[1:])}): {seconds:.0f} s, exit {status}: {last}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
