"""Random walks over the whole machine at v2.6.16, checked after every step.

A Hypothesis state machine drives a small NUMA machine (2 nodes x 24..48
frames, so that reclaim and swap really happen) through random sequences of
mmap (anonymous, and shared/private maps of ext2 and listfs files), writes,
reads, fork, exit, mprotect (read-only, PROT_NONE and back), munmap,
swapon, reclaim and page migration (sys_migrate_pages as root, as the user,
mbind with MPOL_MF_MOVE; sys_move_pages from the step that adds it), plus a rule that steps a migration task one
scheduling point at a time interleaved with another process's write, fork,
read, exit, munmap or mprotect (and sometimes a reclaim) started as tasks.

`k.check()` runs after every rule, between the calls of a rule, and after
every single task step. Apart from the simulator's own shadows, the test keeps
its *own* model of what every process should read (anonymous and COW-ed
pages per process, file contents per file) and compares it with `p.read`.

Two bugs that 2.6.16 really had are recognised (narrowly) and end the walk
instead of failing it: bug A (kernel-facts §4.A) and the swap-based form of
the fork race of §4.B; see `MigsimMachine.check`.

Knobs for exploring beyond the default, deterministic run:
MIGSIM_RANDOM=1 (new random walks), MIGSIM_EXAMPLES=n (default 600), MIGSIM_STEPS=n (20).
"""

import os
import re
from dataclasses import dataclass, replace
from errno import EAGAIN, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, ENOMEM, EPERM, ESRCH

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, settings, event as _event
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import migsim
from migsim import scenarios
from migsim.include.linux.swap import stale_slot

PAGE = migsim.PAGE_SIZE
ZERO = bytes(PAGE)
STEP = "v2.6.16"
MAX_PROCS = 6
MAX_SWAP_AREAS = 3
LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"     # one letter per task
KNOWN_BUG_A = re.compile(r"l\d: its own dirty list points at pfn 0x[0-9a-f]+, "
                         r"which is (free|no longer in its page cache)")
FILES = (("e0", 6, "ext2"), ("l0", 6, "listfs"), ("e1", 3, "ext2"), ("l1", 3, "listfs"))
NODESETS = ([0], [1], [0, 1])
MOVING = (([0], [1]), ([1], [0]), ([0, 1], [0]), ([0, 1], [1]), ([1], [0, 1]))   # node_remap moves a node


def event(text):
    """hypothesis.event, and nothing when a plain test drives the machine."""
    if currently_in_test_context():
        _event(text)


def initial_page(name, i):
    return f"{name}:{i}\n".encode().ljust(PAGE, b"\0")


@dataclass
class Region:
    """A mapped range as the test sees it (independent of the kernel's vmas)."""

    start: int
    end: int
    file: object        # Inode or None (anonymous)
    pgoff: int
    shared: bool
    prot: str           # "rw", "r" or ""

    def index(self, addr):
        return self.pgoff + (addr - self.start) // PAGE

    def pages(self):
        return range(self.start, self.end, PAGE)


class Proc:
    """The test's model of one process: its regions and its private page contents."""

    def __init__(self, p, regions=(), private=None):
        self.p = p
        self.regions = list(regions)
        self.private = dict(private or {})   # page address -> 4096 bytes (anon / COW-ed pages)

    def region_at(self, addr):
        for r in self.regions:
            if r.start <= addr < r.end:
                return r
        return None

    def carve(self, start, end, change=None):
        """Split regions at start/end; apply `change(region)` (None = remove) inside."""
        out = []
        for r in self.regions:
            if r.end <= start or r.start >= end:
                out.append(r)
                continue
            if r.start < start:
                out.append(replace(r, end=start))
            if r.end > end:
                out.append(replace(r, start=end, pgoff=r.index(end)))
            lo, hi = max(r.start, start), min(r.end, end)
            if change is not None:
                out.append(change(replace(r, start=lo, end=hi, pgoff=r.index(lo))))
        self.regions = sorted(out, key=lambda r: r.start)
        if change is None:
            for a in [a for a in self.private if start <= a < end]:
                del self.private[a]


class MigsimMachine(RuleBasedStateMachine):
    """The whole machine under random use, at STEP (subclasses run it at later steps)."""

    STEP = STEP

    def __init__(self):
        super().__init__()
        self.k = None
        self.known_bug = None
        self.migrated = False
        self.forking = None                   # the process whose fork runs as a task in this rule

    # --- the model --------------------------------------------------------------

    def expected(self, pm, addr):
        """The 4096 bytes process `pm` should read at page address `addr`."""
        r = pm.region_at(addr)
        if r.shared:
            return self.fmodel[r.file.name][r.index(addr)]
        if addr in pm.private:
            return pm.private[addr]
        if r.file is not None:
            return self.fmodel[r.file.name][r.index(addr)]
        return ZERO

    def store(self, pm, addr, data):
        """Record a successful store of `data` at `addr` (within one page)."""
        page = addr & ~(PAGE - 1)
        off = addr - page
        old = self.expected(pm, page)
        new = old[:off] + data + old[off + len(data):]
        r = pm.region_at(page)
        if r.shared:
            self.fmodel[r.file.name][r.index(page)] = new
        else:
            pm.private[page] = new

    def up(self):
        """Rules run until the machine is broken by a bug 2.6.16 is known to have."""
        return self.k is not None and self.known_bug is None

    def check(self):
        """k.check(), except that it notes (and stops at) the two bugs v2.6.16 really has.

        Bug A (kernel-facts §4.A, fixed by patch 3 "dirty-fallback"): migrate_pages'
        fallback path moves a listfs page that was dirty only in a pte; try_to_unmap
        dirties it onto listfs's own list, and the old page is freed while still on it.

        The fork race of §4.B, in its swap-based form (scenarios.FORK_RACE_QUIET):
        anon_vma_link puts a forked child's vma at the head of the anon_vma list, so
        remove_from_swap can visit the child before fork copies the parent's swap pte
        into it; the child keeps that swap entry after delete_from_swap_cache, and reads
        a slot that was never written (a previous boot's bytes). Excused only for the
        child of a fork in flight in this rule, at a swap pte whose entry is neither in
        the swap cache nor written on the device.
        """
        lives = lambda scenario: self.STEP in scenario.lives             # noqa: E731
        try:
            self.k.check()
        except migsim.KernelBug as e:
            if self.migrated and lives(scenarios.DIRTY_FALLBACK) and KNOWN_BUG_A.search(str(e)):
                self.known_bug = str(e)
                event(f"{self.STEP}: bug A (dirty page on the fallback path) reproduced")
                return
            if self.forking and lives(scenarios.FORK_RACE_QUIET) and self.orphaned_swap_pte(str(e)):
                self.known_bug = str(e)
                event(f"{self.STEP}: fork race (a swap pte orphaned in the child) reproduced")
                return
            if self.forking and lives(scenarios.FORK_RACE) and re.search(scenarios.FORK_RACE.signature, str(e)):
                self.known_bug = str(e)
                event(f"{self.STEP}: bug B (an orphaned migration entry) reproduced")
                return
            if lives(scenarios.COW_FORK) and re.search(scenarios.COW_FORK.signature.replace(r"\(parent\) ", ""),
                                                       str(e)):
                self.known_bug = str(e)
                event(f"{self.STEP}: bug C (fork during migration shares a writable page) reproduced")
                return
            raise

    def orphaned_swap_pte(self, message):
        """Is `message` bug B's quiet form: a child being forked reads a slot never written?"""
        m = re.search(r"pid (\d+) \(.*\) reads wrong data at 0x([0-9a-f]+)", message)
        if m is None or not re.search(scenarios.FORK_RACE_QUIET.signature, message):
            return False
        pid, addr = int(m.group(1)), int(m.group(2), 16)
        child = self.k.tasks_by_pid.get(pid)
        if child is None or pid in self.procs or child.parent is not self.forking:
            return False
        pte = self.k.pte(child, addr)
        if not pte.swap or pte.swp_entry in self.k.swapper_space.page_tree:
            return False
        return pte.swp_offset not in self.k.swap_info[pte.swp_type].store

    @precondition(lambda self: self.k is not None and self.known_bug is not None)
    @rule()
    def idle(self):
        """Nothing: the machine hit a known 2.6.16 bug and is corrupt; nothing more is asked of it."""

    # --- choosing things ---------------------------------------------------------

    def draw_proc(self, data, label="proc"):
        return self.procs[data.draw(st.sampled_from(sorted(self.procs)), label=label)]

    def draw_page(self, data, pm, prot=None):
        """(region, page address) in `pm`, among regions whose prot contains `prot`."""
        regions = [r for r in pm.regions if prot is None or prot in r.prot]
        if not regions:
            return None, None
        r = data.draw(st.sampled_from(regions), label="region")
        page = data.draw(st.sampled_from(list(r.pages())), label="page")
        return r, page

    def draw_store(self, data, page):
        off = data.draw(st.integers(0, PAGE - 1), label="offset")
        n = data.draw(st.integers(1, min(48, PAGE - off)), label="length")
        self.counter += 1
        payload = (b"%d." % self.counter) * 16
        return page + off, payload[:n]

    def draw_nodes(self, data, target=None):
        """(old_nodes, new_nodes): often away from where `target`'s pages are, else any pair."""
        how = data.draw(st.integers(0, 4), label="node sets")
        if how == 0:
            return (data.draw(st.sampled_from(NODESETS), label="old_nodes"),
                    data.draw(st.sampled_from(NODESETS), label="new_nodes"))
        if how <= 2 and target is not None:
            here = [node for (pid, _), node in self.placement().items() if pid == target.p.pid]
            if here:
                home = max((0, 1), key=here.count)
                return [home], [1 - home]
        return data.draw(st.sampled_from(MOVING), label="old_nodes -> new_nodes")

    def placement(self):
        """{(pid, page address): node} for every page a process has present."""
        where = {}
        for pid, pm in self.procs.items():
            if pm.p.mm is None:
                continue                      # exited in the middle of a rule
            for r in pm.regions:
                for page in r.pages():
                    pte = self.k.pte(pm.p, page)
                    if pte.present or pte.protnone:
                        where[pid, page] = (pte.value >> 12) // self.k.node_span - 1
        return where

    def note_moves(self, rule, before):
        after = self.placement()
        moved = sum(1 for key, node in before.items() if after.get(key, node) != node)
        event(f"{rule}: {'no page' if not moved else 'a page' if moved == 1 else 'pages'} moved")

    def next_label(self):
        used = {t.label for t in self.k.tasks}
        return next(c for c in LABELS if c not in used)

    # --- setup -------------------------------------------------------------------

    @initialize(data=st.data(), frames=st.sampled_from([24, 32, 48]), nprocs=st.integers(1, 3),
                swap=st.sampled_from([0, 8, 24, 32, 32]))
    def boot(self, data, frames, nprocs, swap):
        """A machine with a few processes, each with some memory already written."""
        self.k = migsim.Kernel(at=self.STEP, nodes=2, frames_per_node=frames, seed=2006)
        self.files = [self.k.create_file(name, n, fs=fs) for name, n, fs in FILES]
        self.fmodel = {f.name: {i: initial_page(f.name, i) for i in range(f.npages)} for f in self.files}
        self.procs = {}
        self.counter = 0
        self.swap_areas = 0
        if swap:
            self.do_swapon(swap)
        for i in range(nprocs):
            p = self.k.spawn(f"p{i}", node=i % 2, uid=1000)
            pm = self.procs[p.pid] = Proc(p)
            self.map_and_fill(pm, None, 0, data.draw(st.integers(1, 4), label="anon pages"), False)
            f = data.draw(st.sampled_from(self.files), label="file")
            shared = data.draw(st.booleans(), label="shared")
            self.map_and_fill(pm, f, 0, f.npages, shared)
        self.check()

    def map_and_fill(self, pm, f, offset, npages, shared, prot="rw", fill=True):
        """mmap, and (`fill`) write a stamp on every page, as a program's start-up would."""
        addr = pm.p.mmap(npages, file=f, shared=shared, prot=prot, offset=offset)
        assert addr > 0, addr
        pm.regions.append(Region(addr, addr + npages * PAGE, f, offset, shared, prot))
        pm.regions.sort(key=lambda r: r.start)
        for page in range(addr, addr + npages * PAGE, PAGE) if fill else ():
            self.counter += 1
            stamp = b"<%d:%d>" % (pm.p.pid, self.counter)
            try:
                pm.p.write(page + 64, stamp)
            except migsim.OutOfMemory:
                return
            self.store(pm, page + 64, stamp)
            self.check()

    # --- rules: processes --------------------------------------------------------

    @precondition(lambda self: self.up() and len(self.procs) < MAX_PROCS)
    @rule(node=st.integers(0, 1), uid=st.sampled_from([1000, 1000, 1001]))
    def spawn(self, node, uid):
        p = self.k.spawn("new", node=node, uid=uid)
        self.procs[p.pid] = Proc(p)

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data(), npages=st.integers(1, 4), prot=st.sampled_from(["rw", "rw", "r"]),
          fill=st.booleans())
    def mmap_anon(self, data, npages, prot, fill):
        pm = self.draw_proc(data)
        self.map_and_fill(pm, None, 0, npages, False, prot, fill and "w" in prot)

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data(), shared=st.booleans(), prot=st.sampled_from(["rw", "rw", "r"]),
          fill=st.booleans())
    def mmap_file(self, data, shared, prot, fill):
        pm = self.draw_proc(data)
        f = data.draw(st.sampled_from(self.files), label="file")
        offset = data.draw(st.integers(0, f.npages - 1), label="file offset")
        npages = data.draw(st.integers(1, f.npages - offset), label="npages")
        self.map_and_fill(pm, f, offset, npages, shared, prot, fill and "w" in prot)

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def write(self, data):
        pm = self.draw_proc(data)
        r, page = self.draw_page(data, pm)
        if r is None:
            return
        addr, payload = self.draw_store(data, page)
        if "w" not in r.prot:
            before = self.k.dump()
            try:
                pm.p.write(addr, payload)
            except migsim.SegmentationFault:
                assert self.k.dump() == before, "a refused store changed the machine"
                return
            raise AssertionError(f"store to a {r.prot!r} mapping at 0x{addr:08x} did not fault")
        try:
            n = pm.p.write(addr, payload)
        except migsim.OutOfMemory:
            event("write: out of memory")
            return
        assert n == len(payload)
        self.store(pm, addr, payload)
        self.check()
        self.compare(pm, addr, len(payload))

    def compare(self, pm, addr, length):
        """p.read(addr, length) must match the model (an OOM on the way is acceptable)."""
        if self.known_bug:
            return
        page = addr & ~(PAGE - 1)
        want = self.expected(pm, page)[addr - page:addr - page + length]
        try:
            got = pm.p.read(addr, length)
        except migsim.OutOfMemory:
            return
        assert got == want, (f"pid {pm.p.pid} reads {got[:16]!r} at 0x{addr:08x}, "
                             f"the model says {want[:16]!r}")

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def read(self, data):
        pm = self.draw_proc(data)
        r, page = self.draw_page(data, pm)
        if r is None:
            return
        if "r" not in r.prot:
            before = self.k.dump()
            try:
                pm.p.read(page, 16)
            except migsim.SegmentationFault:
                assert self.k.dump() == before, "a refused load changed the machine"
                return
            raise AssertionError(f"load from a PROT_NONE mapping at 0x{page:08x} did not fault")
        self.compare(pm, page, PAGE)

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def read_everything(self, data):
        """Read back every readable page of one process and compare it whole."""
        pm = self.draw_proc(data)
        for r in pm.regions:
            if "r" not in r.prot:
                continue
            for page in r.pages():
                self.compare(pm, page, PAGE)
                self.check()

    @precondition(lambda self: self.up() and self.procs and len(self.procs) < MAX_PROCS)
    @rule(data=st.data())
    def fork(self, data):
        pm = self.draw_proc(data)
        child = pm.p.fork()
        assert child.pid > pm.p.pid, child
        self.adopt(pm, child)

    def adopt(self, pm, child):
        self.procs[child.pid] = Proc(child, [replace(r) for r in pm.regions], pm.private)

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def exit(self, data):
        pm = self.draw_proc(data)
        assert pm.p.exit() == 0
        del self.procs[pm.p.pid]

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data(), prot=st.sampled_from(["", "r", "rw"]))
    def mprotect(self, data, prot):
        pm = self.draw_proc(data)
        span = self.draw_range(data, pm)
        if span is None:
            return
        start, count = span
        assert pm.p.mprotect(start, count, prot) == 0
        pm.carve(start, start + count * PAGE, lambda x: replace(x, prot=prot))

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def munmap(self, data):
        pm = self.draw_proc(data)
        span = self.draw_range(data, pm)
        if span is None:
            return
        start, count = span
        assert pm.p.munmap(start, count) == 0
        pm.carve(start, start + count * PAGE)

    # --- rules: the kernel -----------------------------------------------------------

    def do_swapon(self, slots):
        t = self.k.sys_swapon(slots)
        assert t == self.swap_areas, t
        self.swap_areas += 1

    @precondition(lambda self: self.up() and self.swap_areas < MAX_SWAP_AREAS)
    @rule(slots=st.sampled_from([4, 8, 16, 32]))
    def swapon(self, slots):
        self.do_swapon(slots)

    @precondition(lambda self: self.up())
    @rule(n=st.integers(1, 64))
    def reclaim(self, n):
        freed = self.k.reclaim(n)
        assert freed >= 0

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def migrate_root(self, data):
        pm = self.draw_proc(data)
        old, new = self.draw_nodes(data, pm)
        self.migrated = True
        before = self.placement()
        ret = self.k.sys_migrate_pages(pm.p.pid, old, new)
        self.note_moves('migrate_root', before)
        assert ret >= 0 or ret == -ENOMEM, ret

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data())
    def migrate_user(self, data):
        caller = self.draw_proc(data, "caller")
        target = self.draw_proc(data, "target")
        old, new = self.draw_nodes(data, target)
        self.migrated = True
        before = self.placement()
        ret = caller.p.migrate_pages(target.p.pid, old, new)
        self.note_moves('migrate_user', before)
        if caller.p.uid != target.p.uid:
            assert ret == -EPERM, ret
        else:
            assert ret >= 0 or ret == -ENOMEM, ret

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data(), mode=st.sampled_from(["bind", "interleave", "preferred"]))
    def mbind(self, data, mode):
        pm = self.draw_proc(data)
        span = self.draw_range(data, pm)
        if span is None:
            return
        nodes = data.draw(st.sampled_from(NODESETS), label="nodes")
        self.migrated = True
        before = self.placement()
        ret = pm.p.mbind(*span, mode, nodes, migsim.MPOL_MF_MOVE)
        self.note_moves('mbind', before)
        if self.k.nr_swap_pages <= 0 and ret:
            assert ret == -ENODEV, ret
        else:
            assert ret == 0, ret

    def has_move_pages(self):
        return hasattr(self.k, "sys_move_pages")

    def draw_moves(self, data, pm, nodes):
        """(pages, nodes, status) for sys_move_pages: some of `pm`'s pages, each to one of `nodes`."""
        addrs = [a for r in pm.regions for a in r.pages()] + [0x1000]   # and one address below every vma
        pages = data.draw(st.lists(st.sampled_from(addrs), min_size=1, max_size=4, unique=True),
                          label="pages to move")        # a page twice would get two answers
        targets = [data.draw(st.sampled_from(nodes), label="node") for _ in pages]
        return pages, targets, [None] * len(pages)

    # --- rule: tasks interleaved ------------------------------------------------------

    def draw_range(self, data, pm):
        """(start, npages) inside one region of `pm`, or None if it maps nothing."""
        if not pm.regions:
            return None
        r = data.draw(st.sampled_from(pm.regions), label="region")
        n = (r.end - r.start) // PAGE
        first = data.draw(st.integers(0, n - 1), label="first page")
        return r.start + first * PAGE, data.draw(st.integers(1, n - first), label="npages")

    @precondition(lambda self: self.up() and self.procs and len(self.k.tasks) <= len(LABELS) - 3)
    @rule(data=st.data())
    def interleave(self, data):
        """A migration task against another process's write, fork (...) task, stepped point by point.

        The migration is sys_migrate_pages as root, or as a user, or an mbind with
        MPOL_MF_MOVE by the target itself; the other process writes, forks, reads,
        exits, unmaps or mprotects; sometimes reclaim runs as a third task. The
        tasks run in bursts of 1..24 scheduling points on a CPU chosen at random,
        and k.check() runs after every single point.
        """
        k = self.k
        self.migrated = True
        actor = self.draw_proc(data, "actor")
        target = actor if data.draw(st.booleans(), label="migrate the actor") else self.draw_proc(data, "target")
        old, new = self.draw_nodes(data, target)
        others = [pid for pid in sorted(self.procs) if pid != actor.p.pid]
        hows = (["root", "user", "mbind"] if others else ["root"]) + (["move"] if self.has_move_pages() else [])
        how = data.draw(st.sampled_from(hows), label="migration")
        tasks, expect = [], None
        if how == "root":
            mig = k.start(k.sys_migrate_pages, target.p.pid, old, new, label=self.next_label())
        elif how == "move":
            pages, nodes, status = self.draw_moves(data, target, new)
            mig = k.start(k.sys_move_pages, target.p.pid, pages, nodes, status, migsim.MPOL_MF_MOVE_ALL,
                          label=self.next_label())
        elif how == "user":
            caller = self.procs[data.draw(st.sampled_from(others), label="caller")]
            expect = -EPERM if caller.p.uid != target.p.uid else None
            mig = k.start(caller.p.migrate_pages, target.p.pid, old, new, label=self.next_label())
        else:
            target = self.procs[data.draw(st.sampled_from(others), label="mbind by")]
            span = self.draw_range(data, target)
            if span is None:
                return
            mode = data.draw(st.sampled_from(["bind", "interleave", "preferred"]), label="mode")
            mig = k.start(target.p.mbind, *span, mode, new, migsim.MPOL_MF_MOVE, label=self.next_label())
        tasks.append(mig)
        kinds = ["write", "write", "read", "exit", "munmap", "mprotect"]
        if len(self.procs) < MAX_PROCS:
            kinds += ["fork", "fork"]
        kind = data.draw(st.sampled_from(kinds), label="actor does")
        act = None
        if kind == "write":
            r, page = self.draw_page(data, actor, "w")
            if r is not None:
                store = self.draw_store(data, page)
                act = k.start(actor.p.write, *store, label=self.next_label())
        elif kind == "read":
            r, page = self.draw_page(data, actor, "r")
            if r is not None:
                act = k.start(actor.p.read, page, PAGE, label=self.next_label())
        elif kind in ("munmap", "mprotect"):
            span = self.draw_range(data, actor)
            if span is not None:
                if kind == "munmap":
                    act = k.start(actor.p.munmap, *span, label=self.next_label())
                else:
                    prot = data.draw(st.sampled_from(["", "r", "rw"]), label="prot")
                    act = k.start(actor.p.mprotect, *span, prot, label=self.next_label())
        else:
            act = k.start(getattr(actor.p, kind), label=self.next_label())
            if kind == "fork":
                self.forking = actor.p
        if act is not None:
            tasks.append(act)
        mig2 = None
        third = data.draw(st.sampled_from(["none", "none", "reclaim", "migration"]), label="third task")
        if third == "reclaim":
            tasks.append(k.start(k.try_to_free_pages, 8, label=self.next_label()))
        elif third == "migration":                # root, another target (or the same), other nodes
            other = self.draw_proc(data, "second target")
            mig2 = k.start(k.sys_migrate_pages, other.p.pid, *self.draw_nodes(data, other),
                           label=self.next_label())
            tasks.append(mig2)
        failed = set()
        before = self.placement()
        while True:
            live = [t for t in tasks if not t.done]
            if not live:
                break
            ready = [t for t in live if not t.blocked]
            assert ready, f"deadlock: {live}"
            if len(ready) < len(live):
                event("interleave: a task waited for another")
            t = ready[data.draw(st.integers(0, len(ready) - 1), label="cpu")] if len(ready) > 1 else ready[0]
            for _ in range(data.draw(st.integers(1, 24), label="steps on it")):
                if t.done or t.blocked:
                    break
                try:
                    t.step()
                except migsim.OutOfMemory:
                    event("interleave: a task ran out of memory")
                    assert t.done, "a task that ended with OutOfMemory still counts as in flight"
                    failed.add(t)
                self.check()
                if self.known_bug:
                    return
        self.note_moves("interleave", before)
        if mig2 is not None and mig2 not in failed:
            gone = kind == "exit" and other is actor and mig2.result in (-ESRCH, -EINVAL)
            assert gone or mig2.result >= 0 or mig2.result == -ENOMEM, mig2.result
        ret = mig.result
        if mig not in failed:
            if kind == "exit" and target is actor and ret in (-ESRCH, -EINVAL):
                pass                          # the target was gone (or going) before it was looked up
            elif expect is not None:
                assert ret == expect, ret
            elif how == "mbind":                # -ENODEV: swap was full when it looked (it may not be now)
                assert ret in (0, -ENODEV), ret
            elif how == "move":                 # -ENOENT: no page needed moving
                assert ret >= 0 or ret in (-ENOMEM, -ENOENT), ret
            else:
                assert ret >= 0 or ret == -ENOMEM, ret
        if act is None or act in failed:
            return
        if kind == "write":
            assert act.result == len(store[1])
            self.store(actor, *store)
            self.compare(actor, store[0], len(store[1]))
        elif kind == "read":
            assert act.result == self.expected(actor, page), f"pid {actor.p.pid} read wrong data at 0x{page:08x}"
        elif kind == "fork":
            self.adopt(actor, act.result)
        elif kind == "exit":
            assert act.result == 0
            del self.procs[actor.p.pid]
        elif kind == "munmap":
            assert act.result == 0
            actor.carve(span[0], span[0] + span[1] * PAGE)
        else:
            assert act.result == 0
            actor.carve(span[0], span[0] + span[1] * PAGE, lambda x: replace(x, prot=prot))

    # --- after every rule -------------------------------------------------------------

    @invariant()
    def machine_is_sane(self):
        if self.up():
            self.check()
            self.migrated = False             # bug A is only ever excused in a migration's rule
            self.forking = None


def test_the_2616_fork_race_is_real_and_recognised():
    """The quiet form of bug B (scenarios.FORK_RACE_QUIET), replayed at v2.6.16; the excuse above matches it, only it.

    M migrates the child (as root: the COW-shared page moves too) while the parent
    forks. remove_from_swap visits the grandchild's vma first (list head), before fork
    has copied the parent's swap pte into it, then restores the others; the grandchild
    keeps the swap entry, whose page left the swap cache and was never written out.
    """
    quiet = scenarios.FORK_RACE_QUIET
    k, ctx = quiet.build(STEP)
    quiet.plan(k, ctx)
    parent, child = (mm.owner for mm in ctx["mms"])
    grandchild, m = k.task("F").result, k.task("M")
    machine = MigsimMachine()
    machine.k, machine.procs = k, {parent.pid: Proc(parent), child.pid: Proc(child)}
    machine.migrated, machine.forking = True, parent
    while not m.done:
        m.step()
        machine.check()
        if machine.known_bug:
            break
    assert machine.known_bug and f"pid {grandchild.pid} " in machine.known_bug, machine.known_bug
    assert re.search(quiet.signature, machine.known_bug)
    pte = k.pte(grandchild, ctx["a"])
    assert pte.swap and pte.swp_offset not in k.swap_info[pte.swp_type].store
    machine.known_bug = machine.forking = None
    with pytest.raises(migsim.BadPageState, match="never written since swapon"):   # not excused without the fork
        machine.check()
    assert grandchild.read(ctx["a"], PAGE) == stale_slot(pte.swp_type, pte.swp_offset, k.seed)   # old bytes


class MovePagesMachine(MigsimMachine):
    """The walks from move-pages on: sys_move_pages joins the rules (a subclass, so that
    the walks at the earlier steps stay the same)."""

    @precondition(lambda self: self.up() and self.procs)
    @rule(data=st.data(), query=st.booleans())
    def move_pages(self, data, query):
        """sys_move_pages as root (MPOL_MF_MOVE_ALL): each status is a node or -errno, and nodes match."""
        pm = self.draw_proc(data)
        pages, nodes, status = self.draw_moves(data, pm, data.draw(st.sampled_from(NODESETS), label="nodes"))
        self.migrated = True
        ret = self.k.sys_move_pages(pm.p.pid, pages, None if query else nodes, status, migsim.MPOL_MF_MOVE_ALL)
        assert ret >= 0 or ret in (-ENOMEM, -ENOENT), ret
        if ret < 0:
            assert status == [None] * len(pages)
            return
        where = self.placement()                  # a PROT_NONE pte still maps its page
        for addr, st_ in zip(pages, status):
            if st_ >= 0:
                assert where.get((pm.p.pid, addr)) == st_, (addr, st_)
            else:
                assert st_ in (-ENOENT, -EFAULT, -EBUSY, -EAGAIN, -ENOMEM), (addr, st_)
        self.check()


MigsimMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("MIGSIM_EXAMPLES", 600)),
    stateful_step_count=int(os.environ.get("MIGSIM_STEPS", 20)),
    deadline=None, database=None,
    derandomize=not os.environ.get("MIGSIM_RANDOM"),       # MIGSIM_RANDOM=1: explore new walks
    phases=[Phase.explicit, Phase.generate, Phase.shrink],  # no "explain": minutes on a failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])

TestMigsim = MigsimMachine.TestCase


# The same walks at every later step of the series, fewer of them (MIGSIM_STEP_EXAMPLES, default 40).
# rip-out-swap is left out: migration is broken there on purpose (see tests/test_swapless.py).
for _at in migsim.series.ids():
    if _at in ("v2.6.16", "rip-out-swap"):
        continue
    _base = MovePagesMachine if migsim.steps.INDEX[_at] >= migsim.steps.INDEX["move-pages"] else MigsimMachine
    _machine = type(f"MigsimMachine_{_at.replace('-', '_').replace('.', '_')}", (_base,), {"STEP": _at})
    _machine.TestCase.settings = settings(
        MigsimMachine.TestCase.settings, max_examples=int(os.environ.get("MIGSIM_STEP_EXAMPLES", 40)))
    globals()[f"TestMigsimAt_{_at.replace('-', '_').replace('.', '_')}"] = _machine.TestCase
