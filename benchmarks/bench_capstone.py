"""CPU time to grade the capstone's solution, part by part (visible checks, then with the hidden ones).

    python benchmarks/bench_capstone.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from contracts import ch11  # noqa: E402  (after the path)
from migsim.grading import EXERCISES, grade  # noqa: E402


def cpu():
    """CPU seconds of this process and of the grading children it waited for (grades run in a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main():
    answer = ch11.solution(*ch11.CELLS)
    for part in ("11.1", "11.2", "11.3", "11.4"):
        mine = {n: answer[n] for n in EXERCISES[part].functions}
        for hidden in (False, True):
            t = cpu()
            verdict = grade(part, hidden=hidden, **mine)
            print(f"{part} {'with hidden' if hidden else 'visible    '} {cpu() - t:5.2f} s CPU  {verdict}")


if __name__ == "__main__":
    main()
