"""Prediction 04.2: at fallback-function, how many passes of `migrate_pages()` does the dirty listfs
page of `scenarios.DIRTY_FALLBACK` need, counting the pass that moves it? An int.

Worked out: build the scenario at fallback-function, step task M, count its `cond_resched` points
on the old page (one per pass over it): 2, and M returns 0 (pass 0 writes the dirty page out and
answers -EAGAIN; pass 1 moves the clean page). At pass-mapping it is 2 as well. Right: 2.
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"]({**H["shapes"](2), "sum_of_bools": True + True})   # True + True is the int 2

WRONG = H["answers"]({
    "clean_page": 1,                          # a page nobody wrote moves on pass 0 (and "pass 1 moves it")
    "three": 3,                               # counts the re-lock as a pass
    "zero": 0,
    "eleven": 11,                             # the loop's bound
    "bool_true": True,                        # == 1
    "half": 2.5,
})

DEBATABLE = H["answers"]({**H["debatable"](2), "word": "two"})


def _clean_build(at, patch=None):
    """DIRTY_FALLBACK's machine, but the editor only reads: a clean page moves on the first pass."""
    import migsim
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=12, seed=4, **({"patch": patch} if patch else {}))
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=True)
    p.read(q, 1)
    k.sys_swapon(8)
    k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    return k, {"a": q}


def _patch():
    from migsim import scenarios
    object.__setattr__(scenarios.DIRTY_FALLBACK, "build", _clean_build)     # past the frozen dataclass


HOSTILE = H["all_hostile"]("04.2", 2, 1, _patch, 1)
