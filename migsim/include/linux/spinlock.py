"""include/linux/spinlock.h: spinlocks (and rwlock_t, used as a plain lock).

Taking a lock is a scheduling point: another CPU may run first, and a CPU
that finds the lock held waits (spins) at that point until it is released.
Releasing is not a point. Simplified: a rwlock_t (mapping->tree_lock) is
taken exclusively, which is how migration and the page cache's writers use it.
"""

from ...errors import KernelBug
from ...sched import Point, Wait


class SpinLock:
    """spinlock_t: `holder` names who holds it (None when free)."""

    __slots__ = ("name", "holder")

    def __init__(self, name):
        self.name, self.holder = name, None

    def __repr__(self):
        return f"&{self.name}" + (f" (held by {self.holder})" if self.holder else "")


def spin_lock(lock, who="?"):
    """Take `lock`, spinning while someone else holds it (a generator)."""
    yield Point("spin_lock", (lock,))
    while lock.holder is not None:
        yield Wait("spin_lock", lock, lambda: lock.holder is None, (lock,))
    lock.holder = who


def spin_unlock(lock):
    if lock.holder is None:
        raise KernelBug(f"spin_unlock of unlocked {lock.name}", "include/linux/spinlock.h")
    lock.holder = None


write_lock_irq = spin_lock
write_unlock_irq = spin_unlock
