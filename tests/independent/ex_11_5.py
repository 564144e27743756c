"""Prediction 11.5: one private page, migrated at rip-out-swap. What does `sys_migrate_pages` return
(a count of pages not moved, or a negative errno)? An int.

Worked out: chapter 11's machine (seed 11, one written anonymous page, no swap):
`k.sys_migrate_pages(p.pid, [0], [1])` returns 0, although the page has not moved and its pte is
left a migration entry. Right: 0.
"""

import runpy
from pathlib import Path

import numpy as np

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"]({**H["shapes"](0), "negative_zero": -0})

WRONG = H["answers"]({
    "one_not_moved": 1,           # what one expects of a page that did not move; nothing reports it
    "eagain": -11,
    "enomem": -12,
    "efault": -14,
    "eio": -5,
    "tiny_float": 1e-300,         # not 0
})

DEBATABLE = H["answers"]({
    **H["debatable"](0),
    "false_bool": False,          # == 0, but a bool is not a count
    "numpy_false": np.False_,
    "float_negative_zero": -0.0,
})

HOSTILE = H["all_hostile"]("11.5", 0, 1, lambda: H["set_on_cached_build"](
    "rip-out-swap", "sys_migrate_pages", lambda self, *a, **k: 1), 1)
