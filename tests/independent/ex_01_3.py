"""Prediction 01.3: of the six steps chapter 01 tries, at which is `oldfs` (it needs `swap_page`
and `migrate_page`) first refused by `sys_init_module`? One of the six step ids, as a string.

Worked out: `k.sys_init_module(Module("oldfs", ("swap_page", "migrate_page")))` is 0 at v2.6.16,
reorg and fixups, -2 (Unknown symbol swap_page) from unexport-swap-page on. Right:
"unexport-swap-page".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
RIGHT = "unexport-swap-page"

CORRECT = H["answers"]({"step_id": RIGHT, "spaces": f" {RIGHT}\n", "upper": RIGHT.upper()})

WRONG = H["answers"]({
    "myfs_answer": "remove-definitions",        # where myfs stops, not oldfs
    "step_before": "fixups",                    # off by one: the fixups still export swap_page
    "step_after": "group-functions",            # refused there too, but not first
    "reorg": "reorg",                           # the exports moved with their functions, still there
    "never": "v2.6.16",
    "the_symbol": "swap_page",                  # what is missing, not where
    "errno": "-2",
    "step_index": 3,                            # its place in the list (0-based), not its id
})

DEBATABLE = H["answers"]({
    **H["debatable"](RIGHT),
    "underscores": "unexport_swap_page",
    "words": "unexport swap page",
    "commit_id": "64a3ca5f",                    # the patch's commit, named in the chapter
    "step_number_1_based": "4",
})

# fixups made to export nothing: oldfs would be refused there
HOSTILE = H["all_hostile"]("01.3", RIGHT, "remove-definitions",
                           lambda: H["set_on_cached_build"]("fixups", "EXPORTS", frozenset()), "fixups")
