"""Prediction 06.5: at swapless-core a private page is pinned (an extra reference nobody gives back),
so every pass fails. Once `sys_migrate_pages` gives up, what is the page's pte? "migration entry",
"read-only" or "writable".

Worked out: chapter 06's machine (seed 6, no swap, one written anonymous page, one `get_page`):
`sys_migrate_pages` returns 1 and the pte is `0x01000007 present|rw|user pfn=0x1000` (the failure
path's remove_migration_ptes(page, page) turned the write entry back into a writable pte to the old
frame). Right: "writable".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))

CORRECT = H["answers"](H["shapes"]("writable"))

WRONG = H["answers"]({
    "read_only": "read-only",             # what 2.6.16's remove_from_swap restores (chapter 00)
    "migration_entry": "migration entry",  # rip-out-swap's answer: nothing turns the entry back
    "read_only_capital": "Read-only",
    "empty": "",
    "present": "present",                 # not one of the three, and not what is asked
    "read_only_no_hyphen": "read only",   # a wrong choice, however it is spelt
})

DEBATABLE = H["answers"]({
    **H["debatable"]("writable"),
    "writeable_spelling": "writeable",
    "rw": "rw",
    "flags": "present|rw|user",
})


def _no_restore(self, *args):
    yield from ()                         # remove_migration_ptes made to do nothing: the entries stay


HOSTILE = H["all_hostile"]("06.5", "writable", "read-only",
                           lambda: H["set_on_cached_build"]("swapless-core", "remove_migration_ptes", _no_restore),
                           "migration entry")
