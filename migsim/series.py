"""The patch series: its steps, and each patch as a readable diff of simulator source.

    migsim.series.steps()            # the Step records, oldest first
    migsim.series.diff("reorg")      # one patch as a mail: header, summary, diff by kernel file
    print(migsim.series.cover())     # the whole series, one line per step
"""

import difflib

from . import kbuild
from .steps import IDS, INDEX, RC1_MERGE, STEPS


def steps():
    """Every step of the series, oldest first."""
    return list(STEPS)


def step(id_):
    """The Step called `id_` (UnknownStep names the valid ids)."""
    return STEPS[kbuild.step_index(id_)]


def ids():
    return list(IDS)


def changes(id_):
    """[(name, old Version | None, new Version | None)] for what step `id_` changes."""
    index = kbuild.step_index(id_)
    kbuild.load_all()
    out = []
    for name, versions in kbuild.REGISTRY.items():
        if any(v.step == index for v in versions):
            old = kbuild.active(name, index - 1) if index else None
            out.append((name, old, kbuild.active(name, index)))
    return out


def _file_exists(path, index):
    return index >= 0 and any(v.kfile == path for v in kbuild.symbols(index).values())


def _hunks(name, old, new):
    """Unified-diff hunks of one function, each @@ line labelled with its name."""
    a = old.text().splitlines(keepends=True) if old else []
    b = new.text().splitlines(keepends=True) if new else []
    if old and new and a == b:
        return [f"@@ {name}: moves unchanged @@\n"] if old.kfile != new.kfile else []
    lines = list(difflib.unified_diff(a, b, n=3))[2:]
    return [line.rstrip("\n") + f" {name}\n" if line.startswith("@@") else line for line in lines]


def _layout_hunk(path, index):
    """A hunk of the file's item order, when a patch reorders items (or adds a banner)."""
    before = kbuild.file_items(path, index - 1)
    after = kbuild.file_items(path, index)
    kept_before = [n for n in before if n in after]
    kept_after = [n for n in after if n in before]
    banners = [n for n in after if n.startswith("/*") and n not in before]
    if kept_before == kept_after and not banners:
        return []
    lines = list(difflib.unified_diff([n + "\n" for n in before], [n + "\n" for n in after], n=2))[2:]
    return [f"@@ order of items in {path} @@\n" if line.startswith("@@") else line for line in lines]


def diff(id_):
    """Step `id_` as a patch mail: title, commit, release, summary, then the diff by kernel file.

    Each changed function is shown as its own hunk (simulator source); a
    function that moves to another kernel file appears under that pair of
    files (--- a/mm/vmscan.c / +++ b/mm/migrate.c); a pure reordering shows
    the file's new order.
    """
    s = step(id_)
    index = INDEX[id_]
    head = [f"From {s.commit} Mon Sep 17 00:00:00 2001",
            f"From: {', '.join(s.authors)}",
            f"Subject: [PATCH] {s.title}",
            f"Release: Linux {s.release}", ""]
    head += _wrap(s.summary) + ["", "(simulator source, grouped by kernel file)", "---"]
    groups = {}
    for name, old, new in changes(id_):
        before = old.kfile if old else (new.kfile if _file_exists(new.kfile, index - 1) else None)
        after = new.kfile if new else (old.kfile if _file_exists(old.kfile, index) else None)
        groups.setdefault((before, after), []).append((name, old, new))
    files = {p for pair in groups for p in pair if p}
    files |= {path for path, decls in kbuild.LAYOUTS.items() if any(i == index for i, _ in decls)}
    body = []
    for before, after in sorted(groups, key=lambda pair: (pair[1] or pair[0], pair[0] or "")):
        order = kbuild.file_items(after or before, index if after else index - 1)
        items = sorted(groups[(before, after)],
                       key=lambda c: order.index(c[0]) if c[0] in order else len(order))
        hunks = [line for name, old, new in items for line in _hunks(name, old, new)]
        if before == after:
            hunks += _layout_hunk(after, index)
            files.discard(after)
        if hunks:
            body += [f"--- {'a/' + before if before else '/dev/null'}\n",
                     f"+++ {'b/' + after if after else '/dev/null'}\n"] + hunks
    for path in sorted(files):
        hunk = _layout_hunk(path, index) if _file_exists(path, index - 1) else []
        if hunk:
            body += [f"--- a/{path}\n", f"+++ b/{path}\n"] + hunk
    return "\n".join(head) + "\n" + "".join(body)


def cover():
    """The series like a cover letter: one line per step.

    The course's patches are numbered; a context patch (a mainline commit that
    sits between two of them, so that each diff shows only its own patch) is
    marked "ctx" instead of a number.
    """
    course = [s for s in STEPS if not s.context]
    lines = ["[PATCH 00/%02d] Page migration, 2.6.16 -> 2.6.18, replayed" % (len(course) - 1), ""]
    n = 0
    for s in STEPS:
        number = "ctx" if s.context else f"{n:3d}"
        n += not s.context
        lines.append(f"{number} {s.id:<22} {s.commit[:12]:<12}  {s.release:<22} {s.title}")
    lines += ["", "ctx: a context patch, mainline between two of the course's patches."]
    mid = [s.id for s in STEPS if s.release == RC1_MERGE]
    if mid:
        lines.append(f"{mid[0]} .. {mid[-1]}: mainline in the middle of 2.6.18-rc1's merge "
                     "(June 2006), not the v2.6.18 release.")
    return "\n".join(lines)


def _wrap(text, width=72):
    import textwrap
    return textwrap.wrap(text, width)
