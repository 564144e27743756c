"""migsim: Linux page migration, 2.6.16 to 2.6.18, one patch at a time.

    import migsim
    k = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
    p = k.spawn("gcc")
    a = p.mmap(4)
    p.write(a, b"hello")
    k.sys_swapon(64)
    k.sys_migrate_pages(p.pid, [0], [1])
    k.check()
    print(k.dump())
"""

from . import series
from .errors import (BadPageState, Deadlock, KernelBug, MemoryCorruption, MigsimError, OutOfMemory,
                     SegmentationFault, TaskError, UnknownStep, WouldBlock)
from .include.asm_i386.pgtable import PAGE_SIZE
from .machine import Kernel
from .include.linux.mempolicy import (MPOL_BIND, MPOL_DEFAULT, MPOL_INTERLEAVE, MPOL_MF_MOVE,
                                      MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, MPOL_PREFERRED)

__version__ = "0.1.0"

__all__ = ["Kernel", "series", "PAGE_SIZE",
           "KernelBug", "BadPageState", "MemoryCorruption", "Deadlock", "MigsimError",
           "UnknownStep", "TaskError", "WouldBlock", "SegmentationFault", "OutOfMemory",
           "MPOL_DEFAULT", "MPOL_PREFERRED", "MPOL_BIND", "MPOL_INTERLEAVE",
           "MPOL_MF_STRICT", "MPOL_MF_MOVE", "MPOL_MF_MOVE_ALL"]
