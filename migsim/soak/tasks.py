"""Task groups of a workload: sub-operations started as tasks on several CPUs, stepped by a seeded choice."""

import random
from dataclasses import replace
from errno import EINVAL, ENOENT, ENOMEM, ESRCH

from ..errors import Deadlock, OutOfMemory
from ..include.asm_i386.pgtable import PAGE_SIZE
from .model import MAX_PROCS, MBIND_FLAGS, MODES, NODESETS, PROTS, Wrong, _Group, _mbind_ok, _migrate_ok


class Tasks:
    """The task groups of a `Soak` (a mixin: it drives the Soak's machine and model)."""

    def tasks(self, sched_seed, subs):
        """Start `subs` as tasks (one per process; kernel ones as init), step them by a seeded choice."""
        rng = random.Random(sched_seed)
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
