"""include/linux/rmap.h: struct anon_vma, the reverse map of anonymous pages.

Every vma that may hold pages of one anonymous "family" (a process and the
children it forked) is on its anon_vma's `head` list. The order of that list
is the order in which rmap walks (try_to_unmap, remove_from_swap ...) visit
the vmas, which matters once walks and fork interleave.
"""

from .spinlock import SpinLock

SWAP_SUCCESS = 0
SWAP_AGAIN = 1
SWAP_FAIL = 2


class AnonVma:
    """struct anon_vma: a lock and the ordered list of vmas that share it."""

    is_anon_vma = True

    def __init__(self, id_):
        self.id = id_
        self.lock = SpinLock(f"anon_vma{self.id}->lock")
        self.head = []

    def __repr__(self):
        return f"<anon_vma #{self.id}: {len(self.head)} vmas>"
