"""The patch series: its steps, and each patch as a readable diff of simulator source.

    migsim.series.steps()            # the Step records, oldest first
    migsim.series.diff("reorg")      # one patch as a mail: header, summary, diff by kernel file
    print(migsim.series.cover())     # the whole series, one line per step
    migsim.series.listing("mm/migrate.c", "swapless-core")   # a kernel file as it reads at a step
    migsim.series.where("remove_migration_ptes", "swapless-core")  # which version, where, until when

What they return is `Text`: a str that shows as text in the REPL and as a
highlighted code block in Jupyter.
"""

import difflib
import inspect
import pathlib
import textwrap
from dataclasses import dataclass

from . import kbuild, machine  # noqa: F401  (machine imports every kernel module: the registry is complete)
from .errors import MigsimError
from .steps import IDS, INDEX, RC1_MERGE, STEPS
from .text import Text


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
    return Text("\n".join(head) + "\n" + "".join(body), "diff")


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
    return Text("\n".join(lines), "diff")


def _wrap(text, width=72):
    return textwrap.wrap(text, width)


# --- reading the kernel at a step -------------------------------------------------

_ROOT = pathlib.Path(__file__).resolve().parent.parent      # the simulator's source tree


def _kfiles():
    return sorted({v.kfile for versions in kbuild.REGISTRY.values() for v in versions})


def _close(word, options):
    near = difflib.get_close_matches(word, options, n=3, cutoff=0.6) if isinstance(word, str) else []
    return f"; did you mean {' or '.join(map(repr, near))}?" if near else ""


def _source(v):
    """(simulator source file, line) of version `v`: the def of a function, the line that registers a value."""
    if v.kind in ("function", "syscall"):
        fn = inspect.unwrap(v.obj)
        lines, first = inspect.getsourcelines(fn)
        decorators = next(i for i, text in enumerate(lines) if text.lstrip().startswith("def "))
        return _relative(pathlib.Path(inspect.getsourcefile(fn)).resolve()), first + decorators
    call = ".const(" if v.kind == "const" else ".remove("
    for path in sorted(_ROOT.joinpath("migsim").rglob("*.py")):
        for n, text in enumerate(path.read_text().splitlines(), 1):
            if call in text and f'"{v.name}"' in text and (f'"{v.since}"' in text or (
                    "since=" not in text and v.since == IDS[0])):
                return _relative(path), n
    return "(unknown)", 0


def _relative(path):
    try:
        return str(path.relative_to(_ROOT))
    except ValueError:
        return str(path)


def _present(name, index):
    """The Version of `name` at step `index`, or a MigsimError saying where in the series it is."""
    versions = kbuild.REGISTRY.get(name) if isinstance(name, str) else None
    if not versions:
        raise MigsimError(f"bad kernel symbol: {name!r} (expected a function or constant of the "
                          f"simulated kernel{_close(name, list(kbuild.REGISTRY))})")
    v = kbuild.active(name, index)
    if v is None:
        steps_in = [i for i in range(len(STEPS)) if kbuild.active(name, i) is not None]
        span = f"from {IDS[steps_in[0]]} to {IDS[steps_in[-1]]}" if steps_in else "at no step"
        raise MigsimError(f"bad kernel symbol: {name!r} is not in the kernel at {IDS[index]} "
                          f"(it is there {span})")
    return v


@dataclass(frozen=True, repr=False)
class Where:
    """Where the version of a kernel symbol in force at a step lives, and how long it stays."""

    name: str
    at: str
    kfile: str
    since: str              # the step its version arrived at
    source: str             # the simulator's Python file that holds it
    line: int
    next_step: str = None   # the step that replaces or removes it (None: it lasts the series)
    next_change: str = ""   # "replaced", "removed", "moved to <file>", "relinked"
    version: object = None

    def __str__(self):
        head = (f"{self.name} at {self.at}: the version since {self.since}, in {self.kfile}; "
                f"source {self.source}:{self.line}")
        if self.next_step is None:
            return head + "; unchanged to the end of the series"
        return head + f"; {self.next_change} at {self.next_step}"

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def where(name, at):
    """Which version of kernel symbol `name` is in force at step `at`, where it is, until when: a Where."""
    index = kbuild.step_index(at)
    v = _present(name, index)
    later = sorted((w for w in kbuild.REGISTRY[name] if w.step > index), key=lambda w: (w.step, w.order))
    nxt, change = (later[0], None) if later else (None, "")
    if nxt is not None:
        if nxt.kind == "removed":
            change = "removed"
        elif nxt.kfile != v.kfile:
            change = f"moved to {nxt.kfile}"
        elif nxt.obj is v.obj:
            change = "relinked (its export or static changes)"
        else:
            change = "replaced"
    source, line = _source(v)
    return Where(name, IDS[index], v.kfile, v.since, source, line,
                 nxt.since if nxt else None, change, v)


def listing(kfile, at):
    """Kernel file `kfile` as it reads at step `at`: each symbol once, in its version in force, in file order.

    Banners ("/* Migration functions */") stand where the file has them; each
    symbol is headed by the step its version arrived at and its simulator source.
    """
    index = kbuild.step_index(at)
    known = _kfiles()
    if kfile not in known:
        raise MigsimError(f"bad kernel file: {kfile!r} (expected one of {', '.join(known)}"
                          f"{_close(kfile, known)})")
    items = kbuild.file_items(kfile, index)
    if not items:
        steps_in = [i for i in range(len(STEPS)) if kbuild.file_items(kfile, i)]
        raise MigsimError(f"bad kernel file: {kfile!r} has nothing at {IDS[index]} "
                          f"(it is in the series from {IDS[steps_in[0]]} to {IDS[steps_in[-1]]})")
    count = sum(1 for n in items if not n.startswith("/*"))
    out = [f"# {kfile} as it reads at {IDS[index]}: {count} symbol{'s' * (count != 1)}, "
           f"each in the version in force", ""]
    for item in items:
        if item.startswith("/*"):
            out += [item, ""]
            continue
        v = kbuild.active(item, index)
        source, line = _source(v)
        out.append(f"# {item}: since {v.since} ({source}:{line})")
        out.append(v.text())
    return Text("\n".join(out).rstrip("\n") + "\n", "python")
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


__all__ = ["Text", "Where", "steps", "step", "ids", "changes", "diff", "cover", "where", "listing", "patch_diff"]
