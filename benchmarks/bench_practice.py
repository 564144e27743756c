"""Benchmark: the CPU time to pose a practice problem (build the machine, take the pte, page or run).

Run: python benchmarks/bench_practice.py [--seeds 20]

For each kind of `migsim.practice`, poses the problems of seeds 0..N-1 (each
at the step its seed chooses) and reports the median and the slowest CPU
time of one problem, its `reveal()` included. A notebook's warm-up cell
poses one, so the slowest should stay well under a second.
"""

import argparse
import statistics
import time

from migsim import practice


def timed(kind, seed):
    t0 = time.process_time()
    practice.problem(kind, seed=seed).reveal()
    return time.process_time() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args(argv)
    print(f"{'kind':10} {'median ms':>10} {'slowest ms':>11}  (CPU time, {args.seeds} seeds)")
    for kind in practice.KINDS:
        times = [timed(kind, seed) for seed in range(args.seeds)]
        print(f"{kind:10} {statistics.median(times) * 1000:10.1f} {max(times) * 1000:11.1f}")


if __name__ == "__main__":
    main()
