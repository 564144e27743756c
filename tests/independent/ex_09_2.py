"""Exercise 09.2 (find): the fewest calls (one swapon more than the free slots) that overflow swap_info[] at cow-fix."""

STUDENT = "s1234567"


# CORRECT 1: the free slots of MAX_SWAPFILES (30) filled; one more is the overflow.
def setup_loop(k):
    for _ in range(k.MAX_SWAPFILES - k.nr_swapfiles + 1):
        k.sys_swapon(1)


# CORRECT 2: swapon until an area gets a type with no slot (or is refused), different sizes.
def setup_until(k):
    n = 0
    while n < 31:
        n += 1
        t = k.sys_swapon(n)
        if t < 0 or t >= 30:
            break


CORRECT = {
    "thirty_one_swapons": {"student": STUDENT, "setup": setup_loop},
    "swapon_until_type_30": {"student": STUDENT, "setup": setup_until},
}


# WRONG 1: off by one: the free slots filled, and nothing is written past the end.
def setup_thirty(k):
    for _ in range(k.MAX_SWAPFILES - k.nr_swapfiles):
        k.sys_swapon(1)


# WRONG 2: overflows, but is not the smallest: a 32nd swapon (and a process) more than needed.
def setup_too_many(k):
    p = k.spawn("x")
    p.write(p.mmap(1), b"x")
    for _ in range(32):
        k.sys_swapon(2)


# WRONG 3: confuses the size of an area with the count of areas: two swapons of 30 and 31 slots
# use swap_info[0] and [1] only; nothing is written past the end.
def setup_two(k):
    k.sys_swapon(30)
    k.sys_swapon(31)


WRONG = {
    "thirty_swapons": {"student": STUDENT, "setup": setup_thirty},       # one short: no overflow
    "not_minimal": {"student": STUDENT, "setup": setup_too_many},         # overflow with extra calls
    "sizes_not_counts": {"student": STUDENT, "setup": setup_two},         # confuses slots with areas
}


# HOSTILE: raises SystemExit (a student's "quit()").
def setup_exit(k):
    raise SystemExit(1)


# HOSTILE 2: patch the cached kernel class so the swapon-fix build overflows too.
def setup_poison(k):
    import migsim.machine as machine
    try:
        machine.build("swapon-fix").MAX_SWAPFILES = 31
    except Exception:
        pass
    for _ in range(k.MAX_SWAPFILES - k.nr_swapfiles + 1):
        k.sys_swapon(1)


HOSTILE = {
    "system_exit": {"student": STUDENT, "setup": setup_exit},
    "poison_cached_build": {"student": STUDENT, "setup": setup_poison},
}
