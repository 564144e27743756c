"""CPU time to grade the capstone's solution, part by part (visible checks, then with the hidden ones).

    python benchmarks/bench_capstone.py
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from contracts import ch11  # noqa: E402  (after the path)
from migsim.grading import EXERCISES, grade  # noqa: E402


def main():
    answer = ch11.solution(*ch11.CELLS)
    for part in ("11.1", "11.2", "11.3", "11.4"):
        mine = {n: answer[n] for n in EXERCISES[part].functions}
        for hidden in (False, True):
            t = time.process_time()
            verdict = grade(part, hidden=hidden, **mine)
            print(f"{part} {'with hidden' if hidden else 'visible    '} {time.process_time() - t:5.2f} s CPU  {verdict}")


if __name__ == "__main__":
    main()
