"""Benchmark: one step of each chapter's stepper, in CPU time (the step, and its picture's redraw alone).

Run: python benchmarks/bench_stepper_chapters.py [--root TREE] [--chapters 05 06 07] [--pictures all]

For each chapter with a stepper, the code cells of its built notebook
(notebooks/NN-*.ipynb of TREE, default this checkout) run in this process up
to the one that opens the stepper, with TREE's migsim first on the path; the
stepper (as the chapter opens it: scenario, patch, schedule, picture) goes
back to state 0 and steps its recorded schedule again, each step timed with
`time.process_time`: the whole step (model step, check, text, picture) and
the picture's redraw alone (`Stepper._draw`), after a warm-up pass and with
the stepper's kept pictures dropped (as when a student first steps forward). With ``--pictures all`` it
does so for the machine, timeline and rmap pictures too. Give ``--root`` a
second checkout (``git archive main | tar -x -C /tmp/main``) to time the
code before a change with the same script.
"""

import argparse
import contextlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

HERE = Path(__file__).resolve().parent


def open_stepper(notebook):
    """The first stepper `notebook`'s cells open (run in a namespace of their own), or None."""
    import nbformat
    import IPython.display
    IPython.display.display = lambda *args, **kwargs: None       # nothing to show outside a kernel
    ns = {"__name__": "__main__"}
    cwd = os.getcwd()
    os.chdir(notebook.parent)
    try:
        for cell in nbformat.read(notebook, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            try:
                with contextlib.redirect_stdout(io.StringIO()):          # the chapter's own prints
                    exec(compile(source, f"<{notebook.name} cell>", "exec"), ns)
            except Exception:
                if "raises-exception" not in cell.metadata.get("tags", []):
                    raise
            if "Stepper(" in source and "stepper" in ns:
                return ns["stepper"]
    finally:
        os.chdir(cwd)
    return None


def time_steps(stepper, picture):
    """([CPU seconds per step], [CPU seconds of its redraw]) stepping the recorded schedule from state 0."""
    history = list(stepper.rec.history)
    stepper.picture.value = picture
    stepper.goto(0)
    # A first pass: no picture of these states drawn yet (a step back would find its PNG kept).
    stepper._pictures.clear()
    if getattr(stepper, "_rmap", None) is not None:
        stepper._rmap = None
    redraws, draw_once = [], stepper._draw

    def timed_draw():
        t0 = time.process_time()
        draw_once()
        redraws.append(time.process_time() - t0)
    stepper._draw = timed_draw
    steps = []
    try:
        for label in history:
            del redraws[:]
            t0 = time.process_time()
            stepper.step(label)
            steps.append((time.process_time() - t0, sum(redraws)))
    finally:
        del stepper._draw
    return [s for s, _ in steps], [r for _, r in steps]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=str(HERE.parent), help="the checkout whose chapters and migsim are timed")
    ap.add_argument("--chapters", nargs="*", default=[], help="chapter numbers (default: every chapter)")
    ap.add_argument("--pictures", default="own", help="'own' (the chapter's) or 'all' (machine, timeline, rmap)")
    args = ap.parse_args(argv)
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    import migsim
    assert Path(migsim.__file__).resolve().is_relative_to(root), migsim.__file__
    notebooks = sorted(nb for nb in (root / "notebooks").glob("*.ipynb")
                       if not args.chapters or nb.name.split("-")[0] in args.chapters)
    print(f"migsim from {Path(migsim.__file__).parent}; CPU ms per step (median / mean / max), "
          "and of the picture's redraw alone")
    for nb in notebooks:
        stepper = open_stepper(nb)
        if stepper is None:
            continue
        own = stepper.picture.value
        kinds = [own] if args.pictures == "own" else \
            [own] + [k for k in ("machine", "timeline", "rmap")
                     if k != own and k in [v for _, v in stepper._picture_options()]]
        for kind in kinds:
            time_steps(stepper, kind)                           # warm up: fonts, caches of the first pass
            steps, redraws = time_steps(stepper, kind)
            ms = 1e3
            print(f"{nb.stem[:28]:28} {kind:10} {len(steps):4} steps  step {statistics.median(steps) * ms:6.1f} / "
                  f"{statistics.mean(steps) * ms:6.1f} / {max(steps) * ms:6.1f}   redraw "
                  f"{statistics.median(redraws) * ms:6.1f} / {statistics.mean(redraws) * ms:6.1f} / "
                  f"{max(redraws) * ms:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
