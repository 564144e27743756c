"""Prediction 10.2: is `swap_page`, the heart of 2.6.16's migration, still a function of the released
mm/migrate.c (v2.6.18)? "yes" or "no".

Worked out: `str(migsim.series.listing("mm/migrate.c", "v2.6.18"))` has no "swap_page" at all (its
25 names run from isolate_lru_page to migrate_vmas); at v2.6.16 mm/vmscan.c has it. Right: "no".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
correct, wrong, debatable = H["yes_no"]("no")

CORRECT = H["answers"](correct)
# "yes": it was the heart of 2.6.16, gone with swap-based migration
# "migrate_page_move_mapping": what migrate_page_remove_references became, no answer to a yes/no
WRONG = H["answers"]({**wrong, "renamed": "migrate_page_move_mapping"})
DEBATABLE = H["answers"]({**H["debatable"]("no"), **debatable, "gone": "gone"})


def _listing_has_swap_page():
    from migsim import series
    real = series.listing
    extra = "\n# swap_page: since v2.6.16\ndef swap_page(page):\n    pass\n"
    series.listing = lambda *a, **k: str(real(*a, **k)) + extra


HOSTILE = {**H["all_hostile"]("10.2", "no", "yes", _listing_has_swap_page, "yes"),
           # the released build made to carry 2.6.16's swap_page
           "build_patched": H["fresh"](lambda: H["set_on_cached_build"](
               "v2.6.18", "swap_page", H["from_build"]("v2.6.16", "swap_page")), "yes")}
