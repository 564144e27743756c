"""Prediction 02.3: the editor maps the listfs page privately (`p.mmap(1, file=f)`) and writes to it;
root migrates it at fixups. Does bug A show? "yes" or "no".

Worked out: the same machine as chapter 02 with `shared=False` migrates and `check()` is clean
(the write made an anonymous copy; the file page stays clean and off listfs's list); with
`shared=True` `check()` reports "its own dirty list points at pfn 0x1000, which is free". Right: "no".
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
correct, wrong, debatable = H["yes_no"]("no")

CORRECT = H["answers"]({**correct, "tab_around": "\tno "})
WRONG = H["answers"]({**wrong, "bug_name": "A"})     # "yes": the shared mapping's answer
DEBATABLE = H["answers"]({**H["debatable"]("no"), **debatable})


def _check_says_bug_a(self, *args, **kwargs):
    from migsim.errors import KernelBug
    raise KernelBug("Bad page state: journal: its own dirty list points at pfn 0x1000, which is free")


HOSTILE = H["all_hostile"]("02.3", "no", "yes",
                           lambda: H["set_on_cached_build"]("fixups", "check", _check_says_bug_a), "yes")
