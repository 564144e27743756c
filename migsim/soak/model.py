"""The soak's model of the machine, kept apart from the simulator, and what calls may answer.

`Proc` is what a process must see: its regions and the private pages it has
written; the files' contents are kept by the workload (`Soak.fmodel`).
"""

from dataclasses import dataclass, replace
from errno import EINVAL, EIO, ENODEV, ENOMEM, EPERM, ESRCH

from ..include.linux.mempolicy import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT
from ..include.asm_i386.pgtable import PAGE_SIZE


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
