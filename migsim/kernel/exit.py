"""kernel/exit.c: a process exits and its address space goes away."""

from ..kbuild import kfile

exit_c = kfile("kernel/exit.c")


@exit_c.function(since="v2.6.16")
def exit_mm(k, tsk):
    """Drop the task's mm: the last user tears it down (mmput -> exit_mmap)."""
    mm = tsk.mm
    if mm is None:
        return
    tsk.mm = None
    yield from k.mmput(mm)


@exit_c.function(since="v2.6.16")
def mmput(k, mm):
    """Drop one user of an mm; the last one frees the address space."""
    mm.users -= 1
    if mm.users == 0:
        yield from k.exit_mmap(mm)
        k.mms.remove(mm)


@exit_c.function(since="v2.6.16")
def do_exit(k, tsk, code=0):
    """The task exits: its memory is freed and it is gone from the pid table."""
    yield from k.exit_mm(tsk)
    tsk.exit_state = "dead"
    tsk.exit_code = code
    k.tasks_by_pid.pop(tsk.pid, None)
    return 0
