"""A simulated process: the user-space side of the machine.

Each method is something the process does — a system call, or a load or
store that may fault. Arguments are checked first (a mistake raises
MigsimError, a bad address SegmentationFault) and nothing changes before
that. Every method can also be started as a task: ``k.start(p.fork)``.

The process keeps a *shadow* of what it has written to its private memory,
independent of the kernel, so that `Kernel.check()` can tell whether every
process reads back exactly what it last wrote.
"""

import functools

from .errors import MigsimError, OutOfMemory, SegmentationFault, bad_value, check_int
from .include.asm_i386 import pgtable as pg
from .include.asm_i386.pgtable import ZERO_PAGE
from .include.linux.mm import VM_READ, VM_SHARED, VM_WRITE
from .include.linux.pgtable_walk import get_pte, set_pte_at
from .include.linux.rwsem import down_read, down_write, up_read, up_write
from .include.linux.sched import TaskStruct
from .include.asm_i386.mman import MAP_PRIVATE, MAP_SHARED
from .include.linux.mempolicy import MPOL_BIND, MPOL_DEFAULT, MPOL_INTERLEAVE, MPOL_PREFERRED
from .uapi import check_comm, nodemask, prot_bits

MODES = {"default": MPOL_DEFAULT, "preferred": MPOL_PREFERRED, "bind": MPOL_BIND,
         "interleave": MPOL_INTERLEAVE}


def user_call(make):
    """Turn `make(self, ...) -> generator` into a call that runs it, and that k.start can run."""
    @functools.wraps(make)
    def call(self, *args, **kwargs):
        return self.k._run(make(self, *args, **kwargs), self)

    def make_gen(self, *args, **kwargs):
        return make(self, *args, **kwargs), self

    call.make_gen = make_gen
    return call


class Process(TaskStruct):
    """A process of the simulated machine (pid, comm, uid, node, mm)."""

    def __init__(self, k, pid, comm, uid, node, caps=()):
        super().__init__(pid, comm, uid, node, caps)
        self.k = k
        self.shadow = {}           # page address -> the bytes this process last wrote there
        self.unmapping = None      # (start, end) of this process's munmap in flight, for check()

    def __repr__(self):
        state = "exited" if self.exit_state else f"{len(self.mm.mmap)} vmas" if self.mm else "no mm"
        return f"<process {self.pid} {self.comm} uid={self.uid} node={self.node}: {state}>"

    # --- checks -----------------------------------------------------------------

    def _alive(self):
        if self.exit_state or self.mm is None:
            live = ", ".join(map(str, sorted(self.k.tasks_by_pid))) or "none"
            raise MigsimError(f"process {self.pid} ({self.comm}) has exited: it can do nothing more "
                              f"(expected a live process; live pids: {live})")

    def _range(self, addr, length, need):
        """Check [addr, addr+length) is mapped with rights `need`; the vmas, or SegmentationFault."""
        check_int("address", addr, 0, pg.TASK_SIZE - 1)
        end = addr + length
        pos, vmas = addr, []
        for vma in self.mm.mmap:
            if vma.vm_end <= pos or pos >= end:
                continue
            if vma.vm_start > pos:
                break
            if vma.vm_flags & need != need:
                kind = "write to" if need & VM_WRITE else "read from"
                raise SegmentationFault(f"{self.comm}[{self.pid}]: cannot {kind} 0x{pos:08x}: "
                                        f"mapping {vma.describe()} does not allow it")
            vmas.append(vma)
            pos = vma.vm_end
        if pos < end:
            raise SegmentationFault(f"{self.comm}[{self.pid}]: segfault at 0x{pos:08x}: no mapping there "
                                    f"(mapped: {', '.join(v.describe() for v in self.mm.mmap) or 'nothing'})")
        return vmas

    # --- memory access (the MMU) -----------------------------------------------

    @user_call
    def write(self, addr, data):
        """Store `data` (bytes) at `addr`, faulting pages in as the MMU would."""
        self._alive()
        if not isinstance(data, (bytes, bytearray)) or not data:
            raise bad_value("data", data, "non-empty bytes")
        self._range(addr, len(data), VM_WRITE)
        return self._access(addr, len(data), bytes(data))

    @user_call
    def read(self, addr, length):
        """Load `length` bytes from `addr` (faulting as needed); return them."""
        self._alive()
        check_int("length", length, 1, pg.TASK_SIZE)
        self._range(addr, length, VM_READ)
        return self._access(addr, length, None)

    def _access(self, addr, length, data):
        k, mm = self.k, self.mm
        out = bytearray()
        pos, end = addr, addr + length
        while pos < end:
            page_addr = pos & pg.PAGE_MASK
            stop = min(end, page_addr + pg.PAGE_SIZE)
            vma = k.find_vma(mm, pos)
            pte = yield from self._fault_in(vma, page_addr, data is not None)
            set_pte_at(mm, page_addr, pte | pg._PAGE_ACCESSED | (pg._PAGE_DIRTY if data is not None else 0))
            page = k.pfn_to_page(pg.pte_pfn(pte))
            off, n = pos - page_addr, stop - pos
            if data is None:
                out += ZERO_PAGE[:n] if page.data is None else page.data[off:off + n]
            else:
                chunk = data[pos - addr:pos - addr + n]
                if page.data is None:
                    page.data = bytearray(pg.PAGE_SIZE)
                page.data[off:off + n] = chunk
                self._shadow_store(vma, page_addr, off, chunk)
            pos = stop
        return bytes(out) if data is None else length

    def _fault_in(self, vma, page_addr, write):
        """Fault until the pte allows the access; return it."""
        k, mm = self.k, self.mm
        while True:
            pte = get_pte(mm, page_addr)
            if pte & pg._PAGE_PRESENT and (not write or pg.pte_write(pte)):
                return pte
            yield from down_read(mm.mmap_sem)
            ret = yield from k.handle_mm_fault(mm, vma, page_addr, int(write))
            up_read(mm.mmap_sem)
            if ret == 0:
                raise OutOfMemory(f"Out of memory: {self.comm}[{self.pid}] faulting at 0x{page_addr:08x}")
            if ret == 1:
                raise SegmentationFault(f"{self.comm}[{self.pid}]: SIGBUS at 0x{page_addr:08x}")

    def _shadow_store(self, vma, page_addr, off, chunk):
        """Record a store in the shadow: the file's for shared mappings, ours otherwise."""
        if vma.vm_flags & VM_SHARED:
            inode = vma.vm_file
            index = ((page_addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff
            old = inode.shadow.get(index, ZERO_PAGE)
            inode.shadow[index] = old[:off] + chunk + old[off + len(chunk):]
        else:
            old = self.expected(vma, page_addr)
            self.shadow[page_addr] = old[:off] + chunk + old[off + len(chunk):]

    def expected(self, vma, page_addr):
        """The bytes this process should read at `page_addr` (from the shadows)."""
        if page_addr in self.shadow:
            return self.shadow[page_addr]
        if vma.vm_file is not None:
            index = ((page_addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff
            return vma.vm_file.shadow.get(index, ZERO_PAGE)
        return ZERO_PAGE

    # --- system calls -------------------------------------------------------------

    @user_call
    def mmap(self, npages, file=None, shared=False, prot="rw", offset=0):
        """Map `npages` pages (anonymous, or of `file` from page `offset`): the address or -errno."""
        self._alive()
        check_int("npages", npages, 1, 1 << 19)
        prot = prot_bits(prot)
        if not isinstance(shared, bool):
            raise bad_value("shared", shared, "True or False")
        if file is not None:
            if file not in self.k.files.values():
                raise bad_value("file", file, f"a file made by k.create_file (files: {sorted(self.k.files)})")
            check_int("offset (in pages)", offset, 0, file.npages - 1)
        elif shared:
            raise bad_value("shared", shared, "False for anonymous memory (shared anonymous maps are not simulated)")
        elif offset:
            raise bad_value("offset", offset, "0 for anonymous memory")
        flags = MAP_SHARED if shared else MAP_PRIVATE
        return self.k.do_mmap_pgoff(file, npages * pg.PAGE_SIZE, prot, flags, offset)

    @user_call
    def munmap(self, addr, npages):
        """Unmap `npages` pages from `addr`: 0 or -errno."""
        self._alive()
        check_int("address", addr, 0, pg.TASK_SIZE - 1)
        check_int("npages", npages, 1, 1 << 20)
        return self._munmap(addr, npages * pg.PAGE_SIZE)

    def _munmap(self, addr, length):
        mm = self.mm
        yield from down_write(mm.mmap_sem)
        self.unmapping = (addr, addr + ((length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK))   # check(): zapped, not lost
        try:
            err = yield from self.k.do_munmap(mm, addr, length)
        finally:
            self.unmapping = None
        up_write(mm.mmap_sem)
        if not err:
            for a in [a for a in self.shadow if addr <= a < addr + length]:
                del self.shadow[a]
        return err

    @user_call
    def mprotect(self, addr, npages, prot):
        """Change the protection of `npages` pages at `addr` ("r", "rw", ""...): 0 or -errno."""
        self._alive()
        check_int("npages", npages, 0, 1 << 20)
        return self.k.syscall("sys_mprotect", addr, npages * pg.PAGE_SIZE, prot)

    @user_call
    def mbind(self, addr, npages, mode, nodes=(), flags=0):
        """Set the NUMA policy of a range (mode "bind", "interleave", "preferred", "default"): 0 or -errno."""
        self._alive()
        if isinstance(mode, str):
            if mode not in MODES:
                raise bad_value("mode", mode, f"one of {sorted(MODES)}")
            mode = MODES[mode]
        check_int("npages", npages, 0, 1 << 20)
        return self.k.syscall("sys_mbind", addr, npages * pg.PAGE_SIZE, mode, nodes, flags)

    @user_call
    def migrate_pages(self, pid, old_nodes, new_nodes):
        """sys_migrate_pages issued by this process (so with its rights): pages not moved, or -errno."""
        self._alive()
        return self.k.syscall("sys_migrate_pages", pid, old_nodes, new_nodes)

    @user_call
    def move_pages(self, pid, pages, nodes, status, flags=0):
        """sys_move_pages issued by this process (2.6.18 on): pages not moved, or -errno; fills `status`."""
        self._alive()
        if "sys_move_pages" not in self.k.SYMBOLS:
            raise MigsimError(f"sys_move_pages does not exist at {self.k.at}: it arrives with move-pages "
                              f"(expected a kernel at move-pages or later)")
        return self.k.syscall("sys_move_pages", pid, pages, nodes, status, flags)

    @user_call
    def fork(self, comm=None):
        """Fork: the child process (it shares this one's pages copy-on-write).

        The child is called `comm` if given (as if it had renamed itself with
        prctl(PR_SET_NAME) at once), else by this process's name, as fork copies it.
        """
        self._alive()
        comm = self.comm if comm is None else check_comm(comm)
        child = Process(self.k, self.k._new_pid(), comm, self.uid, self.node, self.caps)
        child.parent = self
        return self._fork(child)

    def _fork(self, child):
        shadow = dict(self.shadow)            # a single-threaded parent cannot write during its fork
        err = yield from self.k.do_fork(self, child)
        if err < 0:
            return err
        child.shadow = shadow
        return child

    @user_call
    def exit(self, code=0):
        """The process exits; all its memory is released."""
        self._alive()
        check_int("exit code", code, 0, 255)
        return self._exit(code)

    def _exit(self, code):
        yield from self.k.do_exit(self, code)
        self.shadow.clear()
        return 0


__all__ = ["Process", "nodemask"]
