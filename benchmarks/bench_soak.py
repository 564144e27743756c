"""Benchmark: the soak's speed, and the share of its CPU time that check() takes.

Run: python benchmarks/bench_soak.py [--at v2.6.18] [--n 300] [--seed 1]

Runs the same `--n` workloads twice, with check() after every operation and
every task step (as the soak does) and with check() made a no-op, and prints
both CPU times, workloads per second, and check()'s share. (With the
check() that read every slot of every page table, the same soak spent 95% of
its CPU in check() and ran about 4.8 times slower; one check() of a soak's
machine took about 245 us, now about 25.)
"""

import argparse
import sys
import time

from migsim import machine, soak


def run(at, n, seed):
    t0 = time.process_time()
    report = soak.soak(at, n=n, seed=seed, shrink=False)
    return time.process_time() - t0, report


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--at", default="v2.6.18")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    run(args.at, 5, args.seed)                                 # warm up
    real = machine.Kernel.check
    with_check, report = run(args.at, args.n, args.seed)
    machine.Kernel.check = lambda self, cow=False: None
    try:
        without, _ = run(args.at, args.n, args.seed)
    finally:
        machine.Kernel.check = real
    print(report.line())
    print(f"{args.n} workloads at {args.at}: with check() {with_check:.2f} s ({args.n / with_check:.0f} per s), "
          f"without {without:.2f} s: check() takes {(with_check - without) / with_check:.0%} of the soak's CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
