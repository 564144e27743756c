"""Exercise 09.1 (fix): sys_swapon refuses a type with no slot in swap_info[] (type >= MAX_SWAPFILES) with -EPERM."""

from errno import EPERM

from migsim.include.linux.sched import CAP_SYS_ADMIN
from migsim.include.linux.spinlock import spin_lock, spin_unlock
from migsim.include.linux.swap import SWAP_MAP_BAD, SWP_ACTIVE, SWP_USED
from migsim.include.linux.swapops import pte_to_swp_entry, swp_entry, swp_entry_to_pte, swp_type


def _make(refuse, unlock=True):
    """sys_swapon at cow-fix with `refuse(k, type_)` deciding the range check."""
    def sys_swapon(k, nr_slots, prio=-1):
        if not k.current.capable(CAP_SYS_ADMIN):
            return -EPERM
        yield from spin_lock(k.swap_lock, k.who())
        type_ = 0
        while type_ < k.nr_swapfiles and k.swap_info[type_].flags & SWP_USED:
            type_ += 1
        if refuse(k, type_):
            if unlock:
                spin_unlock(k.swap_lock)
            return -EPERM
        if type_ >= k.nr_swapfiles:
            k.nr_swapfiles = type_ + 1
        si = k.swap_info[type_]
        si.flags = SWP_USED
        spin_unlock(k.swap_lock)
        si.name = f"swap{type_}"
        si.max = nr_slots + 1
        si.swap_map = [SWAP_MAP_BAD] + [0] * nr_slots
        si.lowest_bit, si.highest_bit = 1, nr_slots
        si.inuse_pages = 0
        if prio < 0:
            k.least_priority -= 1
            prio = k.least_priority
        si.prio = prio
        si.flags = SWP_ACTIVE
        k.nr_swap_pages += nr_slots
        k.total_swap_pages += nr_slots
        k.printk(f"Adding {nr_slots * 4}k swap on {si.name}.  Priority:{prio} extents:1")
        return type_
    return sys_swapon


# A separate, hand-written version for a different shape: check before the scan ends.
def sys_swapon_scan_bounded(k, nr_slots, prio=-1):
    if not k.current.capable(CAP_SYS_ADMIN):
        return -EPERM
    yield from spin_lock(k.swap_lock, k.who())
    type_ = 0
    while type_ < k.nr_swapfiles and k.swap_info[type_].flags & SWP_USED:
        type_ += 1
    ok = type_ in range(k.MAX_SWAPFILES)
    if not ok:
        spin_unlock(k.swap_lock)
        return -EPERM
    if type_ >= k.nr_swapfiles:
        k.nr_swapfiles = type_ + 1
    si = k.swap_info[type_]
    si.flags = SWP_USED
    spin_unlock(k.swap_lock)
    si.name = f"swap{type_}"
    si.max = nr_slots + 1
    si.swap_map = [SWAP_MAP_BAD] + [0] * nr_slots
    si.lowest_bit, si.highest_bit = 1, nr_slots
    si.inuse_pages = 0
    if prio < 0:
        k.least_priority -= 1
        prio = k.least_priority
    si.prio = prio
    si.flags = SWP_ACTIVE
    k.nr_swap_pages += nr_slots
    k.total_swap_pages += nr_slots
    k.printk(f"Adding {nr_slots * 4}k swap on {si.name}.  Priority:{prio} extents:1")
    return type_


CORRECT = {
    "type_ge_max_swapfiles": {"sys_swapon": _make(lambda k, t: t >= k.MAX_SWAPFILES)},
    "type_in_range": {"sys_swapon": sys_swapon_scan_bounded},
    # the largest type with a slot, against the encodable-type form of the old check
    "last_slot_plus_one": {"sys_swapon": _make(lambda k, t: t > k.MAX_SWAPFILES - 1)},
}

WRONG = {
    # off by one: type 30 (== MAX_SWAPFILES) gets through, swap_info[30] is past the end
    "greater_than_max": {"sys_swapon": _make(lambda k, t: t > k.MAX_SWAPFILES)},
    # off by one the other way: the last real slot (29) is refused
    "refuses_last_slot": {"sys_swapon": _make(lambda k, t: t >= k.MAX_SWAPFILES - 1)},
    # the old 32-entry bound hard-coded: right only before migration entries took types 30, 31
    "hardcoded_32": {"sys_swapon": _make(lambda k, t: t >= 32)},
    # right check, but returns with swap_lock held: the next swapon spins for ever
    "lock_left_held": {"sys_swapon": _make(lambda k, t: t >= k.MAX_SWAPFILES, unlock=False)},
}


def _grow_array(k, nr_slots, prio=-1):
    """Hostile: make swap_info bigger from inside, then let the overflow 'pass'."""
    try:
        type(k).MAX_SWAPFILES = 64
        k.MAX_SWAPFILES = 64
    except Exception:
        pass
    import migsim
    for name in dir(migsim):
        if name.startswith("grading"):
            setattr(migsim, name, None)
    yield from _make(lambda k, t: False)(k, nr_slots, prio)
    return 0


def _spin(k, nr_slots, prio=-1):
    import signal, sys
    sys.settrace(None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0)
    except (ValueError, AttributeError):
        pass
    while True:
        pass
    yield


HOSTILE = {
    "monkeypatch_max_swapfiles": {"sys_swapon": _grow_array},
    "untraced_spin": {"sys_swapon": _spin},
}
