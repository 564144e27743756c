"""The simulated machine: `Kernel`, built at a step of the series.

``migsim.Kernel(at=...)`` returns an instance of the class that
`build` made for that step: the kernel functions of that step are its
methods, and this base class adds the machine's state and the public face
(spawn, create_file, syscalls, pte/page views, check, dump, tasks).
"""

import functools
import importlib
import inspect
import pkgutil
import random
import string
import sys
import types

from . import kbuild, steps, uapi
from .check import check
from .errors import Deadlock, KernelBug, MigsimError, TaskError, bad_value, check_bool, check_int
from .fs.ext2 import EXT2
from .fs.listfs import LISTFS
from .include.asm_i386 import pgtable as pg
from .include.linux.fs import AddressSpace, Inode
from .include.linux.mmzone import Zone
from .include.linux.pgtable_walk import get_pte
from .include.linux.sched import CAP_SYS_ADMIN, CAP_SYS_NICE, MM
from .include.linux.spinlock import SpinLock
from .include.linux.swap import SwapInfoArray
from .mm.swap_state import swap_aops
from .process import Process
from .sched import Task, parse, ready, replay
from .views import PteView, dump, page_behind


def _kernel_modules():
    """Every module of the kernel tree (mm/, kernel/, fs/, include/), found on disk."""
    found = []
    for package in (importlib.import_module(f"{__package__}.{sub}") for sub in ("fs", "include", "kernel", "mm")):
        found += [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
                  if not m.ispkg]
    return tuple(sorted(found))


# Importing a kernel module registers its functions: after this, the registry is complete.
KERNEL_MODULES = _kernel_modules()
for _name in KERNEL_MODULES:
    importlib.import_module(_name)

MAX_NODES = 8
_RAISE = object()          # page(): no default given, so a missing page is an error


def syscall_entry(fn):
    """Wrap a kernel syscall so that ``k.sys_x(...)`` checks its arguments and runs it as root."""
    def entry(k, *args, **kwargs):
        args, kwargs = uapi.convert(k, fn.__name__, args, kwargs)
        return k._run(fn(k, *args, **kwargs), k.init)

    def make_gen(k, *args, **kwargs):
        args, kwargs = uapi.convert(k, fn.__name__, args, kwargs)
        return fn(k, *args, **kwargs), k.init

    entry.__name__ = entry.__qualname__ = fn.__name__
    entry.__doc__ = fn.__doc__
    entry.make_gen = make_gen
    entry.kernel_function = fn
    return entry


class KernelClass(type):
    """The type of Kernel classes: a cached build (`build`) refuses assignment to its attributes.

    `build(at)` is shared by every kernel made at `at` (the chapters' demos,
    the graders, the stepper): a function assigned to it would change them
    all. Subclass it, or pass ``patch=``, to change a function.
    """

    def __setattr__(cls, name, value):
        cls._refuse(name)
        super().__setattr__(name, value)

    def __delattr__(cls, name):
        cls._refuse(name)
        super().__delattr__(name)

    def _refuse(cls, name):
        if cls.__dict__.get("_CACHED"):
            raise MigsimError(f"cannot change {name!r} of {cls.__name__}, the cached build of step {cls.STEP.id}: "
                              f"it is shared by every kernel at that step (build a patched kernel with "
                              f"migsim.Kernel(at=..., patch={{{name!r}: ...}}) instead)")


class Kernel(metaclass=KernelClass):
    """A small NUMA machine running the kernel at one step of the series.

    ``Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)``;
    ``Kernel(at=..., patch={"copy_one_pte": mine, "+helper": h})`` puts other
    functions in place of the registered ones (`build_patched`).
    """

    STEP = None
    EXPORTS = frozenset()
    SYMBOLS = {}
    UNDEFINED = ()         # (kfile, function, missing symbol) for each call the build cannot link

    PATCHED = ()

    def __new__(cls, at=steps.LAST, *args, patch=None, **kwargs):
        if cls is Kernel:
            kbuild.step_index(at)             # UnknownStep for any bad id, even an unhashable one
            cls = build(at) if patch is None else build_patched(at, patch)
        elif patch is not None:
            raise bad_value("patch", patch, "None when building from a kernel class (use migsim.Kernel)")
        return object.__new__(cls)

    def __init__(self, at=steps.LAST, nodes=2, frames_per_node=32, seed=2006, patch=None):
        kbuild.step_index(at)
        check_int("nodes", nodes, 1, MAX_NODES)
        check_int("frames_per_node", frames_per_node, 1, 1 << 20)
        check_int("seed", seed)
        self.at, self.seed = at, seed
        self.rng = random.Random(seed)
        # Node n's frames start at pfn (n+1) * span, so a pfn shows its node: 0x1xxx, 0x2xxx ...
        self.node_span = max(0x1000, -(-frames_per_node // 0x1000) * 0x1000)
        self.nodes = [Zone(self, nid, (nid + 1) * self.node_span, frames_per_node) for nid in range(nodes)]
        self.swapper_space = AddressSpace(None, swap_aops, "swapper_space")
        self.swap_info = SwapInfoArray(self, self.MAX_SWAPFILES)
        self.corruption = []                 # kernel memory written where it must not be
        self.swap_lock = SpinLock("swap_lock")
        self.nr_swapfiles = 0
        self.nr_swap_pages = 0
        self.total_swap_pages = 0
        self.least_priority = 0
        self.files = {}
        self.dmesg = []
        self._ids = {}
        self.tasks_by_pid = {}
        self.mms = []
        self.modules = {}
        self.tasks = []
        self.schedule = ""
        self.running = None
        self.init = Process(self, 1, "init", uid=0, node=0, caps=(CAP_SYS_ADMIN, CAP_SYS_NICE))
        self.current = self.init
        self.next_pid = 100

    # --- helpers for kernel code --------------------------------------------

    def pfn_to_page(self, pfn):
        """The struct page of frame `pfn` (a kernel bug if there is none)."""
        try:                                    # kernel code calls this often: no check on the good path
            nid, idx = divmod(pfn, self.node_span)
        except TypeError:
            raise bad_value("pfn", pfn, "an int (a frame number)") from None
        if not 1 <= nid <= len(self.nodes) or idx >= self.nodes[nid - 1].nr_frames:
            raise KernelBug(f"bad pfn 0x{pfn:x}", "include/asm-i386/page.h")
        return self.nodes[nid - 1].pages[idx]

    @property
    def mem_map(self):
        """Every struct page, node by node."""
        return [page for zone in self.nodes for page in zone.pages]

    def who(self):
        """Who takes a lock: the running task's label, or the current process."""
        return self.running.label if self.running is not None else self.current.comm

    def printk(self, line):
        self.dmesg.append(line)

    def new_id(self, kind):
        self._ids[kind] = self._ids.get(kind, 0) + 1
        return self._ids[kind]

    def find_task_by_pid(self, pid):
        return self.tasks_by_pid.get(pid)

    # --- running kernel paths -------------------------------------------------

    def syscall(self, name, *args):
        """System call `name` as a kernel path (a generator), its arguments checked first.

        For a process that issues the call itself (`Process.mbind`): it runs
        the path as the current task, so the call has that process's rights.
        ``k.sys_x(...)`` runs the same path at once, as root.
        """
        if not isinstance(name, str) or name not in uapi.ARGUMENTS or name not in self.SYMBOLS:
            calls = sorted(n for n in uapi.ARGUMENTS if n in self.SYMBOLS)
            raise bad_value("system call", name, f"one of {', '.join(calls)} (at {self.at})")
        gen, _root = getattr(self, name).make_gen(self, *args)
        return gen

    def _run(self, gen, current):
        """Run a kernel path to completion as `current`; other tasks run only if it must wait."""
        saved = self.current, self.running
        self.current, self.running = current, None
        try:
            while True:
                try:
                    point = gen.send(None)
                except StopIteration as stop:
                    return stop.value
                while point.blocked:
                    self._let_others_run(point)
        finally:
            self.current, self.running = saved

    def _let_others_run(self, point):
        """A direct call waits: step the other tasks (in start order) until it can go on."""
        can = ready(self)
        if not can:
            raise Deadlock(f"deadlock: {self.current.comm} waits in {point.name} on {point.what} "
                           f"and no task can run to release it")
        saved = self.current, self.running
        try:
            can[0].step()
        finally:
            self.current, self.running = saved

    def start(self, fn, *args, label=None, **kwargs):
        """Start `fn(*args)` as a task on its own CPU; step it with `task.step()`.

        `fn` is a system call of the kernel (``k.sys_migrate_pages``), a
        process's call (``p.fork``, ``p.write``) or any kernel function that may
        sleep (``k.try_to_free_pages``).
        """
        func = getattr(fn, "__func__", None)
        owner = getattr(fn, "__self__", None)
        if func is None or owner is None or (owner is not self and getattr(owner, "k", None) is not self):
            raise bad_value("function to start", fn, "a method of this kernel or of one of its processes")
        # Every check comes before the generator is made: making one may already
        # change the machine (a fork takes its child's pid then).
        current = self.init if owner is self else owner
        busy = [t for t in self.tasks if not t.done and t.current is current and current is not self.init]
        if busy:
            raise TaskError(f"process {current.pid} ({current.comm}) already runs task {busy[0].label}: "
                            f"one task per process (finish it first)")
        label = self._pick_label(label, func.__name__)
        if hasattr(func, "make_gen"):
            gen, current = func.make_gen(owner, *args, **kwargs)
        elif func.__name__ in self.SYMBOLS and self.SYMBOLS[func.__name__].kind == "function":
            if not inspect.isgeneratorfunction(func):
                raise bad_value("function to start", func.__name__, "a kernel function that may sleep (a generator)")
            gen, current = fn(*args, **kwargs), self.init
        else:
            raise bad_value("function to start", fn, "a syscall, a process call or a kernel function")
        name = f"{func.__name__}({', '.join(map(_short, args))})"
        if current is not self.init:
            name = f"{current.comm}.{name}"
        task = Task(self, gen, label, current, name)
        task.call = (func.__name__, args, kwargs)      # for views that write the call their own way
        self.tasks.append(task)
        return task

    def _pick_label(self, label, name):
        """The label of a new task: `label`, or the first free letter (its name's first, then A-Z, a-z).

        A label is in use only while its task runs: a finished task keeps its
        label (``k.task(label)`` still finds it until the label is taken
        again), so a machine can run any number of tasks in its life.
        """
        used = {t.label for t in self.tasks if not t.done}
        if label is not None:
            if not isinstance(label, str) or len(label) != 1 or not label.isalpha() or not label.isascii():
                raise bad_value("label", label, "one letter (a count after a label means repeats: 'M3F2')")
            if label in used:
                raise bad_value("label", label, f"a label not in use by a running task (in use: "
                                                f"{''.join(sorted(used))})")
            return label
        base = name.removeprefix("sys_").removeprefix("do_")[:1].upper()
        for c in base + string.ascii_uppercase + string.ascii_lowercase:
            if c not in used:
                return c
        raise MigsimError(f"no free task label left: {len(used)} tasks are running (a label per running task, "
                          f"A-Z and a-z; finish one first)")

    def task(self, label):
        """The task with `label` (the latest to take it, when a finished task's label was taken again)."""
        for t in reversed(self.tasks):
            if t.label == label:
                return t
        raise bad_value("task label", label, f"one of {self.labels() or '(no tasks started)'}")

    def labels(self):
        return "".join(dict.fromkeys(t.label for t in self.tasks))   # each once, in start order

    def unfinished_labels(self):
        return "".join(t.label for t in self.tasks if not t.done)

    def runnable_labels(self):
        return "".join(t.label for t in ready(self))

    def replay(self, schedule):
        """Step tasks by a schedule: one scheduling point per letter ("MMFM...", or "M2FM" for short),
        or by points ("F:anon_vma_link M F", see `sched.parse`).

        A schedule that names a task that cannot run raises TaskError
        (`sched.DoesNotApply`) saying where it stopped.
        """
        labels = [move.label for move in parse(schedule)]
        for c in labels:                      # every label must name a live task before any step
            if self.task(c).done:
                raise TaskError(f"bad schedule: {schedule!r}: task {c} has finished ({self.task(c).state}); "
                                f"expected labels of unfinished tasks: {self.unfinished_labels() or 'none'}")
        replay(self, schedule)

    def run_tasks(self):
        """Step the runnable tasks round-robin (start order) until none can run."""
        while True:
            can = ready(self)
            if not can:
                return
            for t in can:
                if not t.done and not t.blocked:
                    t.step()

    # --- the public face ------------------------------------------------------

    def spawn(self, comm, node=0, uid=1000):
        """A new process called `comm` with an empty address space, on `node`."""
        uapi.check_comm(comm)
        check_int("node", node, 0, len(self.nodes) - 1)
        check_int("uid", uid, 0, 65535)
        caps = (CAP_SYS_ADMIN, CAP_SYS_NICE) if uid == 0 else ()
        p = Process(self, self._new_pid(), comm, uid, node, caps)
        p.mm = MM(p)
        self.tasks_by_pid[p.pid] = p
        return p

    def _new_pid(self):
        pid = self.next_pid
        self.next_pid += 1
        return pid

    def create_file(self, name, npages, fs="ext2"):
        """A file of `npages` pages on filesystem `fs` ("ext2" or "listfs"); each page starts with a label."""
        fstypes = {"ext2": EXT2, "listfs": LISTFS}
        if not isinstance(name, str) or not name or name in self.files:
            raise bad_value("file name", name, f"a new, non-empty name (existing: {sorted(self.files) or 'none'})")
        check_int("npages", npages, 1, 1 << 16)
        if not isinstance(fs, str) or fs not in fstypes:
            raise bad_value("fs", fs, f"one of {sorted(fstypes)}")
        inode = Inode(self.new_id("ino"), name, fstypes[fs], npages)
        for i in range(npages):
            content = f"{name}:{i}\n".encode().ljust(pg.PAGE_SIZE, b"\0")
            inode.disk[i] = inode.shadow[i] = content
        self.files[name] = inode
        return inode

    def reclaim(self, nr_pages=32):
        """Run page reclaim (try_to_free_pages) for up to `nr_pages` frames; return how many were freed."""
        check_int("nr_pages", nr_pages, 1, None)
        return self._run(self.try_to_free_pages(nr_pages), self.init)

    def process(self, pid):
        """The live process with `pid`."""
        p = self.tasks_by_pid.get(pid) if isinstance(pid, int) else None
        if p is None:
            raise bad_value("pid", pid, f"a live pid, one of {sorted(self.tasks_by_pid) or 'none'}")
        return p

    def pte(self, p, addr):
        """The decoded pte that maps `addr` in process `p`."""
        self._check_proc_addr(p, addr)
        return PteView(get_pte(p.mm, addr & pg.PAGE_MASK), self)

    def page(self, p, addr, default=_RAISE):
        """The struct page mapped at `addr` in `p`.

        Where no page is mapped (no vma covers `addr`, or its pte is not
        present) this is a MigsimError saying why, unless a `default` is
        given: then that is returned (``k.page(p, a, default=None)``).
        """
        self._check_proc_addr(p, addr)
        value = get_pte(p.mm, addr & pg.PAGE_MASK)
        page = page_behind(self, value)
        if page is not None:
            return page
        if default is not _RAISE:
            return default
        raise MigsimError(self._no_page(p, addr, value))

    def _no_page(self, p, addr, value):
        """Why no page is mapped at `addr` in `p`, and what was expected."""
        instead = "; k.page(p, addr, default=None) returns None instead"
        if not any(vma.vm_start <= addr < vma.vm_end for vma in p.mm.mmap):
            maps = ", ".join(vma.describe() for vma in p.mm.mmap) or "none"
            return (f"bad address: 0x{addr:08x} is not mapped in process {p.pid} ({p.comm}) "
                    f"(expected an address in one of its mappings: {maps}{instead})")
        return (f"no page at 0x{addr:08x} in process {p.pid} ({p.comm}): its pte is {PteView(value, self)} "
                f"(expected a present pte; k.pte(p, addr) decodes it{instead})")

    def _check_proc_addr(self, p, addr):
        if not isinstance(p, Process) or p.k is not self:
            raise bad_value("process", p, "a process of this kernel")
        if p.mm is None:
            raise bad_value("process", p, "a live process (it has exited)")
        check_int("address", addr, 0, pg.TASK_SIZE - 1)

    def check(self, cow=False):
        """Raise BadPageState (a KernelBug) if any invariant of the machine is broken.

        `cow=True` adds copy-on-write exclusivity (a private page mapped
        writable is mapped once).
        """
        check(self, cow=check_bool("cow", cow))

    def dump(self):
        """The whole machine as deterministic text."""
        return dump(self)

    def __repr__(self):
        live = len([p for p in self.tasks_by_pid.values()])
        free = sum(z.nr_free for z in self.nodes)
        return (f"<Kernel at {self.at}: {len(self.nodes)} nodes x {self.nodes[0].nr_frames} frames, "
                f"{free} free, {live} processes, {self.nr_swapfiles} swap areas>")


def _short(v):
    s = repr(sorted(v)) if isinstance(v, (set, frozenset)) else repr(v)
    return s if len(s) <= 20 else s[:17] + "..."


# --- building the Kernel class of a step ----------------------------------------

def _undefined_references(syms, versions):
    """((kfile, fn, name), ...) for each call in `versions` to a symbol that `syms` lacks."""
    out = []
    for v in versions:
        if v.kind not in ("function", "syscall"):
            continue
        try:
            text = v.text()
        except (OSError, TypeError):            # a patched function typed where no source is kept
            continue
        out += [(v.kfile, v.name, called) for called in set(kbuild._CALL.findall(text))
                if called not in syms and not hasattr(Kernel, called)]
    return out


def _warning(kfile, fn, name):
    return f"{kfile}: {fn}: undefined reference to `{name}'"


def _undefined(name, warning):
    """What a call to a missing symbol does in a tree that would not have linked: oops."""
    def undefined(k, *args, **kwargs):
        raise KernelBug(f"{warning} (this tree does not link; the simulator built it anyway)")
    undefined.__name__ = name
    return undefined


def _methods(syms, undefined):
    """The class namespace for `syms`: each function as a method, syscalls behind their entry.

    `undefined` are the calls to symbols the build lacks: each becomes a
    build warning and a method that oopses.
    """
    ns = {name: syscall_entry(v.obj) if v.kind == "syscall" else v.obj for name, v in syms.items()}
    ns["SYMBOLS"] = syms
    ns["UNDEFINED"] = tuple(sorted(set(undefined)))
    ns["BUILD_WARNINGS"] = tuple(_warning(*ref) for ref in ns["UNDEFINED"])
    for ref in ns["UNDEFINED"]:
        ns.setdefault(ref[2], _undefined(ref[2], _warning(*ref)))
    return ns


@functools.cache
def build(at):
    """The Kernel class at step `at`: kernel functions become its methods."""
    index = kbuild.step_index(at)
    syms = kbuild.symbols(index)
    ns = _methods(syms, _undefined_references(syms, syms.values()))
    ns["STEP"] = steps.STEPS[index]
    ns["EXPORTS"] = frozenset(name for name, v in syms.items() if v.exported)
    ns["SYMBOLS"] = types.MappingProxyType(syms)
    ns["_CACHED"] = True
    return type(f"Kernel_{at.replace('.', '_').replace('-', '_')}", (Kernel,), ns)


def build_patched(at, patch):
    """A Kernel class at step `at` with `patch`'s functions in place (see kbuild.patch_versions).

    A subclass of the cached build: the registry and `build(at)` are not
    touched, and each call makes a class of its own. Each function is
    installed as a copy named for the symbol it stands for (so that tasks
    and stacks name it like the registered one); a plain function in place
    of one that sleeps becomes a generator with no scheduling point.
    """
    base = build(at)
    patched = kbuild.patch_versions(at, patch)
    for name, v in patched.items():
        fn = _renamed(v.obj, name)
        if v.kind in ("function", "syscall") and name in base.SYMBOLS \
                and inspect.isgeneratorfunction(base.SYMBOLS[name].obj) and not inspect.isgeneratorfunction(fn):
            fn = _never_sleeps(fn)
        patched[name] = kbuild.Version(name, v.kfile, at, v.kind, fn, v.exported, v.static)
    clash = sorted(n for n in patched if n not in base.SYMBOLS and hasattr(Kernel, n))
    if clash:
        raise bad_value("patch key", "+" + clash[0], "a name the Kernel class does not already use")
    syms = {**base.SYMBOLS, **patched}
    undefined = [ref for ref in base.UNDEFINED if ref[1] not in patched and ref[2] not in patched]
    ns = _methods(patched, undefined + _undefined_references(syms, patched.values()))
    ns["SYMBOLS"] = syms
    ns["PATCHED"] = tuple(sorted(patched))
    return type(base.__name__ + "_patched", (base,), ns)


def _renamed(fn, name):
    """A copy of function `fn` called `name` (its code too), leaving `fn` as it was."""
    copy = types.FunctionType(_code_named(fn.__code__, name), fn.__globals__, name, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__, copy.__doc__, copy.__module__ = fn.__kwdefaults__, fn.__doc__, fn.__module__
    copy.__dict__.update(fn.__dict__)
    copy.__wrapped__ = fn                       # inspect.getsource reads the patch's own text
    return copy


def _code_named(code, name):
    """`code` renamed `name`; its qualified name too where the interpreter has one (Python 3.11 on)."""
    if sys.version_info >= (3, 11):
        return code.replace(co_name=name, co_qualname=name)
    return code.replace(co_name=name)


def _never_sleeps(fn):
    """`fn` as a generator that runs it at once (callers enter it with yield from)."""
    @functools.wraps(fn)
    def entered(k, *args, **kwargs):
        return fn(k, *args, **kwargs)
        yield                                   # unreachable: makes this a generator
    entered.__code__ = _code_named(entered.__code__, fn.__name__)
    return entered
