"""Prediction 08.2: at fork-race-fix, once the migration and the fork of `scenarios.COW_FORK` have ended
(state 117, before the new child writes), how many of the three ptes of the first shared page are
writable? An int.

Worked out: build COW_FORK at fork-race-fix, replay its schedule "M85F9", run the tasks to the end
(117 points) without the ending: the parent's and the new child's ptes are `present|rw` to pfn
0x2001, the migrated child's is read-only. Right: 2.
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"]({**H["shapes"](2), "len_of_list": len(["parent", "new child"])})

WRONG = H["answers"]({
    "cow_fix": 0,                 # what cow-fix gives (all three read-only), and state 94 (all entries)
    "all_three": 3,
    "parent_only": 1,             # forgets that fork copied the write entry to the new child
    "bool_true": True,
    "negative": -2,
})

DEBATABLE = H["answers"]({**H["debatable"](2), "word": "two"})

# fork-race-fix given cow-fix's copy_one_pte: no pte comes back writable
HOSTILE = H["all_hostile"]("08.2", 2, 0, lambda: H["set_on_cached_build"](
    "fork-race-fix", "copy_one_pte", H["from_build"]("cow-fix", "copy_one_pte")), 0)
