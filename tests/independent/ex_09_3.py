"""Prediction 09.3: 31 swapons at cow-fix, where MAX_SWAPFILES is 30. What does the 31st
`sys_swapon` return (a swap type, or a negative errno if it is refused)? An int.

Worked out: `[k.sys_swapon(1) for _ in range(31)]` on `Kernel(at="cow-fix", nodes=2,
frames_per_node=8, seed=9)` ends 28, 29, 30: type 30, not refused (the check asks whether 30 is
encodable, and 30 <= 31). Right: 30.
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"]({**H["shapes"](30), "max_swapfiles": (1 << 5) - 2})

WRONG = H["answers"]({
    "eperm": -1,                  # swapon-fix's answer: refused
    "einval": -22,
    "enospc": -28,
    "thirty_one": 31,             # the count of swapons, or SWP_MIGRATION_WRITE
    "twenty_nine": 29,            # the 30th's type
    "zero": 0,
})

DEBATABLE = {
    **H["answers"](H["debatable"](30)),
    # the right value, after a patch that leaves the truth as it was (slot 30 is the 31st either way)
    "max_swapfiles_patched_right": H["fresh"](lambda: H["set_on_cached_build"]("cow-fix", "MAX_SWAPFILES", 32), 30),
}

# cow-fix given swapon-fix's sys_swapon: the 31st is refused
HOSTILE = H["all_hostile"]("09.3", 30, -1, lambda: H["set_on_cached_build"](
    "cow-fix", "sys_swapon", H["from_build"]("swapon-fix", "sys_swapon")), -1)
