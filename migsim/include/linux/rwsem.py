"""include/linux/rwsem.h: read-write semaphores (mm->mmap_sem).

Taking one is a scheduling point; a task that cannot take it sleeps there.
Simplified: no fairness queue (a waiting writer does not hold off readers).
"""

from ...errors import KernelBug
from ...sched import Point, Wait


class RWSem:
    """struct rw_semaphore: `readers` count and a `writer` flag."""

    __slots__ = ("name", "readers", "writer")

    def __init__(self, name):
        self.name, self.readers, self.writer = name, 0, False

    def __repr__(self):
        state = "write-locked" if self.writer else (f"{self.readers} readers" if self.readers else "free")
        return f"&{self.name} ({state})"


def down_read(sem):
    yield Point("down_read", (sem,))
    while sem.writer:
        yield Wait("down_read", sem, lambda: not sem.writer, (sem,))
    sem.readers += 1


def up_read(sem):
    if sem.readers <= 0:
        raise KernelBug(f"up_read of {sem.name} without readers", "include/linux/rwsem.h")
    sem.readers -= 1


def down_write(sem):
    yield Point("down_write", (sem,))
    while sem.writer or sem.readers:
        yield Wait("down_write", sem, lambda: not (sem.writer or sem.readers), (sem,))
    sem.writer = True


def up_write(sem):
    if not sem.writer:
        raise KernelBug(f"up_write of {sem.name} not write-locked", "include/linux/rwsem.h")
    sem.writer = False
