"""Exercise 06.4 (find): setup(k) gives a process range on node 0 with some pages in the swap cache (mapped) and some not, for its own mbind MPOL_MF_MOVE, in the shape of the variant."""

from migsim import PAGE_SIZE as PAGE

STUDENT = "s1234567"


def _in_swap_cache(k, p, addr):
    pg = k.page(p, addr, default=None)
    return pg is not None and "swapcache" in str(getattr(pg, "flags", "")).lower()


# CORRECT 1: write the variant's cached pages, swap area, reclaim swaps them out, read them back
# in (they stay in the swap cache), then the rest in a fresh vma.
def setup_reclaim(k, variant):
    p = k.spawn("app", uid=0)
    a = p.mmap(variant.cached)
    for i in range(variant.cached):
        p.write(a + i * PAGE, b"data %d" % i)
    k.sys_swapon(32)
    k.reclaim(64)
    for i in range(variant.cached):
        p.read(a + i * PAGE, 4)
    fresh = variant.pages - variant.cached
    b = p.mmap(fresh)
    for i in range(fresh):
        p.write(b + i * PAGE, b"fresh %d" % i)  # never swapped: not in the swap cache
    return p, a, variant.pages if b == a + variant.cached * PAGE else variant.cached


# CORRECT 2: one mapping: the first pages swapped and read back, the others written only after reclaim.
def setup_one_vma(k, variant):
    p = k.spawn("db", uid=0)
    a = p.mmap(variant.pages)
    for i in range(variant.cached):
        p.write(a + i * PAGE, b"old %d" % i)
    k.sys_swapon(16)
    k.reclaim(64)
    for i in range(variant.cached):
        p.read(a + i * PAGE, 3)
    for i in range(variant.cached, variant.pages):
        p.write(a + i * PAGE, b"new %d" % i)
    return p, a, variant.pages


CORRECT = {"reclaim_then_fresh_vma": {"student": STUDENT, "setup": setup_reclaim},
           "one_vma_half_swapped": {"student": STUDENT, "setup": setup_one_vma}}


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


WRONG = {"nothing_in_swap_cache": {"student": STUDENT, "setup": setup_no_swapcache},
         "swapped_not_back": {"student": STUDENT, "setup": setup_not_back_in},
         "swapcache_page_shared": {"student": STUDENT, "setup": setup_shared}}


def setup_hog(k):
    return [k] * (10 ** 11), 0, 0


HOSTILE = {"huge_list": {"student": STUDENT, "setup": setup_hog}}
