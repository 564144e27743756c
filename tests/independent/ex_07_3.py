"""Prediction 07.3: does `LOUD.schedule` (scenarios.FORK_RACE.schedule, "M85F7M6F2M"), which makes the
fork race fail at swapless-core, still make the machine fail at fork-race-fix? "yes" or "no".

Worked out: `scenarios.run(scenarios.FORK_RACE, "fork-race-fix", scenarios.FORK_RACE.schedule)`
does not apply (task M blocks on the parent's page_table_lock after M85F7M3) and does not fail; at
swapless-core it fails. Right: "no".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
correct, wrong, debatable = H["yes_no"]("no")

CORRECT = H["answers"](correct)
# "yes": the letters are the broken build's; the fix changes where the tasks wait
WRONG = H["answers"]({**wrong, "the_schedule": "M85F7M6F2M"})
DEBATABLE = H["answers"]({**H["debatable"]("no"), **debatable, "doesnt_apply": "it does not apply"})


def _unfix():
    # fork-race-fix with swapless-core's head-of-list links: the race is back
    for name in ("anon_vma_link", "__anon_vma_link", "anon_vma_prepare"):
        H["set_on_cached_build"]("fork-race-fix", name, H["from_build"]("swapless-core", name))


HOSTILE = H["all_hostile"]("07.3", "no", "yes", _unfix, "yes")
