"""Benchmark: one stepper step (model step + check + redraw of every widget) over the fork race.

Run: python benchmarks/bench_stepper.py [--at swapless-core] [--picture machine] [--repeat 3]

A `migsim.widgets.Stepper` over scenario fork_race (bug B) is clicked
through the scenario's schedule (M85F7M6F2M, 101 steps, the last one breaks
the machine), choosing each task with its toggle button and pressing
"step". Each click is timed: the model's step, `k.check()`, the text panels,
the dump and the picture. Reports the median over all steps, the median
over the steps whose picture changed (the others skip the redraw), the
slowest step, and the cost of one step back (a deterministic replay).
"""

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")

from migsim import scenarios, widgets          # noqa: E402
from migsim.sched import expand                # noqa: E402


def one_run(at, picture):
    """(per-step seconds, which steps redrew the picture, back seconds, build seconds)."""
    t0 = time.perf_counter()
    s = widgets.Stepper(scenarios.FORK_RACE, at, picture=picture)
    build = time.perf_counter() - t0
    times, redrawn = [], []
    for label in expand(scenarios.FORK_RACE.schedule):
        if not s.rec.runnable():
            break
        s.task_buttons[label].value = True
        before = s.png
        t0 = time.perf_counter()
        s.step_button.click()
        times.append(time.perf_counter() - t0)
        redrawn.append(s.png is not before)
    t0 = time.perf_counter()
    s.back_button.click()
    back = time.perf_counter() - t0
    return times, redrawn, back, build


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--at", default="swapless-core")
    ap.add_argument("--picture", default="machine", help="machine, timeline, rmap or 'pid 100'")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    one_run(args.at, args.picture)                         # warm up fonts and caches
    times, redraw_times, backs, builds = [], [], [], []
    for _ in range(args.repeat):
        t, r, back, build = one_run(args.at, args.picture)
        times += t
        redraw_times += [x for x, changed in zip(t, r) if changed]
        backs.append(back)
        builds.append(build)
    ms = 1e3
    print(f"stepper over fork_race at {args.at}, picture {args.picture!r}: "
          f"{len(times) // args.repeat} steps x {args.repeat} runs")
    print(f"  median step (model step + check + redraw): {statistics.median(times) * ms:.1f} ms")
    if redraw_times:
        print(f"  median step whose picture changed: {statistics.median(redraw_times) * ms:.1f} ms "
              f"({len(redraw_times) // args.repeat} of {len(times) // args.repeat} steps per run)")
    print(f"  slowest step: {max(times) * ms:.1f} ms; one step back (replay): "
          f"{statistics.median(backs) * ms:.1f} ms; "
          f"opening the stepper: {statistics.median(builds) * ms:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
