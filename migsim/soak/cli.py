"""`python -m migsim.soak`: the soak's command line."""

import argparse
import sys

from .. import steps
from . import replay, soak


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m migsim.soak",
                                 description="A seeded random-workload soak of the machine.")
    ap.add_argument("--at", default=steps.LAST, help="the step of the series (default %(default)s)")
    ap.add_argument("--n", type=int, default=100, help="workloads to run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=40, help="operations per workload")
    ap.add_argument("--save", default=".", help="directory for reproducers of failing workloads")
    ap.add_argument("--no-shrink", action="store_true", help="save failing workloads whole")
    ap.add_argument("--stop-after", type=int, default=None, help="stop after this many failures")
    ap.add_argument("--replay", metavar="FILE", help="run a saved reproducer instead")
    args = ap.parse_args(argv)
    if args.replay:
        o = replay(args.replay)
        print(f"replay {args.replay}: {o.kind or 'passed'}{f' at op {o.op}: {o.message}' if o.kind else ''}")
        return 1 if o.kind else 0
    if args.at not in steps.INDEX:
        ap.error(f"unknown step {args.at!r} (expected one of {', '.join(steps.IDS)})")
    report = soak(args.at, args.n, args.seed, args.ops, not args.no_shrink, args.save, args.stop_after,
                  out=sys.stdout)
    print(report.line())
    return 1 if report.failures else 0
