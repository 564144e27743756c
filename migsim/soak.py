"""A seeded random-workload soak of the machine, through its public face only.

    python -m migsim.soak --at v2.6.18 --n 1000 --seed 1
    python -m migsim.soak --replay soak-v2.6.16-1-37.json

Each workload boots a small two-node machine (ext2 and listfs files, maybe
swap) and runs a list of operations on it: spawn, mmap (anonymous, private
and shared file maps), write, read, fork, exit, munmap, mprotect, mbind
(MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT), sys_migrate_pages (as root
and as a user), sys_move_pages (from the step that has it), reclaim and
swapon; and groups of these started as tasks on several CPUs (``k.start``),
stepped one scheduling point at a time by a seeded choice. ``k.check()``
runs after every operation and every step.

Every read is compared with the soak's own model of what each process must
see, kept apart from the simulator (its shadows included): a fresh anonymous
page reads as zeroes, a private page as its process last wrote it (copied at
fork, then copy-on-write), a shared file page as anyone last wrote it, an
unwritten private file page as the file.

An operation is a short list of small numbers, read modulo what exists when
it runs (the third process, the second region ...), so that every sub-list
of a workload is a workload too: a failing one is minimized by delta
debugging over its operations, and saved as a JSON reproducer that
``--replay`` runs. Outcomes: a *violation* (a KernelBug: a broken
invariant, an oops, a deadlock; or a system call answering outside its
contract), a *wrong read*, a *crash* (any other exception: the simulator or
the soak is wrong). Running out of memory ends a workload early and is none
of these.
"""

import argparse
import json
import random
import re
import sys
import time
from dataclasses import dataclass, replace
from errno import EACCES, EAGAIN, EBUSY, EFAULT, EINVAL, EIO, ENODEV, ENOENT, ENOMEM, EPERM, ESRCH

from . import steps
from .errors import Deadlock, KernelBug, OutOfMemory, SegmentationFault, bad_value, check_int
from .kbuild import step_index
from .machine import Kernel
from .include.asm_i386.pgtable import PAGE_SIZE, ZERO_PAGE
from .include.linux.mempolicy import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT

FILES = (("e0", 4, "ext2"), ("l0", 4, "listfs"), ("e1", 2, "ext2"), ("l1", 2, "listfs"))
MAX_PROCS = 6
MAX_SWAP_AREAS = 3
FRAMES = 32
PROTS = ("rw", "rw", "r", "")
NODESETS = ([0], [1], [0, 1])
MBIND_FLAGS = (MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT | MPOL_MF_MOVE, MPOL_MF_STRICT)
MODES = ("bind", "interleave", "preferred")
KINDS = ("violation", "wrong read", "crash")
OPS = ("spawn", "mmap", "fill", "write", "read", "fork", "exit", "munmap", "mprotect", "mbind", "migrate",
       "move_pages", "reclaim", "swapon", "tasks")


class Wrong(Exception):
    """The machine answered outside the contract: `kind` is "violation" or "wrong read"."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind


@dataclass
class Region:
    """A mapped range as the soak's model sees it (apart from the kernel's vmas)."""

    start: int
    end: int
    file: str           # a file name, or None (anonymous)
    pgoff: int
    shared: bool
    prot: str

    def index(self, addr):
        return self.pgoff + (addr - self.start) // PAGE_SIZE

    def npages(self):
        return (self.end - self.start) // PAGE_SIZE


class Proc:
    """The model of one process: its regions, and the private pages it has written."""

    def __init__(self, p, regions=(), private=None):
        self.p, self.regions, self.private = p, list(regions), dict(private or {})

    def region_at(self, addr):
        return next((r for r in self.regions if r.start <= addr < r.end), None)

    def carve(self, start, end, change=None):
        """Split regions at start/end; inside, apply `change(region)` (None: unmap)."""
        out = []
        for r in self.regions:
            if r.end <= start or r.start >= end:
                out.append(r)
                continue
            if r.start < start:
                out.append(replace(r, end=start))
            if r.end > end:
                out.append(replace(r, start=end, pgoff=r.index(end)))
            lo = max(r.start, start)
            if change is not None:
                out.append(change(replace(r, start=lo, end=min(r.end, end), pgoff=r.index(lo))))
        self.regions = sorted(out, key=lambda r: r.start)
        if change is None:
            for a in [a for a in self.private if start <= a < end]:
                del self.private[a]


# --- workloads ------------------------------------------------------------------

def generate(seed, nops=40):
    """The operations of workload `seed`: plain lists of small numbers (see `Soak.apply`)."""
    rng = random.Random(seed)
    r = rng.randrange
    ops = []
    for _ in range(nops):
        kind = rng.choice(("write",) * 5 + ("read",) * 3 + ("fill", "mmap", "mmap", "fork", "fork", "exit",
                           "munmap", "mprotect", "mbind", "migrate", "migrate", "move_pages", "reclaim",
                           "swapon", "spawn", "tasks", "tasks", "tasks", "tasks"))
        if kind == "tasks":
            subs = [_one(rng, rng.choice(("migrate", "migrate", "move_pages", "reclaim", "mbind")))]
            subs += [_one(rng, rng.choice(("write", "write", "read", "fork", "exit", "munmap", "mprotect",
                                           "mbind", "migrate", "reclaim")))
                     for _ in range(r(1, 4))]
            ops.append(["tasks", r(1 << 30), subs])
        else:
            ops.append(_one(rng, kind))
    return ops


def _one(rng, kind):
    r = rng.randrange
    return {
        "spawn": lambda: ["spawn", r(2), r(3)],
        "mmap": lambda: ["mmap", r(8), r(3), r(1, 7), r(4), r(4), r(4)],
        "write": lambda: ["write", r(8), r(8), r(8), r(PAGE_SIZE), r(1, 49)],
        "read": lambda: ["read", r(8), r(8), r(8)],
        "fill": lambda: ["fill", r(8), r(8)],
        "fork": lambda: ["fork", r(8)],
        "exit": lambda: ["exit", r(8)],
        "munmap": lambda: ["munmap", r(8), r(8), r(8), r(1, 3)],
        "mprotect": lambda: ["mprotect", r(8), r(8), r(8), r(1, 5), r(4)],
        "mbind": lambda: ["mbind", r(8), r(8), r(8), r(1, 5), r(3), r(3), r(4)],
        "migrate": lambda: ["migrate", r(8), r(8), r(3), r(3), r(3)],
        "move_pages": lambda: ["move_pages", r(8), [r(64) for _ in range(r(1, 4))], r(2), r(4)],
        "reclaim": lambda: ["reclaim", r(1, 9)],
        "swapon": lambda: ["swapon", rng.choice((8, 16, 24))],
    }[kind]()


def _check_op(op):
    if not isinstance(op, list) or not op or op[0] not in OPS:
        raise bad_value("operation", op, f"a list whose first item is one of {sorted(OPS)}")


def _boot_choices(seed):
    rng = random.Random(seed ^ 0x5EED)
    return {"swap": rng.choice((0, 16, 24, 32)), "procs": rng.randint(1, 3)}


class Soak:
    """One workload run on a fresh machine at step `at`, checked all the way."""

    def __init__(self, at, seed):
        self.at, self.seed = at, seed
        self.k = Kernel(at=at, nodes=2, frames_per_node=FRAMES, seed=seed)
        self.files = {name: self.k.create_file(name, n, fs=fs) for name, n, fs in FILES}
        self.fmodel = {name: {i: f"{name}:{i}\n".encode().ljust(PAGE_SIZE, b"\0") for i in range(n)}
                       for name, n, _ in FILES}
        self.procs = []
        self.swap_areas = 0
        self.stamp = 0

    # --- the model ------------------------------------------------------------

    def expected(self, pm, page):
        """The page of bytes `pm` must read at page address `page`."""
        r = pm.region_at(page)
        if r.shared:
            return self.fmodel[r.file][r.index(page)]
        if page in pm.private:
            return pm.private[page]
        return self.fmodel[r.file][r.index(page)] if r.file else ZERO_PAGE

    def stored(self, pm, addr, data):
        page = addr - addr % PAGE_SIZE
        old, off = self.expected(pm, page), addr - page
        new = old[:off] + data + old[off + len(data):]
        r = pm.region_at(page)
        if r.shared:
            self.fmodel[r.file][r.index(page)] = new
        else:
            pm.private[page] = new

    def compare(self, pm, page, got):
        want = self.expected(pm, page)
        if got != want:
            at = next(i for i in range(PAGE_SIZE) if got[i] != want[i])
            raise Wrong("wrong read", f"pid {pm.p.pid} ({pm.p.comm}) read {got[at:at + 12]!r} at "
                                      f"0x{page + at:08x}; the model says {want[at:at + 12]!r}")

    def check(self):
        self.k.check()

    # --- choosing things --------------------------------------------------------

    def proc(self, i, exclude=()):
        live = [pm for pm in self.procs if pm not in exclude]
        return live[i % len(live)] if live else None

    def span(self, pm, ri, first, n):
        """(region, start, npages) inside one region of `pm`, or None."""
        if not pm.regions:
            return None
        r = pm.regions[ri % len(pm.regions)]
        first %= r.npages()
        return r, r.start + first * PAGE_SIZE, min(n, r.npages() - first)

    # --- running a workload --------------------------------------------------------

    def boot(self):
        choice = _boot_choices(self.seed)
        if choice["swap"]:
            self.swapon(choice["swap"])
        for i in range(choice["procs"]):
            self.spawn(i % 2, 0)
            self.mmap(i, 0, 3, 0, 0, 0)
            self.mmap(i, 2 - i % 2, 4, i, 0, 0)
            self.fill(i, 0)
            self.fill(i, 1)
        self.check()

    def apply(self, op):
        """Run one operation (a list: its name, then small numbers read modulo what exists)."""
        _check_op(op)
        name, args = op[0], op[1:]
        if name == "tasks":
            self.tasks(*args)
        elif name in ("spawn", "reclaim", "swapon") or self.procs:
            getattr(self, name)(*args)
        self.check()

    def spawn(self, node, uid):
        if len(self.procs) < MAX_PROCS:
            p = self.k.spawn(f"s{len(self.procs)}", node=node, uid=(1000, 1000, 1001)[uid])
            self.procs.append(Proc(p))

    def mmap(self, i, kind, npages, fileno, offset, prot):
        pm = self.proc(i)
        prot = PROTS[prot] if kind else ("rw", "rw", "r", "rw")[prot]
        if kind == 0:
            addr, region = pm.p.mmap(npages, prot=prot), (None, 0, False)
        else:
            name, n, _ = FILES[fileno % len(FILES)]
            offset %= n
            npages = min(npages, n - offset)
            addr = pm.p.mmap(npages, file=self.files[name], shared=kind == 2, prot=prot, offset=offset)
            region = (name, offset, kind == 2)
        self.answer("mmap", addr, lambda a: a > 0)
        pm.regions.append(Region(addr, addr + npages * PAGE_SIZE, *region, prot))
        pm.regions.sort(key=lambda r: r.start)

    def write(self, i, ri, pg, off, n):
        pm = self.proc(i)
        s = self.span(pm, ri, pg, 1)
        if s is None:
            return
        r, page, _ = s
        self.stamp += 1
        data = (b"<%d.%d>" % (self.seed % 1000, self.stamp) * 8)[:min(n, PAGE_SIZE - off)]
        if "w" not in r.prot:
            self.must_fault(pm.p.write, page + off, data)
            return
        self.answer("write", pm.p.write(page + off, data), lambda v: v == len(data))
        self.stored(pm, page + off, data)

    def fill(self, i, ri):
        """Write a stamp on every page of one region, as a program's start-up would."""
        pm = self.proc(i)
        if pm.regions:
            r = pm.regions[ri % len(pm.regions)]
            for pg in range(r.npages()):
                self.write(i, ri, pg, 64 + 16 * pg, 12)
                self.check()

    def read(self, i, ri, pg):
        pm = self.proc(i)
        s = self.span(pm, ri, pg, 1)
        if s is None:
            return
        r, page, _ = s
        if "r" not in r.prot:
            self.must_fault(pm.p.read, page, 16)
            return
        self.compare(pm, page, pm.p.read(page, PAGE_SIZE))

    def must_fault(self, call, *args):
        try:
            call(*args)
        except SegmentationFault:
            return
        raise Wrong("violation", f"{call.__name__}{args[:1]} in a mapping that does not allow it did not fault")

    def fork(self, i):
        if len(self.procs) < MAX_PROCS:
            pm = self.proc(i)
            self.adopt(pm, pm.p.fork())

    def adopt(self, pm, child):
        if isinstance(child, int):
            self.answer("fork", child, lambda v: v == -ENOMEM)
            return
        self.procs.append(Proc(child, [replace(r) for r in pm.regions], pm.private))

    def exit(self, i):
        if len(self.procs) < 2:
            return                            # the last process stays: a workload of none tests little
        pm = self.proc(i)
        self.answer("exit", pm.p.exit(), lambda v: v == 0)
        self.procs.remove(pm)

    def munmap(self, i, ri, first, n):
        pm = self.proc(i)
        s = self.span(pm, ri, first, n)
        if s is not None:
            self.answer("munmap", pm.p.munmap(s[1], s[2]), lambda v: v == 0)
            pm.carve(s[1], s[1] + s[2] * PAGE_SIZE)

    def mprotect(self, i, ri, first, n, prot):
        pm = self.proc(i)
        s = self.span(pm, ri, first, n)
        if s is not None:
            prot = PROTS[prot]
            self.answer("mprotect", pm.p.mprotect(s[1], s[2], prot), lambda v: v == 0)
            pm.carve(s[1], s[1] + s[2] * PAGE_SIZE, lambda x: replace(x, prot=prot))

    def mbind_args(self, i, ri, first, n, mode, nodes, flag):
        pm = self.proc(i)
        s = self.span(pm, ri, first, n)
        return None if s is None else (pm, (s[1], s[2], MODES[mode], NODESETS[nodes], MBIND_FLAGS[flag]))

    def mbind(self, *args):
        call = self.mbind_args(*args)
        if call is not None:
            self.answer("mbind", call[0].p.mbind(*call[1]), _mbind_ok)

    def migrate_args(self, i, j, how, old, new):
        target = self.proc(i)
        old, new = NODESETS[old], NODESETS[new]
        if how == 0 or len(self.procs) < 2:
            return self.k.sys_migrate_pages, (target.p.pid, old, new), None
        caller = self.proc(j, exclude=[target]) if how == 1 else target
        return caller.p.migrate_pages, (target.p.pid, old, new), caller

    def migrate(self, *args):
        call, a, caller = self.migrate_args(*args)
        self.answer("sys_migrate_pages", call(*a), _migrate_ok(self, caller, a[0]))

    def move_pages_args(self, i, picks, node, query):
        if not hasattr(self.k, "sys_move_pages"):
            return None
        pm = self.proc(i)
        pages = [r.start + p * PAGE_SIZE for r in pm.regions for p in range(r.npages())] + [0x1000]
        chosen = list(dict.fromkeys(pages[x % len(pages)] for x in picks))
        nodes = None if query == 0 else [node] * len(chosen)
        return pm, (pm.p.pid, chosen, nodes, [None] * len(chosen), MPOL_MF_MOVE_ALL)

    def move_pages(self, *args):
        call = self.move_pages_args(*args)
        if call is not None:
            a = call[1]
            self.answer("sys_move_pages", self.k.sys_move_pages(*a), lambda v: v >= 0 or v in (-ENOMEM, -ENOENT))
            self.move_status(a[3])

    def move_status(self, status):
        if any(s is not None and s < 0 and s not in (-ENOENT, -EFAULT, -EBUSY, -EAGAIN, -ENOMEM, -EACCES)
               for s in status):
            raise Wrong("violation", f"sys_move_pages status {status}: expected nodes or -errno")

    def reclaim(self, n):
        self.answer("reclaim", self.k.reclaim(n), lambda v: v >= 0)

    def swapon(self, slots):
        if self.swap_areas < MAX_SWAP_AREAS:
            self.answer("sys_swapon", self.k.sys_swapon(slots), lambda v: v == self.swap_areas)
            self.swap_areas += 1

    def answer(self, call, ret, ok):
        if isinstance(ret, bool) or not isinstance(ret, int) or not ok(ret):
            raise Wrong("violation", f"{call} answered {ret!r}")

    # --- tasks on several CPUs ----------------------------------------------------------

    def tasks(self, sched_seed, subs):
        """Start `subs` as tasks (one per process; kernel ones as init), step them by a seeded choice."""
        k, rng = self.k, random.Random(sched_seed)
        started, group = [], _Group()
        for sub in subs:
            name, args = sub[0], sub[1:]
            start = self.start_task(name, args, group)
            if start is not None:
                started.append(start)
                group.data |= name in ("write", "read")
                group.exits += name == "exit"
        while True:
            live = [s for s in started if not s[0].done]
            if not live:
                break
            ready = [s for s in live if not s[0].blocked]
            if not ready:
                raise Deadlock(f"deadlock: {', '.join(repr(s[0]) for s in live)}")
            t = rng.choice(ready)[0]
            for _ in range(rng.randint(1, 8)):
                if t.done or t.blocked:
                    break
                try:
                    t.step()
                except OutOfMemory:
                    if not t.done:
                        raise Wrong("violation", f"task {t.label} ran out of memory and is still in flight")
                    for s in started:
                        if s[0] is t:
                            s[3] = True
                self.check()
        for t, finish, _, oom in started:
            if not oom:
                finish(t.result)

    def start_task(self, name, args, group):
        """(task, finish(result), process model or None, out of memory) for one sub-operation, or None."""
        k, busy = self.k, group.busy
        kernel_side = name in ("reclaim", "move_pages") or (name == "migrate" and (args[2] == 0 or len(self.procs) < 2))
        if not kernel_side and not [pm for pm in self.procs if pm not in busy]:
            return None
        if name == "reclaim":
            return [k.start(k.try_to_free_pages, args[0]), lambda v: self.answer("reclaim", v, lambda x: x >= 0),
                    None, False]
        if not self.procs:
            return None
        if name == "move_pages":
            call = self.move_pages_args(*args)
            if call is None:
                return None
            a = call[1]
            ok = lambda v: v >= 0 or v in (-ENOMEM, -ENOENT, -ESRCH, -EINVAL)    # noqa: E731  (-EINVAL: exited)
            return [k.start(k.sys_move_pages, *a), lambda v: (self.answer("sys_move_pages", v, ok),
                                                              self.move_status(a[3])), None, False]
        if name == "migrate":
            call, a, caller = self.migrate_args(*args)
            if caller is not None and caller in busy:
                return None
            busy.add(caller)
            ok = _migrate_ok(self, caller, a[0], gone_ok=True)
            return [k.start(call, *a), lambda v: self.answer("sys_migrate_pages", v, ok), caller, False]
        pm = self.proc(args[0], exclude=busy)
        if name in ("write", "read") and group.data:
            return None
        busy.add(pm)
        if name in ("write", "read"):
            s = self.span(pm, args[1], args[2], 1)
            if s is None or (name == "write" and "w" not in s[0].prot) or (name == "read" and "r" not in s[0].prot):
                return None
            page = s[1]
            if name == "read":
                return [k.start(pm.p.read, page, PAGE_SIZE), lambda v: self.compare(pm, page, v), pm, False]
            off = args[3]
            self.stamp += 1
            data = (b"[%d.%d]" % (self.seed % 1000, self.stamp) * 8)[:min(args[4], PAGE_SIZE - off)]
            return [k.start(pm.p.write, page + off, data),
                    lambda v: (self.answer("write", v, lambda x: x == len(data)), self.stored(pm, page + off, data)),
                    pm, False]
        if name == "fork":
            if len(self.procs) >= MAX_PROCS:
                return None
            return [k.start(pm.p.fork), lambda v: self.adopt(pm, v), pm, False]
        if name == "exit":
            if len(self.procs) - group.exits < 2:      # one process stays
                return None
            return [k.start(pm.p.exit), lambda v: (self.answer("exit", v, lambda x: x == 0), self.procs.remove(pm)),
                    pm, False]
        if name in ("munmap", "mprotect"):
            s = self.span(pm, *args[1:4])
            if s is None:
                return None
            if name == "munmap":
                return [k.start(pm.p.munmap, s[1], s[2]),
                        lambda v: (self.answer("munmap", v, lambda x: x == 0),
                                   pm.carve(s[1], s[1] + s[2] * PAGE_SIZE)), pm, False]
            prot = PROTS[args[4]]
            return [k.start(pm.p.mprotect, s[1], s[2], prot),
                    lambda v: (self.answer("mprotect", v, lambda x: x == 0),
                               pm.carve(s[1], s[1] + s[2] * PAGE_SIZE, lambda x: replace(x, prot=prot))), pm, False]
        if name == "mbind":
            s = self.span(pm, *args[1:4])
            if s is None:
                return None
            a = (s[1], s[2], MODES[args[4]], NODESETS[args[5]], MBIND_FLAGS[args[6]])
            return [k.start(pm.p.mbind, *a), lambda v: self.answer("mbind", v, _mbind_ok), pm, False]
        return None




class _Group:
    """The tasks of one group so far: the processes busy, whether one reads or writes, how many exit.

    One task per process; one read or write per group, so that what it must
    see does not hang on the order of two stores.
    """

    def __init__(self):
        self.busy, self.data, self.exits = set(), False, 0


def _mbind_ok(v):
    # -EIO: MPOL_MF_STRICT found pages off the nodes; -EPERM: MOVE_ALL without CAP_SYS_NICE;
    # -ENODEV: swap-based migration had no swap space; -ENOMEM.
    return v in (0, -EIO, -EPERM, -ENODEV, -ENOMEM)


def _migrate_ok(soak, caller, pid, gone_ok=False):
    """What sys_migrate_pages may answer: pages not moved, -ENOMEM; -EPERM across users;
    as a task, -ESRCH/-EINVAL if the target exits meanwhile."""
    target = next((pm for pm in soak.procs if pm.p.pid == pid), None)
    foreign = caller is not None and target is not None and caller.p.uid != target.p.uid

    def ok(v):
        if gone_ok and v in (-ESRCH, -EINVAL):
            return True
        if foreign:
            return v == -EPERM
        return v >= 0 or v == -ENOMEM or (gone_ok and v in (-ESRCH, -EINVAL))
    return ok


# --- outcomes, minimizing, reproducers -------------------------------------------------------

@dataclass
class Outcome:
    """What one workload did: `kind` None (passed), "violation", "wrong read" or "crash"."""

    kind: str = None
    message: str = ""
    op: int = None             # the index of the operation that failed (None: at boot)
    oom: bool = False          # ended early: out of memory (not a failure)


def run_ops(at, seed, ops):
    """Run `ops` on a fresh machine of workload `seed` at step `at`: an Outcome."""
    done = -1
    try:
        s = Soak(at, seed)
        s.boot()
        for done, op in enumerate(ops):
            s.apply(op)
    except OutOfMemory:
        return Outcome(oom=True)
    except Wrong as e:
        return Outcome(e.kind, str(e), done if done >= 0 else None)
    except KernelBug as e:
        return Outcome("violation", str(e), done if done >= 0 else None)
    except Exception as e:                    # the simulator (or the soak) is wrong: a crash
        return Outcome("crash", f"{type(e).__name__}: {e}", done if done >= 0 else None)
    return Outcome()


def signature(outcome):
    """The failure's kind and words, without its numbers (pfns, pids, addresses): what minimizing keeps."""
    return outcome.kind, re.sub(r"0x[0-9a-f]+|\d+", "#", outcome.message)[:60]


def minimize(at, seed, ops, outcome):
    """The smallest sub-list of `ops` (delta debugging, Zeller's ddmin) that still fails the same way."""
    want = signature(outcome)
    ops = ops[:outcome.op + 1] if outcome.op is not None else []

    def fails(sub):
        return signature(run_ops(at, seed, sub)) == want

    n = 2
    while len(ops) >= 2:
        chunk = -(-len(ops) // n)
        parts = [ops[i:i + chunk] for i in range(0, len(ops), chunk)]
        for i in range(len(parts)):
            rest = [op for j, part in enumerate(parts) if j != i for op in part]
            if fails(rest):
                ops, n = rest, max(n - 1, 2)
                break
        else:
            if n >= len(ops):
                break
            n = min(len(ops), n * 2)
    if len(ops) == 1 and fails([]):
        ops = []
    return ops


def reproducer(at, seed, ops, outcome):
    """A replayable reproducer (JSON-able dict)."""
    return {"at": at, "seed": seed, "frames": FRAMES, "ops": ops,
            "expect": {"kind": outcome.kind, "message": outcome.message}}


def replay(path):
    """Run the reproducer saved at `path`: its Outcome."""
    with open(path) as f:
        rep = json.load(f)
    step_index(rep["at"])
    check_int("seed", rep["seed"])
    for op in rep["ops"]:
        _check_op(op)
    return run_ops(rep["at"], rep["seed"], rep["ops"])


@dataclass
class Report:
    """A soak's counts; `failures`: (workload seed, Outcome, minimized ops)."""

    at: str
    n: int
    seed: int
    nops: int
    counts: dict = None
    oom: int = 0
    seconds: float = 0.0
    failures: list = None

    def line(self):
        c = self.counts
        return (f"soak at {self.at}: {self.n} workloads (seed {self.seed}, {self.nops} ops), "
                f"{c['violation']} violations, {c['wrong read']} wrong reads, {c['crash']} crashes, "
                f"{self.oom} ended out of memory, {self.seconds:.1f} s")


def workload_seed(seed, i):
    return seed * 1_000_003 + i


def soak(at="v2.6.18", n=100, seed=1, nops=40, shrink=True, save=None, stop_after=None, out=None):
    """Run `n` workloads at `at`: a Report. Failing ones are minimized (`shrink`) and, with
    `save` (a directory), written there as reproducers. `stop_after` failures end it early."""
    step_index(at)                            # an unknown step is refused before any work
    check_int("n (workloads)", n, 1)
    check_int("seed", seed)
    check_int("nops (operations per workload)", nops, 0)
    if save is not None and not isinstance(save, str):
        raise bad_value("save", save, "a directory name, or None")
    report = Report(at, n, seed, nops, {kind: 0 for kind in KINDS}, failures=[])
    t0 = time.process_time()
    for i in range(n):
        ws = workload_seed(seed, i)
        ops = generate(ws, nops)
        o = run_ops(at, ws, ops)
        report.oom += o.oom
        if o.kind is None:
            continue
        report.counts[o.kind] += 1
        small = minimize(at, ws, ops, o) if shrink else ops
        report.failures.append((ws, o, small))
        if out is not None:
            print(f"FAIL workload {i} (seed {ws}): {o.kind} at op {o.op}: {o.message}", file=out)
        if save is not None:
            path = f"{save}/soak-{at}-{ws}.json"
            with open(path, "w") as f:
                json.dump(reproducer(at, ws, small, run_ops(at, ws, small)), f, indent=1)
            if out is not None:
                print(f"  minimized to {len(small)} ops: python -m migsim.soak --replay {path}", file=out)
        if stop_after is not None and len(report.failures) >= stop_after:
            report.n = i + 1
            break
    report.seconds = time.process_time() - t0
    return report


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m migsim.soak", description=__doc__.splitlines()[0])
    ap.add_argument("--at", default=steps.LAST, help="the step of the series (default %(default)s)")
    ap.add_argument("--n", type=int, default=100, help="workloads to run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ops", type=int, default=40, help="operations per workload")
    ap.add_argument("--save", default=".", help="directory for reproducers of failing workloads")
    ap.add_argument("--no-shrink", action="store_true", help="save failing workloads whole")
    ap.add_argument("--stop-after", type=int, default=None, help="stop after this many failures")
    ap.add_argument("--replay", metavar="FILE", help="run a saved reproducer instead")
    args = ap.parse_args(argv)
    if args.replay:
        o = replay(args.replay)
        print(f"replay {args.replay}: {o.kind or 'passed'}{f' at op {o.op}: {o.message}' if o.kind else ''}")
        return 1 if o.kind else 0
    if args.at not in steps.INDEX:
        ap.error(f"unknown step {args.at!r} (expected one of {', '.join(steps.IDS)})")
    report = soak(args.at, args.n, args.seed, args.ops, not args.no_shrink, args.save, args.stop_after,
                  out=sys.stdout)
    print(report.line())
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
