"""A workload: its operations (`generate`), and `Soak`, which runs them on a fresh machine and its model."""

import random
from dataclasses import replace
from errno import EACCES, EAGAIN, EBUSY, EFAULT, ENOENT, ENOMEM

from ..errors import SegmentationFault, bad_value
from ..include.asm_i386.pgtable import PAGE_SIZE, ZERO_PAGE
from ..include.linux.mempolicy import MPOL_MF_MOVE_ALL
from ..machine import Kernel
from .model import (FILES, FRAMES, MAX_PROCS, MAX_SWAP_AREAS, MBIND_FLAGS, MODES, NODESETS, OPS, PROTS, Proc,
                    Region, Wrong, _mbind_ok, _migrate_ok)
from .tasks import Tasks

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


class Soak(Tasks):
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
