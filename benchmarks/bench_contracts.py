"""Benchmark: the CPU time of grading each row of the graders' contract tables (tests/contracts).

Run: python benchmarks/bench_contracts.py [ch07 ...]

For every row (or the rows of the chapters named) it prints the grade's
CPU time (time.process_time, so a loaded machine does not count), the
verdict and whether it is the one the table asks for; then, per exercise,
the slowest correct answer, which must stay well inside the graders' time
limits (07.2's explorer checks have 60 s each).
"""

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from migsim.grading import grade  # noqa: E402


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    import contracts
    rows = contracts.all_rows() if not argv else [
        r for name in argv for r in importlib.import_module(f"contracts.{name}").ROWS]
    slowest = {}
    for r in rows:
        t0 = time.process_time()
        v = grade(r.exercise, **r.answer)
        cpu = time.process_time() - t0
        ok = v.passed == r.passes and (r.says is None or r.says in v.message)
        print(f"{'ok ' if ok else 'BAD'} {cpu:6.2f} s  {r.id[:70]:70}  {v.score}/{v.total}")
        if r.passes:
            slowest[r.exercise] = max(slowest.get(r.exercise, (0, "")), (cpu, r.label))
    print()
    for ex, (cpu, label) in sorted(slowest.items()):
        print(f"{ex}: slowest passing answer {cpu:.2f} s CPU ({label})")


if __name__ == "__main__":
    main()
