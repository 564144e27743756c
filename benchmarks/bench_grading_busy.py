"""Benchmark: every solution's graded cells on a busy machine (issue 18, acceptance).

Run: python benchmarks/bench_grading_busy.py [--loops-per-core 2] [CHAPTER ...]

Starts two busy loops per core (4 on a 2-core machine: a load of 4 on top
of whatever runs already), then runs each solution notebook's graded cells
as a kernel would (setup, answers, graded cells with their hidden checks;
each grade in its child process, as students get it) and prints each
grade's verdict, its CPU seconds and its wall seconds. Every verdict must
be "correct": the graders' limits count CPU time, which a loaded machine
does not shorten. Not a timed test: the figures go in the notes.
"""

import argparse
import io
import os
import subprocess
import sys
import time
from contextlib import redirect_stdout

from bench_grading import clock, graded_cells, run_cells


def busy_loops(n):
    """`n` processes that spin until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--loops-per-core", type=int, default=2)
    parser.add_argument("chapters", nargs="*", default=[f"{n:02d}" for n in range(1, 11)])
    args = parser.parse_args()
    loops = busy_loops(args.loops_per_core * os.cpu_count())
    print(f"{len(loops)} busy loops on {os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.1f}")
    rows, wrong = [], 0
    try:
        time.sleep(2)                                    # let the loops take the cores
        for chapter in args.chapters:
            _, cells = graded_cells(chapter)

            def timed(grade, exercise, *a, **kw):
                cpu, wall = clock(), time.perf_counter()
                v = grade(exercise, *a, **kw)
                rows.append((exercise, kw.get("hidden", False), clock() - cpu, time.perf_counter() - wall, v))
                return v

            with redirect_stdout(io.StringIO()):
                run_cells(cells, timed)
        load = os.getloadavg()[0]
    finally:
        for p in loops:
            p.kill()
            p.wait()
    print(f"{'exercise':16} {'cpu s':>6} {'wall s':>7}  verdict")
    for exercise, hidden, cpu, wall, v in rows:
        label = exercise + (f" hidden={hidden}" if hidden else "")
        wrong += not v.passed
        print(f"{label:16} {cpu:6.2f} {wall:7.2f}  {v.message}")
    print(f"\n{len(rows) - wrong} of {len(rows)} grades correct under load (load average at the end: {load:.1f})")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
