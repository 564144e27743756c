"""include/linux/sched.h: struct task_struct and struct mm_struct.

Simplified: one thread per process; one page_table_lock per mm (2.6.16 could
split the pte lock per page-table page on large SMP configs).
"""

from .pgtable_walk import PageDirectory
from .rwsem import RWSem
from .spinlock import SpinLock

PF_SWAPWRITE = 0x00800000
CAP_SYS_ADMIN = "CAP_SYS_ADMIN"
CAP_SYS_NICE = "CAP_SYS_NICE"


class MM:
    """struct mm_struct: page tables, the vma list and their locks."""

    def __init__(self, owner):
        self.owner = owner
        self.users = 1                       # mm_users: the task, plus get_task_mm holders
        self.pgd = PageDirectory()         # pgd entry -> PageTable of 1024 ptes (ints)
        self.mmap = []                       # vmas sorted by address
        self.mmap_sem = RWSem(f"mm{owner.pid}->mmap_sem")
        self.page_table_lock = SpinLock(f"mm{owner.pid}->page_table_lock")
        self.anon_rss = 0
        self.file_rss = 0
        self.on_mmlist = False
        self.free_area_cache = 0x40000000    # next address for mmap (TASK_UNMAPPED_BASE)
        owner.k.mms.append(self)             # simulator bookkeeping: every mm, for the checker

    def __repr__(self):
        return f"<mm of pid {self.owner.pid}: {len(self.mmap)} vmas>"


class TaskStruct:
    """struct task_struct: who a process is to the kernel."""

    def __init__(self, pid, comm, uid, node, caps=()):
        self.pid, self.comm = pid, comm
        self.uid = self.euid = self.suid = uid
        self.caps = frozenset(caps)
        self.node = node             # the node of the CPU it runs on
        self.mm = None
        self.flags = 0
        self.parent = None
        self.exit_state = None       # None while alive, "dead" after exit

    def capable(self, cap):
        return cap in self.caps
