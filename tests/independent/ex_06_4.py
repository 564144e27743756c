"""Exercise 06.4 (find): setup(k) gives a process range on node 0 with some pages in the swap cache (mapped) and some not, for its own mbind MPOL_MF_MOVE."""

from migsim import PAGE_SIZE as PAGE


def _in_swap_cache(k, p, addr):
    pg = k.page(p, addr, default=None)
    return pg is not None and "swapcache" in str(getattr(pg, "flags", "")).lower()


# CORRECT 1: write 4 pages, swap area, reclaim swaps them out, read two back in (they stay in
# the swap cache), write-fault the other two back as well, then dirty a fresh one.
def setup_reclaim(k):
    p = k.spawn("app", uid=0)
    a = p.mmap(4)
    for i in range(4):
        p.write(a + i * PAGE, b"data %d" % i)
    k.sys_swapon(32)
    k.reclaim(64)
    for i in range(4):
        p.read(a + i * PAGE, 4)
    b = p.mmap(2)
    p.write(b, b"fresh")                 # never swapped: not in the swap cache
    p.write(b + PAGE, b"fresh2")
    return p, a, 6 if b == a + 4 * PAGE else 4


# CORRECT 2: one mapping: pages 0-2 swapped and read back, pages 3-5 written only after reclaim.
def setup_one_vma(k):
    p = k.spawn("db", uid=0)
    a = p.mmap(6)
    for i in range(3):
        p.write(a + i * PAGE, b"old %d" % i)
    k.sys_swapon(16)
    k.reclaim(64)
    for i in range(3):
        p.read(a + i * PAGE, 3)
    for i in range(3, 6):
        p.write(a + i * PAGE, b"new %d" % i)
    return p, a, 6


CORRECT = {"reclaim_then_fresh_vma": {"setup": setup_reclaim},
           "one_vma_half_swapped": {"setup": setup_one_vma}}


# WRONG 1: no page was ever swapped: nothing in the swap cache, rip-out-swap migrates fine.
def setup_no_swapcache(k):
    p = k.spawn("app", uid=0)
    a = p.mmap(4)
    for i in range(4):
        p.write(a + i * PAGE, b"x %d" % i)
    k.sys_swapon(16)
    return p, a, 4


# WRONG 2: swapped out but never touched again: the pages are not in memory (swap ptes).
def setup_not_back_in(k):
    p = k.spawn("app", uid=0)
    a = p.mmap(4)
    for i in range(4):
        p.write(a + i * PAGE, b"x %d" % i)
    k.sys_swapon(16)
    k.reclaim(64)
    return p, a, 4


# WRONG 3: the swapped page is shared with a child: MPOL_MF_MOVE leaves shared pages alone.
def setup_shared(k):
    p = k.spawn("app", uid=0)
    a = p.mmap(2)
    for i in range(2):
        p.write(a + i * PAGE, b"x %d" % i)
    k.sys_swapon(16)
    k.reclaim(64)
    p.read(a, 1)
    p.fork(comm="kid")
    p.write(a + PAGE, b"y")
    return p, a, 2


WRONG = {"nothing_in_swap_cache": {"setup": setup_no_swapcache},
         "swapped_not_back": {"setup": setup_not_back_in},
         "swapcache_page_shared": {"setup": setup_shared}}


def setup_hog(k):
    return [k] * (10 ** 11), 0, 0


HOSTILE = {"huge_list": {"setup": setup_hog}}
