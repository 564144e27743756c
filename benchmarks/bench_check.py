"""Benchmark: an exploration with check() after every step, against the same exploration without.

Run: python benchmarks/bench_check.py [--repeat 5] [--bound 2]

The explorer checks the invariants after every scheduling point it runs. For
each exploration below it prints the CPU time with check() and with check()
made a no-op (the same schedules, the same steps), and their ratio; the bar
is 1.5x (with the check() that read every slot of every page table it was
4.6x for fork_race and 5.4x for cow_fork at v2.6.18). It also prints what one check() costs on a soak's machine in the
middle of a workload. CPU time (time.process_time), the least of --repeat
runs, the two kinds alternated, so that a busy machine skews both alike.
"""

import argparse
import sys
import time

from migsim import explore, machine, soak

EXPLORATIONS = (("fork_race", "v2.6.18"), ("cow_fork", "v2.6.18"), ("fork_race_quiet", "v2.6.18"),
                ("fork_race", "fork-race-fix"))


def cpu(fn):
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def no_check(self, cow=False):
    """check() made a no-op: the exploration without it."""


def compare(scenario, at, bound, repeat):
    """(schedules, steps checked, seconds with check(), seconds without)."""
    real = machine.Kernel.check
    calls = [0]

    def counting(self, cow=False):
        calls[0] += 1
        real(self, cow)

    machine.Kernel.check = counting
    report = explore.explore(scenario, at, bound=bound)          # also warms the caches of source text
    checked = calls[0]
    on, off = [], []
    try:
        for _ in range(repeat):
            machine.Kernel.check = real
            on.append(cpu(lambda: explore.explore(scenario, at, bound=bound)))
            machine.Kernel.check = no_check
            off.append(cpu(lambda: explore.explore(scenario, at, bound=bound)))
    finally:
        machine.Kernel.check = real
    return report.explored, checked, min(on), min(off)


def check_cost(repeat):
    """Microseconds per check() on a soak machine after 30 operations of a workload."""
    s = soak.Soak("v2.6.18", 11)
    s.boot()
    for op in soak.generate(11)[:30]:
        s.apply(op)
    n = 2000
    best = min(cpu(lambda: [s.k.check() for _ in range(n)]) for _ in range(repeat))
    pages = sum(len(mm.check_walk.ptes) for mm in s.k.mms)
    return best / n * 1e6, len(s.k.mms), pages


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bound", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    worst = 0.0
    for scenario, at in EXPLORATIONS:
        explored, checked, on, off = compare(scenario, at, args.bound, args.repeat)
        worst = max(worst, on / off)
        print(f"explore {scenario} at {at}, bound {args.bound}: {explored} schedules, {checked} checks; "
              f"with check() {on:.3f} s, without {off:.3f} s: {on / off:.2f}x", flush=True)
    us, mms, ptes = check_cost(args.repeat)
    print(f"one check() on a soak machine ({mms} mms, {ptes} ptes, 2 x {soak.FRAMES} frames): {us:.1f} us")
    print(f"worst ratio {worst:.2f}x (bar: 1.5x): {'ok' if worst <= 1.5 else 'OVER'}")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
