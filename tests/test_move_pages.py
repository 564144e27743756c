"""sys_move_pages (742755a1, 2.6.18): an errno table after LTP's move_pages cases, and writers racing moves.

`status` is a list as long as `pages` that the call fills (None stands for a NULL
pointer); the return value is the number of pages not moved, or -errno (then the
status array is not written). In 2.6.18 a call in which no page needed moving
answers -ENOENT as a whole and leaves `status` alone (fixed only in 2.6.28).
"""

import random

import pytest

import migsim
from migsim.include.linux.page_flags import ClearPageLocked, ClearPageLRU, PageLocked, SetPageLocked, SetPageLRU
from helpers import written_pages

PAGE = migsim.PAGE_SIZE
EPERM, ENOENT, ESRCH, EFAULT, EACCES, EINVAL, ENODEV, E2BIG = 1, 2, 3, 14, 13, 22, 19, 7
MOVE, MOVE_ALL = migsim.MPOL_MF_MOVE, migsim.MPOL_MF_MOVE_ALL
UNSET = "unset"


def machine(at="v2.6.18", nodes=2):
    """gcc (uid 1000) with 2 touched pages and 1 untouched page at `a`, a child sharing them, root's view."""
    k = migsim.Kernel(at=at, nodes=nodes, frames_per_node=16, seed=7)
    p = k.spawn("gcc")
    a = p.mmap(3)
    p.write(a, b"zero")
    p.write(a + PAGE, b"one")
    return k, p, a


def call(k, p, a, who, pid, pages, nodes, flags, status_len=None):
    """Run sys_move_pages as root or as `p`; (return value, status list or None)."""
    if pid == "self":
        pid = 0 if who == "p" else p.pid
    addrs = [a + off for off in pages] if pages is not None else []
    status = None if status_len == "null" else [UNSET] * len(addrs)
    if who == "root":
        ret = k.sys_move_pages(pid, addrs, nodes, status, flags)
    else:
        ret = p.move_pages(pid, addrs, nodes, status, flags)
    return ret, status


TOP = 0xBFFF0000 - 0x40000000                 # an address above every vma (offset from `a`)
# (case, who, pid, page offsets from a, nodes, flags, expected return, expected status)
TABLE = [
    ("01 nodes NULL: only report", "p", "self", [0, PAGE], None, 0, 0, [0, 0]),
    ("02 move to another node", "p", "self", [0, PAGE], [1, 1], MOVE, 0, [1, 1]),
    ("04 untouched page: -ENOENT", "p", "self", [0, 2 * PAGE], [1, 1], MOVE, 0, [1, -ENOENT]),
    ("04 no vma: -EFAULT", "p", "self", [0, TOP], [1, 1], MOVE, 0, [1, -EFAULT]),
    ("04 report: no vma, untouched", "p", "self", [TOP, 2 * PAGE, PAGE], None, 0, 0, [-EFAULT, -ENOENT, 0]),
    ("06 node not online: -ENODEV", "p", "self", [0, PAGE], [1, 5], MOVE, -ENODEV, [UNSET, UNSET]),
    ("06 negative node: -ENODEV", "p", "self", [0], [-1], MOVE, -ENODEV, [UNSET]),
    ("09 already there: its node", "p", "self", [0, PAGE], [0, 1], MOVE, 0, [0, 1]),
    ("09 nothing to move: -ENOENT", "p", "self", [0, PAGE], [0, 0], MOVE, -ENOENT, [UNSET, UNSET]),
    ("10 bad flags: -EINVAL", "p", "self", [0], [1], migsim.MPOL_MF_STRICT, -EINVAL, [UNSET]),
    ("10 internal flag: -EINVAL", "root", "self", [0], [1], 1 << 3, -EINVAL, [UNSET]),
    ("11 MOVE_ALL unprivileged: -EPERM", "p", "self", [0], [1], MOVE_ALL, -EPERM, [UNSET]),
    ("11 MOVE_ALL as root", "root", "self", [0], [1], MOVE_ALL, 0, [1]),
    ("pid not found: -ESRCH", "root", 4242, [0], [1], MOVE, -ESRCH, [UNSET]),
    ("no pages at all: -ENOENT", "p", "self", [], [], MOVE, -ENOENT, []),
]


@pytest.mark.parametrize("case, who, pid, pages, nodes, flags, ret, status", TABLE, ids=[r[0] for r in TABLE])
def test_errno_table(case, who, pid, pages, nodes, flags, ret, status):
    k, p, a = machine()
    got = call(k, p, a, who, pid, pages, nodes, flags)
    assert got == (ret, status), case
    if ret == 0 and nodes is not None:
        for off, st in zip(pages, status):
            if st >= 0:
                assert k.page(p, a + off).node == st
    k.check()


def test_a_page_shared_with_another_process_needs_move_all():
    k, p, a = machine()
    c = p.fork()                                       # both pages now mapped twice (COW)
    p.write(a + PAGE, b"mine")                         # ... but the second is private again
    ret, status = call(k, p, a, "p", "self", [0, PAGE], [1, 1], MOVE)
    assert (ret, status) == (0, [-EACCES, 1])
    assert call(k, p, a, "p", "self", [0], [1], MOVE) == (-ENOENT, [UNSET])   # nothing left to move
    assert call(k, p, a, "root", "self", [0], [1], MOVE_ALL) == (0, [1])
    assert k.page(p, a).node == k.page(c, a).node == 1 and c.read(a, 4) == b"zero"
    k.check()


def test_another_users_process_is_not_the_callers_to_move():
    k, p, a = machine()
    q = k.spawn("other", uid=2000)
    assert q.move_pages(p.pid, [a], [1], [UNSET], MOVE) == -EPERM
    assert q.move_pages(p.pid, [a], None, [UNSET], 0) == -EPERM
    assert k.page(p, a).node == 0


def test_a_null_status_array_is_efault_after_the_pages_moved():
    k, p, a = machine()
    assert call(k, p, a, "p", "self", [0], [1], MOVE, status_len="null") == (-EFAULT, None)
    assert k.page(p, a).node == 1                       # put_user fails only at the end


def test_too_many_pages_for_the_control_array_is_e2big():
    class Huge:
        """A pages array whose length alone overflows the control array (never read)."""

        def __len__(self):
            return (1 << 32) // 16

    k, p, a = machine()
    gen = k.SYMBOLS["sys_move_pages"].obj(k, p.pid, Huge(), [0], None, MOVE)
    assert k._run(gen, k.init) == -E2BIG


def test_a_page_busy_off_the_lru_reports_ebusy():
    k, p, a = machine()
    page = k.page(p, a)
    ClearPageLRU(page)                                  # as if reclaim were isolating it just now
    try:
        assert call(k, p, a, "p", "self", [0, PAGE], [1, 1], MOVE) == (0, [-16, 1])
    finally:
        SetPageLRU(page)
    assert k.page(p, a).node == 0
    k.check()


def test_a_locked_page_that_never_unlocks_stays_put_with_eagain():
    k, p, a = machine()
    page = k.page(p, a)
    SetPageLocked(page)                                 # someone holds the page lock ...
    st = [UNSET, UNSET]
    t = k.start(k.sys_move_pages, p.pid, [a, a + PAGE], [1, 1], st, MOVE)
    while not t.blocked:
        t.step()
    assert "lock_page" in t.waits_on()                  # ... so from the fourth pass on, it waits
    ClearPageLocked(page)
    k.run_tasks()
    assert t.result == 0 and st == [1, 1]
    assert PageLocked(page) is False
    k.check()


@pytest.mark.parametrize("at", ["v2.6.16", "swapon-fix", "vma-migrate"])
def test_sys_move_pages_arrives_with_its_patch(at):
    k = migsim.Kernel(at=at)
    p = k.spawn("gcc")
    if migsim.steps.INDEX[at] < migsim.steps.INDEX["move-pages"]:
        assert not hasattr(k, "sys_move_pages")
        with pytest.raises(migsim.MigsimError, match="move-pages"):
            p.move_pages(0, [0x40000000], None, [0])
    else:
        assert p.move_pages(0, [0x40000000], None, [0]) == 0


@pytest.mark.parametrize("args, match", [
    ((0, "x", None, [0]), "pages"),
    ((0, [0x40000000], [1, 1], [0]), "one node per page"),
    ((0, [0x40000000], [1], [0, 0]), "status"),
    ((0, [0x40000000], [1], (0,)), "status"),
    ((0, [-1], None, [0]), "address"),
    ((0, [0x40000000], ["1"], [0]), "node"),
    ((-1, [0x40000000], None, [0]), "pid"),
])
def test_bad_python_arguments_are_migsim_errors_and_change_nothing(args, match):
    k, p, a = machine()
    before = k.dump()
    with pytest.raises(migsim.MigsimError, match=match):
        k.sys_move_pages(*args, MOVE)
    with pytest.raises(migsim.MigsimError, match=match):
        p.move_pages(*args, MOVE)
    assert k.dump() == before


# --- a selftest in the manner of the kernel's: writers keep writing while the pages move ----------

def writers_and_a_mover(seed):
    """Parent and child write their pages and a shared file while root moves all of them, back and forth."""
    k = migsim.Kernel(at="v2.6.18", nodes=2, frames_per_node=32, seed=seed)
    p, a = written_pages(k, 4, b"before %d", comm="writer")
    f = k.create_file("shared", 2, fs="ext2")
    q = p.mmap(2, file=f, shared=True)
    p.write(q, b"file before")
    p.write(q + PAGE, b"second")
    c = p.fork()
    pages = [a + i * PAGE for i in range(4)] + [q, q + PAGE]
    status = [UNSET] * len(pages)
    k.start(k.sys_move_pages, p.pid, pages, [1] * len(pages), status, MOVE_ALL, label="M")
    k.start(p.write, a, b"P" * (4 * PAGE), label="P")              # every anonymous page, in turn
    k.start(c.write, q + PAGE - 3, b"child!", label="C")           # across the two file pages
    return k, p, c, a, q, status


@pytest.mark.parametrize("seed", range(12))
def test_no_write_is_lost_while_pages_move_under_random_schedules(seed):
    k, p, c, a, q, status = writers_and_a_mover(seed)
    rng = random.Random(seed)
    while True:
        ready = [t for t in k.tasks if not t.done and not t.blocked]
        if not ready:
            break
        rng.choice(ready).step()
        k.check()                                   # the shadows: every process reads back its writes
    assert all(t.done for t in k.tasks) and k.task("M").result >= 0
    assert status == [1] * 6                        # MOVE_ALL: the shared pages move too
    assert p.read(a, 1) == b"P" and c.read(a, 6) == b"before"
    assert p.read(q + PAGE - 3, 6) == b"child!"
    k.check()


def test_the_writers_really_race_the_move():
    """Replayed: the writer faults on a migration entry of its own page and waits for it."""
    k, p, c, a, q, status = writers_and_a_mover(0)
    m, w = k.task("M"), k.task("P")
    while not k.pte(p, a).migration:
        m.step()
    while not w.blocked:
        w.step()
    assert "wait_on_page_locked" in w.waits_on()
    k.run_tasks()
    assert m.result >= 0 and p.read(a, 1) == b"P"
    k.check()
