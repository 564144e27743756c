"""Kernel builds: every version of every kernel symbol, and a build at any step.

A kernel function is registered once per version, with the kernel file it
lives in and the series step it arrived at::

    vmscan = kfile("mm/vmscan.c")

    @vmscan.function(since="v2.6.16")
    def migrate_pages(k, from_, to, moved, failed): ...

A later patch registers a whole new version (possibly in another kernel file,
which is how the reorg's moves are told apart from edits); nothing inside a
function body asks which step is being built. `build(step)` collects, for
each name, the newest version at that step into a class whose methods are
those functions: kernel code calls every kernel function as ``k.name(...)``,
so a replaced function takes effect everywhere.

Functions that may sleep are generators; their callers write ``yield from``
(the simulator's ``might_sleep()``): that is where the CPU may change.
"""

import functools
import importlib
import inspect
import itertools
import re
import textwrap

from . import steps
from .errors import UnknownStep

# Every module that holds kernel code, in the order the build imports them.
KERNEL_MODULES = (
    "migsim.include.linux.swap", "migsim.mm.page_alloc", "migsim.mm.swap",
    "migsim.mm.filemap", "migsim.mm.page_writeback", "migsim.mm.page_io",
    "migsim.mm.memory", "migsim.mm.rmap", "migsim.mm.mmap",
    "migsim.mm.mprotect", "migsim.mm.swap_state", "migsim.mm.swapfile",
    "migsim.mm.vmscan", "migsim.mm.mempolicy", "migsim.kernel.fork",
    "migsim.kernel.exit", "migsim.fs.buffer", "migsim.fs.ext2",
    "migsim.fs.listfs", "migsim.mm.migrate", "migsim.kernel.module",
)

_order = itertools.count()
REGISTRY = {}  # name -> [Version, ...] in registration order
LAYOUTS = {}   # kernel file -> [(step index, [names and banners in file order]), ...]


class Version:
    """One version of a kernel symbol: where it lives, since when, how it links."""

    __slots__ = ("name", "kfile", "since", "kind", "obj", "exported", "static", "order")

    def __init__(self, name, kfile, since, kind, obj, exported=False, static=False):
        if since not in steps.INDEX:
            raise UnknownStep(f"unknown step {since!r} for {name} (known: {', '.join(steps.IDS)})")
        self.name, self.kfile, self.since, self.kind = name, kfile, since, kind
        self.obj, self.exported, self.static = obj, exported, static
        self.order = next(_order)

    @property
    def step(self):
        return steps.INDEX[self.since]

    def text(self):
        """The version as it reads in a diff: linkage, source, export line.

        The registration decorator is left out (it only says since when);
        `@static` stands for C's file-local linkage.
        """
        if self.kind == "removed":
            return ""
        if self.kind == "const":
            body = f"{self.name} = {self.obj!r}\n"
        else:
            lines = textwrap.dedent(inspect.getsource(self.obj)).splitlines(keepends=True)
            while lines and lines[0].lstrip().startswith("@"):
                lines.pop(0)
            body = "".join(lines)
        if self.static:
            body = "@static\n" + body
        if self.exported:
            body += f"EXPORT_SYMBOL({self.name})\n"
        return body + "\n"

    def __repr__(self):
        return f"<{self.kind} {self.name} in {self.kfile} since {self.since}>"


class KFile:
    """Registers the symbols of one kernel source file."""

    def __init__(self, path):
        self.path = path

    def function(self, since=steps.IDS[0], export=False, syscall=False, static=False):
        """Decorator: register a new version of a kernel function."""
        def register(fn):
            kind = "syscall" if syscall else "function"
            REGISTRY.setdefault(fn.__name__, []).append(
                Version(fn.__name__, self.path, since, kind, fn, export, static))
            return fn
        return register

    def relink(self, name, since, export=None, static=None):
        """A patch that changes only how `name` links (its export, its static)."""
        prev = active(name, steps.INDEX[since] - 1)
        REGISTRY[name].append(Version(
            name, self.path, since, prev.kind, prev.obj,
            prev.exported if export is None else export,
            prev.static if static is None else static))

    def const(self, name, value, since=steps.IDS[0]):
        """Register a new value of a kernel constant (a #define)."""
        REGISTRY.setdefault(name, []).append(Version(name, self.path, since, "const", value))
        return value

    def remove(self, name, at):
        """Record that a patch deletes `name` from this file."""
        REGISTRY.setdefault(name, []).append(Version(name, self.path, at, "removed", None))

    def layout(self, since, order):
        """Declare the order of the file's items from step `since` on ("/* ... */" = a banner)."""
        LAYOUTS.setdefault(self.path, []).append((steps.INDEX[since], list(order)))


def kfile(path):
    """The registrar for kernel source file `path` (e.g. "mm/vmscan.c")."""
    return KFile(path)


def load_all():
    """Import every kernel module so that the registry is complete."""
    for name in KERNEL_MODULES:
        importlib.import_module(name)


def step_index(at):
    """The index of step `at`, or UnknownStep naming the valid ids."""
    if not isinstance(at, str) or at not in steps.INDEX:
        raise UnknownStep(f"unknown step {at!r}: expected one of {', '.join(steps.IDS)}")
    return steps.INDEX[at]


def active(name, index):
    """The version of `name` in force at step `index` (None if absent)."""
    current = None
    for v in REGISTRY.get(name, ()):
        if v.step <= index and (current is None or v.step >= current.step):
            current = v
    return None if current is None or current.kind == "removed" else current


def symbols(index):
    """{name: Version} for every symbol present at step `index`."""
    found = {}
    for name in REGISTRY:
        v = active(name, index)
        if v is not None:
            found[name] = v
    return found


def file_items(path, index):
    """The items of kernel file `path` at step `index`, in file order.

    Names first in the order of the file's newest layout declaration, then
    the rest in registration order; banners ("/* ... */") are kept as text.
    """
    def first_seen(v):                        # a new version keeps its name's place in the file
        return min(w.order for w in REGISTRY[v.name] if w.kfile == path)

    present = sorted((v for v in symbols(index).values() if v.kfile == path), key=first_seen)
    names = [v.name for v in present]
    layout = None
    for step, order in LAYOUTS.get(path, ()):
        if step <= index:
            layout = order
    if layout is None:
        return names
    placed = [n for n in layout if n.startswith("/*") or n in names]
    return placed + [n for n in names if n not in placed]


_CALL = re.compile(r"\bk\.([A-Za-z_][A-Za-z0-9_]*)\(")


def _undefined_references(ns, base):
    """'file: fn: undefined reference to `name'' for each call to a symbol this build lacks."""
    out = []
    for v in sorted(ns["SYMBOLS"].values(), key=lambda v: (v.kfile, v.name)):
        if v.kind not in ("function", "syscall"):
            continue
        for called in sorted(set(_CALL.findall(v.text()))):
            if called not in ns and not hasattr(base, called):
                out.append(f"{v.kfile}: {v.name}: undefined reference to `{called}'")
    return out


def _undefined(name, warning):
    """What a call to a missing symbol does in a tree that would not have linked: oops."""
    def undefined(k, *args, **kwargs):
        from .errors import KernelBug
        raise KernelBug(f"{warning} (this tree does not link; the simulator built it anyway)")
    undefined.__name__ = name
    return undefined


@functools.cache
def build(at):
    """The Kernel class at step `at`: kernel functions become its methods."""
    from .machine import Kernel, syscall_entry  # the base class and syscall wrapper

    load_all()
    index = step_index(at)
    ns = {"STEP": steps.STEPS[index], "EXPORTS": frozenset()}
    exports = set()
    for name, v in symbols(index).items():
        if v.kind == "syscall":
            ns[name] = syscall_entry(v.obj)
        else:
            ns[name] = v.obj
        if v.exported:
            exports.add(name)
    ns["EXPORTS"] = frozenset(exports)
    ns["SYMBOLS"] = symbols(index)
    ns["BUILD_WARNINGS"] = tuple(_undefined_references(ns, Kernel))
    for warning in ns["BUILD_WARNINGS"]:
        name = warning.rsplit("`", 1)[1].rstrip("'")
        ns.setdefault(name, _undefined(name, warning))
    return type(f"Kernel_{at.replace('.', '_').replace('-', '_')}", (Kernel,), ns)
