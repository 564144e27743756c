"""kernel/fork.c: fork, and the copy of the parent's address space.

dup_mmap holds the parent's mmap_sem for writing. For each vma it links the
child's copy into the rmap (anon_vma list, file i_mmap) *before* copying the
page tables, and passes a scheduling point between vmas.
Simplified: only fork (no clone flags, threads or vfork); one task per process.
"""


from ..include.linux.mm import VM_DONTCOPY, VM_LOCKED, VMA
from ..include.linux.rwsem import down_write, up_write
from ..include.linux.sched import MM
from ..kbuild import kfile
from ..sched import Point

fork_c = kfile("kernel/fork.c")


@fork_c.function(since="v2.6.16")
def dup_mmap(k, mm, oldmm):
    """Copy every vma of `oldmm` into the child's `mm`, with its page tables."""
    yield from down_write(oldmm.mmap_sem)
    retval = 0
    for mpnt in list(oldmm.mmap):
        yield Point("dup_mmap_vma", ())        # the next vma to copy; touches only the new mm
        if mpnt.vm_flags & VM_DONTCOPY:
            continue
        tmp = VMA(mm, mpnt.vm_start, mpnt.vm_end, mpnt.vm_flags & ~VM_LOCKED, mpnt.vm_page_prot,
                  mpnt.vm_pgoff, mpnt.vm_file)
        tmp.anon_vma, tmp.vm_policy = mpnt.anon_vma, mpnt.vm_policy
        yield from k.anon_vma_link(tmp)
        yield from k.vma_link(mm, tmp, after=mpnt)   # file vmas: vma_prio_tree_add after the parent's
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        if retval:
            break
    up_write(oldmm.mmap_sem)
    return retval


@fork_c.function(since="v2.6.16")
def copy_mm(k, tsk, parent):
    """Give the child a copy of the parent's mm."""
    mm = MM(tsk)
    mm.free_area_cache = parent.mm.free_area_cache
    tsk.mm = mm
    return (yield from k.dup_mmap(mm, parent.mm))


@fork_c.function(since="v2.6.16")
def do_fork(k, parent, child):
    """Fork `parent` into the new task `child`: the child's pid, or -errno."""
    err = yield from k.copy_mm(child, parent)
    if err:
        return err
    k.tasks_by_pid[child.pid] = child
    return child.pid
