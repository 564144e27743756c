"""Chapter 10, what 2.6.18 shipped (step move-pages, sys_move_pages): its exercise.

10.1 (fix): the per-page loop of do_move_pages, which decides each page's
status (its node, -EFAULT, -ENOENT, -EACCES, -EBUSY) and isolates the pages
that must move. It is judged on the kernel as 2.6.18 shipped it (the step
before the release id is mlock-migrate, whose files are the release's): the
rows of an errno table after LTP's move_pages cases, the pages really moved
with their contents, and writers racing the move (k.check() after every
scheduling point, no write lost).
"""

import random

from .. import series
from ..include.linux.page_flags import ClearPageLRU, SetPageLRU
from ..mm.mempolicy import MPOL_MF_MOVE, MPOL_MF_MOVE_ALL
from .checks import drive
from .core import Fix, Predict, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
EPERM, ENOENT, EFAULT, EACCES, EBUSY = 1, 2, 14, 13, 16
UNSET = "unset"
TOP = 0xBFFF0000       # an address above every vma: no vma (find_vma finds none)


def machine(make, seed=7):
    """gcc (uid 1000) with pages 0 and 1 written and page 2 never touched, at address `a`."""
    k = make(nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn("gcc")
    a = p.mmap(3)
    p.write(a, b"zero")
    p.write(a + PAGE, b"one")
    return k, p, a


def call(k, p, addrs, nodes, flags=MPOL_MF_MOVE, root=False, checked=True):
    """sys_move_pages of `p`'s pages `addrs` as a task (as `p`, or as root), checked after every point."""
    status = [UNSET] * len(addrs)
    t = k.start(k.sys_move_pages if root else p.move_pages, p.pid, list(addrs), nodes, status, flags)
    drive(k, t, after=k.check if checked else None, what="sys_move_pages to finish")
    return t.result, status


def expect_call(got, ret, status, what):
    expect(got == (ret, status), f"{what}: return {ret}, status {status}", f"return {got[0]}, status {got[1]}")


def on_node(k, p, addr, node, data):
    page = k.page(p, addr)
    expect(page.node == node, f"the page at 0x{addr:08x} on node {node}", f"it is on node {page.node}")
    got = p.read(addr, len(data))
    expect(got == data, f"{p.comm} to read {data!r} there", repr(got))


@check("two pages move, their status is their new node")
def check_moves(make):
    k, p, a = machine(make)
    expect_call(call(k, p, [a, a + PAGE], [1, 1]), 0, [1, 1], "two pages moved to node 1")
    on_node(k, p, a, 1, b"zero")
    on_node(k, p, a + PAGE, 1, b"one")


@check("a page never touched: -ENOENT, the others still move")
def check_not_present(make):
    k, p, a = machine(make)
    expect_call(call(k, p, [a, a + 2 * PAGE], [1, 1]), 0, [1, -ENOENT], "a page never touched")
    on_node(k, p, a, 1, b"zero")


@check("an address with no vma at or above it: -EFAULT")
def check_no_vma(make):
    k, p, a = machine(make)
    expect_call(call(k, p, [a + PAGE, TOP], [1, 1]), 0, [1, -EFAULT], "an address with no vma")
    on_node(k, p, a + PAGE, 1, b"one")


@check("a page already on its node: its node, and it stays")
def check_already_there(make):
    k, p, a = machine(make)
    expect_call(call(k, p, [a, a + PAGE], [0, 1]), 0, [0, 1], "a page already on its node")
    on_node(k, p, a, 0, b"zero")


@check("nothing needs moving: the call answers -ENOENT")
def check_nothing_to_move(make):
    k, p, a = machine(make)
    expect_call(call(k, p, [a, a + PAGE], [0, 0]), -ENOENT, [UNSET, UNSET],
                "no page needing a move (the whole call answers -ENOENT)")
    on_node(k, p, a, 0, b"zero")


@check("a page shared with a child: -EACCES without MPOL_MF_MOVE_ALL, moves with it")
def check_shared(make):
    k, p, a = machine(make)
    c = p.fork()                              # both pages mapped twice, copy-on-write ...
    p.write(a + PAGE, b"mine")                # ... the second is p's alone again
    expect_call(call(k, p, [a, a + PAGE], [1, 1]), 0, [-EACCES, 1],
                "a page shared with a child, without MPOL_MF_MOVE_ALL")
    on_node(k, p, a, 0, b"zero")
    expect_call(call(k, p, [a], [1], MPOL_MF_MOVE_ALL, root=True), 0, [1],
                "the same page with MPOL_MF_MOVE_ALL, as root")
    on_node(k, p, a, 1, b"zero")
    on_node(k, c, a, 1, b"zero")


@check("a page off the LRU: -EBUSY")
def check_busy(make):
    k, p, a = machine(make)
    page = k.page(p, a)
    ClearPageLRU(page)                        # as if reclaim were isolating it (so no k.check() now)
    try:
        expect_call(call(k, p, [a, a + PAGE], [1, 1], checked=False), 0, [-EBUSY, 1], "a page off the LRU")
    finally:
        SetPageLRU(page)
    k.check()
    on_node(k, p, a, 0, b"zero")


@check("writers race the move: no write lost")
def check_writers(make):
    """Root moves every page of a parent and its child while both write, at seeded random points."""
    for seed in range(3):
        rng = random.Random(seed)
        k = make(nodes=2, frames_per_node=32, seed=seed)
        p = k.spawn("writer")
        a = p.mmap(4)
        for i in range(4):
            p.write(a + i * PAGE, b"before %d" % i)
        f = k.create_file("shared", 1, fs="ext2")
        q = p.mmap(1, file=f, shared=True)
        p.write(q, b"file before")
        c = p.fork()
        pages = [a + i * PAGE for i in range(4)] + [q]
        status = [UNSET] * len(pages)
        m = k.start(k.sys_move_pages, p.pid, pages, [1] * len(pages), status, MPOL_MF_MOVE_ALL, label="M")
        w = k.start(p.write, a + PAGE - 2, b"P" * 8, label="P")
        v = k.start(c.write, q + 5, b"child", label="C")
        drive(k, pick=rng.choice, after=k.check, what="all three tasks to finish")
        expect(m.done and w.done and v.done, "all three tasks to finish",
               f"M {m.state}, P {w.state}, C {v.state}")
        expect(m.result == 0 and status == [1] * len(pages), "every page moved: return 0, status all 1",
               f"return {m.result}, status {status}")
        expect(p.read(a + PAGE - 2, 8) == b"P" * 8, "the parent's write to be there",
               repr(p.read(a + PAGE - 2, 8)))
        got = p.read(q, 11)
        expect(got == b"file childe", "the child's write to the shared file page, seen by the parent", repr(got))
        expect(c.read(a, 8) == b"before 0", "the child's copy of page 0 unchanged", repr(c.read(a, 8)))


# Simplified: no ZERO_PAGE, so no row for a page that was only read: 2.6.18 answers -ENOENT for
# it (PageReserved, the zero page of a read fault); here it has a page of its own and moves.
# -EFAULT is "no vma at or above the address"; a hole below a vma is -ENOENT (check_not_present).
CHECKS = [
    check_moves,
    check_not_present,
    check_no_vma,
    check_already_there,
    check_nothing_to_move,
    check_shared,
    check_busy,
    check_writers,
]

FIX_10_1 = Fix(
    "10.1", "v2.6.18", "do_move_pages: each page's status, and the pages that must move",
    functions=["do_move_pages"], checks=CHECKS,
    results={"do_move_pages": (lambda v: isinstance(v, int) and not isinstance(v, bool),
                               "the number of pages not moved, or a -errno (an int)")})

EXERCISES = (FIX_10_1,)


# --- 10.2 (predict): is swap_page in the released mm/migrate.c? ------------------------------

def released_names_10():
    """The names of the functions in mm/migrate.c as released in v2.6.18 (from series.listing)."""
    released = str(series.listing("mm/migrate.c", "v2.6.18"))
    return [line[2:].split(":")[0] for line in released.splitlines()
            if line.startswith("# ") and ": since " in line]


def has_swap_page_10():
    """'yes' if swap_page is among the released file's functions, else 'no'."""
    return "yes" if "swap_page" in released_names_10() else "no"


PREDICT_10_2 = Predict("10.2", "v2.6.18", "is swap_page still in the released mm/migrate.c?", has_swap_page_10,
                       choices=("yes", "no"))
EXERCISES = EXERCISES + (PREDICT_10_2,)
