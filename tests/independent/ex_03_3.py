"""Prediction 03.3: at drop-nr-refs gcc's shared ext2 page holds one extra reference nobody gives back.
Once `sys_migrate_pages` has returned, what is gcc's pte? "present", "empty", "swap entry" or
"migration entry".

Worked out: chapter 03's machine (seed 3, 8 swap slots, ext2 file mapped shared, written, one
`get_page`) at drop-nr-refs: `sys_migrate_pages` returns 1 and `k.pte(p, a)` is `0x00000000 none`
(each pass unmapped the page before the count under tree_lock said no). Right: "empty".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"](H["shapes"]("empty"))

WRONG = H["answers"]({
    "present": "present",                     # remove-definitions' answer: the early test never unmapped
    "swap_entry": "swap entry",               # an anonymous page's unmap at this step; a file page has none
    "migration_entry": "migration entry",     # no such entries before migration-entries
    "two_choices": "present or empty",
    "pte_value": 0,                           # the value, not one of the four words
    "swap_entry_underscore": "swap_entry",    # a wrong choice, however it is spelt
})

DEBATABLE = H["answers"]({
    **H["debatable"]("empty"),
    "simulator_word": "none",                 # what `k.pte` prints for it: "0x00000000 none"
    "kernel_word": "pte_none",
    "not_present": "not present",             # true, but a swap entry is not present either
})


def _never_migrates(self, *args, **kwargs):
    return 1                                  # nothing moved, and nothing unmapped: the pte stays present


HOSTILE = H["all_hostile"]("03.3", "empty", "present",
                           lambda: H["set_on_cached_build"]("drop-nr-refs", "sys_migrate_pages", _never_migrates),
                           "present")
