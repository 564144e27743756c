"""Benchmark: the explorer against plain enumeration and seeded random scheduling.

Run: python benchmarks/bench_explore.py [--at swapless-core] [--bound 2] [--seeds 20] [--max-runs 2000]

For the fork-race scenario (bug B) it reports: schedules explored with and
without pruning, the time and number of schedules to the first failing one,
and the number of seeded random runs needed to hit the bug (median over the
seeds; a seed that never hits within --max-runs counts as --max-runs).
"""

import argparse
import statistics
import sys
import time

from migsim import explore


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="fork_race")
    ap.add_argument("--at", default="swapless-core")
    ap.add_argument("--bound", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--max-runs", type=int, default=2000)
    ap.add_argument("--skip-plain", action="store_true", help="skip plain enumeration (slow)")
    args = ap.parse_args(argv)

    pruned = explore.explore(args.scenario, args.at, bound=args.bound, prune=True)
    print(pruned)
    print(f"  pruned: {pruned.explored} schedules in {pruned.elapsed_s:.2f} s; first failure after "
          f"{pruned.first_failure_after} schedules, {pruned.first_failure_s:.3f} s")
    if not args.skip_plain:
        plain = explore.explore(args.scenario, args.at, bound=args.bound, prune=False)
        print(f"  plain:  {plain.explored} schedules in {plain.elapsed_s:.2f} s; first failure after "
              f"{plain.first_failure_after} schedules, {plain.first_failure_s:.3f} s; "
              f"{plain.failing} failing")
        print(f"  pruning explores {plain.explored / pruned.explored:.1f}x fewer schedules")
    runs = []
    t0 = time.perf_counter()
    for seed in range(args.seeds):
        n = explore.runs_until_failure(args.scenario, args.at, seed, max_runs=args.max_runs)
        runs.append(args.max_runs if n is None else n)
        print(f"  random seed {seed:2d}: {'>' if n is None else ''}{runs[-1]} runs", flush=True)
    median = statistics.median(runs)
    print(f"  random scheduling: median {median} runs to hit the bug over {args.seeds} seeds "
          f"({time.perf_counter() - t0:.1f} s); explorer: {pruned.first_failure_after} schedules "
          f"-> {median / pruned.first_failure_after:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
