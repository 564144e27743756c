"""Kernel builds: every version of every kernel symbol, and a build at any step.

A kernel function is registered once per version, with the kernel file it
lives in and the series step it arrived at::

    vmscan = kfile("mm/vmscan.c")

    @vmscan.function(since="v2.6.16")
    def migrate_pages(k, from_, to, moved, failed): ...

A later patch registers a whole new version (possibly in another kernel file,
which is how the reorg's moves are told apart from edits); nothing inside a
function body asks which step is being built. This module is the registry
only: `machine.build(step)` imports every kernel module and collects, for
each name, the newest version at that step into a class whose methods are
those functions: kernel code calls every kernel function as ``k.name(...)``,
so a replaced function takes effect everywhere.

Functions that may sleep are generators; their callers write ``yield from``
(the simulator's ``might_sleep()``): that is where the CPU may change.
"""

import difflib
import inspect
import itertools
import re
import textwrap
import types

from . import steps
from .errors import MigsimError, UnknownStep, bad_value

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

    def function(self, *, since, export=False, syscall=False, static=False):
        """Decorator: register a new version of a kernel function, in force from step `since`."""
        def register(fn):
            kind = "syscall" if syscall else "function"
            REGISTRY.setdefault(fn.__name__, []).append(
                Version(fn.__name__, self.path, since, kind, fn, export, static))
            return fn
        return register

    def relink(self, name, since, export=None, static=None):
        """A patch that changes only how `name` links (its export, its static)."""
        prev = active(name, steps.INDEX[since] - 1)
        if prev is None:
            raise MigsimError(f"{self.path}: relink {name} at {since}: no earlier version is registered "
                              f"(import the module that registers it)")
        REGISTRY[name].append(Version(
            name, self.path, since, prev.kind, prev.obj,
            prev.exported if export is None else export,
            prev.static if static is None else static))

    def const(self, name, value, *, since):
        """Register a new value of a kernel constant (a #define), in force from step `since`."""
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


def step_index(at):
    """The index of step `at`, or UnknownStep with the closest ids ("did you mean") and all of them."""
    if not isinstance(at, str) or at not in steps.INDEX:
        near = difflib.get_close_matches(at, steps.IDS, n=3, cutoff=0.5) if isinstance(at, str) else []
        hint = f"did you mean {' or '.join(map(repr, near))}? " if near else ""
        raise UnknownStep(f"unknown step {at!r}: {hint}expected one of {', '.join(steps.IDS)}")
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


def patch_versions(at, patch):
    """The Versions a patch puts in force at step `at`: {name: Version}, checked.

    `patch` maps kernel symbols in force at `at` to functions that replace
    them; a key written "+name" adds a helper the kernel does not have at
    that step. A replacement takes the kernel first like every kernel
    function, has the registered version's other parameters (names, kinds,
    defaults), and may sleep (be a generator) only where the registered
    version does. Anything else is a MigsimError naming the entry; the
    registry is never touched.
    """
    index = step_index(at)
    if not isinstance(patch, dict):
        raise bad_value("patch", patch, "a dict {kernel function name: function}")
    found = symbols(index)
    out = {}
    for key, fn in patch.items():
        added = isinstance(key, str) and key.startswith("+")
        name = key[1:] if added else key
        if not isinstance(name, str) or not name.isidentifier():
            raise bad_value("patch key", key, 'a kernel function name (or "+name" for a new helper)')
        if not isinstance(fn, types.FunctionType):
            raise _bad(key, fn, "a Python function (def or lambda) taking the kernel first")
        old = found.get(name)
        if added:
            if old is not None:
                raise bad_value("patch key", key, f"a name the kernel lacks at {at} ({name} is a kernel "
                                                  f"{old.kind} there: patch it as {name!r})")
            _check_params(key, fn, None)
            elsewhere = [v.kfile for v in REGISTRY.get(name, ())]   # a helper a later step adds
            out[name] = Version(name, elsewhere[-1] if elsewhere else "patch", at, "function", fn)
            continue
        if old is None:
            near = difflib.get_close_matches(name, found, n=3)
            hint = f"did you mean {', '.join(near)}? " if near else ""
            raise bad_value("patch key", key, f"a kernel function at {at}; {hint}"
                                              f'a new helper is written "+{name}"')
        if old.kind not in ("function", "syscall"):
            raise bad_value("patch key", key, f"a kernel function ({name} is a {old.kind} at {at})")
        _check_params(key, fn, old.obj)
        if inspect.isgeneratorfunction(fn) and not inspect.isgeneratorfunction(old.obj):
            raise _bad(key, fn, f"a plain function: {name} does not sleep at {at}, "
                                f"its callers call it without yield from")
        out[name] = Version(name, old.kfile, at, old.kind, fn, old.exported, old.static)
    return out


def _check_params(key, fn, registered):
    """MigsimError unless `fn` takes the kernel first and then `registered`'s parameters."""
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].kind not in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        raise _bad(key, fn, "a function whose first parameter is the kernel (k)")
    if registered is None:
        return
    want = list(inspect.signature(registered).parameters.values())
    shape = [(p.name, p.kind, p.default) for p in params[1:]]
    if shape != [(p.name, p.kind, p.default) for p in want[1:]]:
        raise _bad(key, fn, f"the parameters of {registered.__name__}{inspect.signature(registered)}")


def _bad(key, fn, expected):
    """A MigsimError for patch entry `key`, naming the function without its address."""
    if isinstance(fn, types.FunctionType):
        what = f"function {fn.__qualname__}{inspect.signature(fn)}"
    else:
        what = repr(fn) if len(repr(fn)) <= 60 else repr(fn)[:57] + "..."
    return MigsimError(f"bad patch[{key!r}]: {what} (expected {expected})")


_CALL = re.compile(r"\bk\.([A-Za-z_][A-Za-z0-9_]*)\(")
