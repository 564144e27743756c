"""python -m migsim.practice KIND --seed N [--at STEP] [-c]: a practice problem, or (-c) its answers."""

import argparse
import sys

from ..errors import MigsimError
from . import KINDS, problem


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m migsim.practice",
                                 description="A seeded practice problem taken from the simulator.")
    ap.add_argument("kind", help="one of " + ", ".join(KINDS))
    ap.add_argument("--seed", "-s", default="0", help="the problem's seed, an int (default 0)")
    ap.add_argument("--at", default=None, help="the step of the series (default: the seed chooses)")
    ap.add_argument("-c", "--compute", action="store_true", help="print the answers and their reasoning")
    args = ap.parse_args(argv)
    try:
        seed = int(args.seed)
    except ValueError:
        seed = args.seed                       # problem() names the bad value
    try:
        q = problem(args.kind, seed=seed, at=args.at)
    except MigsimError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(q.reveal() if args.compute else q)
    return 0


if __name__ == "__main__":
    sys.exit(main())
