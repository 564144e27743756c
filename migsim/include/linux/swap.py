"""include/linux/swap.h: swap areas (struct swap_info_struct) and constants."""

from ...kbuild import kfile
from ..asm_i386.pgtable import PAGE_SIZE

swap_h = kfile("include/linux/swap.h")

MAX_SWAPFILES_SHIFT = 5
swap_h.const("MAX_SWAPFILES", 1 << MAX_SWAPFILES_SHIFT, since="v2.6.16")

# With CONFIG_MIGRATION the two highest swap types are taken for migration entries.
swap_h.const("MAX_SWAPFILES", (1 << MAX_SWAPFILES_SHIFT) - 2, since="migration-entries")
swap_h.const("SWP_MIGRATION_READ", (1 << MAX_SWAPFILES_SHIFT) - 2, since="migration-entries")
swap_h.const("SWP_MIGRATION_WRITE", (1 << MAX_SWAPFILES_SHIFT) - 1, since="migration-entries")

SWP_USED = 1
SWP_WRITEOK = 2
SWP_ACTIVE = SWP_USED | SWP_WRITEOK
SWAP_MAP_MAX = 0x7FFF
SWAP_MAP_BAD = 0x8000

# pageout() results (vmscan.c in 2.6.16)
PAGE_KEEP, PAGE_ACTIVATE, PAGE_SUCCESS, PAGE_CLEAN = "PAGE_KEEP", "PAGE_ACTIVATE", "PAGE_SUCCESS", "PAGE_CLEAN"


class SwapInfo:
    """struct swap_info_struct: one swap area and its per-slot use counts.

    Slot 0 holds the swap header and is never handed out. `store` is the
    device itself: slot -> the bytes written there since swapon. Nothing
    zero-fills a swap device: a slot not written since swapon holds what a
    previous boot left in it (`read_slot`), bytes that name the slot.
    """

    __slots__ = ("type", "flags", "swap_map", "max", "inuse_pages", "prio",
                 "lowest_bit", "highest_bit", "cluster_next", "store", "name", "seed")

    def __init__(self, type_, seed=0):
        self.type = type_
        self.flags = 0
        self.swap_map = []
        self.max = 0
        self.inuse_pages = 0
        self.prio = 0
        self.lowest_bit = self.highest_bit = self.cluster_next = 0
        self.store = {}
        self.name = ""
        self.seed = seed

    def read_slot(self, offset):
        """The bytes on the device at `offset` (None: a page of zeroes was written there)."""
        if offset in self.store:
            return self.store[offset]
        return stale_slot(self.type, offset, self.seed)

    def __repr__(self):
        if not self.flags:
            return f"<swap_info[{self.type}] unused>"
        return (f"<swap_info[{self.type}] {self.name}: {self.inuse_pages}/{self.max - 1} "
                f"slots used, prio {self.prio}>")


def stale_slot(type_, offset, seed):
    """What a slot never written since swapon holds: a previous boot's page, naming the slot."""
    line = f"stale swap{type_} slot {offset}, left by a previous boot (seed {seed})\n".encode()
    return (line * (PAGE_SIZE // len(line) + 1))[:PAGE_SIZE]


class SwapInfoArray(list):
    """`static struct swap_info_struct swap_info[MAX_SWAPFILES]`: a C array, not a list.

    Python would refuse an index past the end; C does not. Here such an index
    reaches the memory after the array (in mm/swapfile.c, the variables that
    follow it), which the caller then overwrites: the machine records the
    corruption, and `Kernel.check()` reports it.
    """

    def __init__(self, kernel, n):
        super().__init__(SwapInfo(i, kernel.seed) for i in range(n))
        self.kernel = kernel
        self.beyond = {}

    def __getitem__(self, i):
        if isinstance(i, slice):
            stop = len(self) if i.stop is None else i.stop
            return [self[j] for j in range(*slice(i.start, stop, i.step).indices(max(stop, len(self))))]
        if i >= len(self):
            if i not in self.beyond:
                self.beyond[i] = SwapInfo(i, self.kernel.seed)
                self.kernel.corruption.append(
                    f"swap_info[{i}] is past the end of the {len(self)}-entry array: "
                    f"it overwrites the kernel data that follows it")
            return self.beyond[i]
        return super().__getitem__(i)
