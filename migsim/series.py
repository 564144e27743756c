"""The patch series: its steps, and each patch as a readable diff of simulator source.

    migsim.series.steps()            # the Step records, oldest first
    migsim.series.diff("reorg")      # one patch as a mail: header, summary, diff by kernel file
    print(migsim.series.cover())     # the whole series, one line per step
"""

import difflib
import textwrap

from . import kbuild, machine  # noqa: F401  (machine imports every kernel module: the registry is complete)
from .errors import MigsimError
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
    """[(name, old Version | None, new Version | None)] for what step `id_` changes."""
    index = kbuild.step_index(id_)
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
    """The series like a cover letter: one line per step."""
    lines = ["[PATCH 00/%02d] Page migration, 2.6.16 -> 2.6.18, replayed" % (len(STEPS) - 1), ""]
    for i, s in enumerate(STEPS):
        lines.append(f"{i:2d} {s.id:<22} {s.commit[:12]}  {s.release:<7} {s.title}")
    return "\n".join(lines)


def _wrap(text, width=72):
    return textwrap.wrap(text, width)


def patch_diff(at, patch):
    """`patch` (as for ``Kernel(at=..., patch=...)``) as a diff against the registered versions at `at`.

    One ``--- a/`` / ``+++ b/`` pair per kernel file, a hunk per function; a
    helper added with "+name" shows as new lines under ``b/(patch)``.
    """
    index = kbuild.step_index(at)
    files = {}
    for name, new in sorted(kbuild.patch_versions(at, patch).items()):
        old = kbuild.active(name, index)
        try:
            hunks = _hunks(name, old, new)
        except (OSError, TypeError):
            raise MigsimError(f"bad patch[{name!r}]: its source is not available (expected a function "
                              f"defined in a file or a notebook cell)") from None
        head = (f"--- a/{old.kfile} ({at})\n" if old else "--- /dev/null\n", f"+++ b/{new.kfile} (patched)\n")
        files.setdefault(head, []).extend(hunks)
    return "".join(line for head in sorted(files, key=lambda h: h[1]) if files[head]
                   for line in (*head, *files[head]))
