"""Prediction 00.1: in chapter 00's stepper interleaving of the quiet fork race at v2.6.16
(M until the shared pages are swap entries, the whole fork, the rest of M: "M110F9M28"), does
`check()` find anything wrong? "yes" or "no".

Worked out: `scenarios.run(scenarios.FORK_RACE_QUIET, "v2.6.16", "M110F9M28")` is "ok" (the fork
copied the swap entries before the walk that rebuilds the ptes began, so the walk found all three
processes). Right: "no".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
correct, wrong, debatable = H["yes_no"]("no")

CORRECT = H["answers"](correct)
# "yes": the race does break some interleavings (chapter 07), not this one
WRONG = H["answers"]({**wrong, "the_schedule": "M110F9M28"})
DEBATABLE = H["answers"]({**H["debatable"]("no"), **debatable})


def _check_fails(self, *args, **kwargs):
    from migsim.errors import KernelBug
    raise KernelBug("patched: check() always finds something")


# the cached v2.6.16 build's check() made to fail, then "yes"
HOSTILE = H["all_hostile"]("00.1", "no", "yes",
                           lambda: H["set_on_cached_build"]("v2.6.16", "check", _check_fails), "yes")
