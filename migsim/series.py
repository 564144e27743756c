"""The patch series: its steps, and each patch as a readable diff of simulator source.

    migsim.series.steps()            # the Step records, oldest first
    migsim.series.diff("reorg")      # one patch as a mail: header, summary, diff by kernel file
    print(migsim.series.cover())     # the whole series, one line per step
"""

import difflib

from . import kbuild
from .steps import IDS, INDEX, STEPS


def steps():
    """Every step of the series, oldest first."""
    return list(STEPS)


def step(id_):
    """The Step called `id_` (UnknownStep names the valid ids)."""
    return STEPS[kbuild.step_index(id_)]


def ids():
    return list(IDS)


def changes(id_):
    """[(kfile_before, kfile_after, name, old Version|None, new Version|None)] the step makes."""
    index = kbuild.step_index(id_)
    kbuild.load_all()
    out = []
    for name, versions in kbuild.REGISTRY.items():
        if not any(v.step == index for v in versions):
            continue
        old = kbuild.active(name, index - 1) if index else None
        new = kbuild.active(name, index)
        out.append(((old or new).kfile, (new or old).kfile, name, old, new))
    out.sort(key=lambda c: (c[1], (c[4] or c[3]).order))
    return out


def diff(id_):
    """Step `id_` as a patch mail: title, commit, release, summary, then a unified diff per kernel file."""
    s = step(id_)
    head = [f"From {s.commit} Mon Sep 17 00:00:00 2001",
            f"From: {', '.join(s.authors)}",
            f"Subject: [PATCH] {s.title}",
            f"Release: Linux {s.release}", ""]
    head += _wrap(s.summary) + ["", "(simulator source, grouped by kernel file)", "---"]
    body = []
    by_file = {}
    for before, after, name, old, new in changes(id_):
        by_file.setdefault((before, after), []).append((name, old, new))
    for (before, after), items in sorted(by_file.items(), key=lambda kv: kv[0][1]):
        a = "".join(old.text() if old else "" for _, old, _ in items).splitlines(keepends=True)
        b = "".join(new.text() if new else "" for _, _, new in items).splitlines(keepends=True)
        if INDEX[id_] == 0:
            a = []
        body += difflib.unified_diff(a, b, f"a/{before}", f"b/{after}", n=3)
    return "\n".join(head) + "\n" + "".join(body)


def cover():
    """The series like a cover letter: one line per step."""
    lines = ["[PATCH 00/%02d] Page migration, 2.6.16 -> 2.6.18, replayed" % (len(STEPS) - 1), ""]
    for i, s in enumerate(STEPS):
        lines.append(f"{i:2d} {s.id:<22} {s.commit[:12]}  {s.release:<7} {s.title}")
    return "\n".join(lines)


def _wrap(text, width=72):
    import textwrap
    return textwrap.wrap(text, width)
