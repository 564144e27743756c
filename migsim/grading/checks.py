"""Checks and helpers that several chapters' graders share (no chapter imports another's).

Tasks run through the one scheduler, `sched.run`, with a pick function
(`drive`); a check waits at most `MAX_POINTS` scheduling points and says so
when a task never finishes. The machines here are small and seeded: the
same answer meets the same machine every time.
"""

import random

from .. import sched
from . import workload
from .core import Check, Wrong, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
MAX_POINTS = 5000      # scheduling points the tasks of one check may take


def drive(k, *tasks, pick=None, after=None, limit=MAX_POINTS, what=None):
    """Step `tasks` (default: every task of `k`) to their end, `pick(ready)` choosing; `after()` after each point.

    Wrong if they take more than `limit` points, or if a task is left
    waiting for ever (a lock taken twice, or never given back).
    """
    tasks = list(tasks) or None
    steps = [0]
    choose = pick or (lambda ready: ready[0])

    def counted(ready):
        steps[0] += 1
        if steps[0] > limit:
            raise Wrong(what or "the tasks to finish", f"they were still running after {limit} scheduling points")
        return choose(ready)

    sched.run(k, pick=counted, after_step=after, tasks=tasks)
    stuck = [t for t in (tasks or k.tasks) if not t.done]
    if stuck:
        t = stuck[0]
        raise Wrong(what or f"{t.name} to finish", f"task {t.label} waits forever in {t.waits_on()} "
                    f"(a lock taken twice, or never given back?)")


def run_to_end(k, t, check=True):
    """Step task `t` to its end, k.check() after every point while it runs; its result."""
    drive(k, t, after=(lambda: t.done or k.check()) if check else None, what=f"{t.name} to finish")
    return t.result


def migrate(k, pid, old=(0,), new=(1,)):
    """sys_migrate_pages(pid, old, new) as a task, k.check() after every point: its result."""
    t = k.start(k.sys_migrate_pages, pid, list(old), list(new), label="M")
    drive(k, t, after=k.check, what="the migration to finish")
    return t.result


def seeded(rng):
    """A pick function choosing at random (seeded) among the ready tasks."""
    return rng.choice


def moved(k, p, addr, data, ret):
    """The page at `addr` of `p` is on node 1 and reads `data`, and nothing was left behind."""
    expect(ret == 0, "sys_migrate_pages to return 0 (every page moved)", repr(ret))
    page = k.page(p, addr, default=None)
    node = page.node if page is not None else None
    if page is None:                     # unmapped by the migration: the next touch maps it again
        p.read(addr, 1)
        node = k.page(p, addr).node
    expect(node == 1, "the page on node 1", f"it is on node {node}")
    got = p.read(addr, len(data))
    expect(got == data, f"{p.comm} to read {data!r}", repr(got))


def editor(make, fs="listfs", write=True, shared=True):
    """A process with one page of file "journal" mapped (and, with `write`, dirty in its pte)."""
    k = make(nodes=2, frames_per_node=16, seed=4)
    f = k.create_file("journal", 1, fs=fs)
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=shared)
    if write:
        p.write(q, b"unsaved")
    else:
        p.read(q, 1)
    k.sys_swapon(8)
    return k, f, p, q


def already_dirty(make):
    """editor() with the page PG_dirty already: another mapper wrote and unmapped, moving its dirty bit in."""
    k, f, p, q = editor(make)
    other = k.spawn("other")
    r = other.mmap(1, file=f, shared=True)
    other.write(r + 8, b"also")
    other.munmap(r, 1)
    return k, f, p, q


@check("a clean listfs page moves")
def check_listfs_clean(make):
    k, f, p, q = editor(make, write=False)
    moved(k, p, q, b"journal:0\n", migrate(k, p.pid))


@check("a listfs page already marked dirty is written out, then moves")
def check_already_dirty(make):
    k, f, p, q = already_dirty(make)
    expect(f.i_mapping.private_list != [], "the page on listfs's list (set up)", "it is not")
    ret = migrate(k, p.pid)
    expect(f.disk[0][:12] == b"unsaved:also", "the file on disk to hold both writes", repr(f.disk[0][:12]))
    moved(k, p, q, b"unsaved:also", ret)


@check("an ext2 page (it has migratepage) still moves")
def check_ext2(make):
    k, f, p, q = editor(make, fs="ext2")
    moved(k, p, q, b"unsaved", migrate(k, p.pid))


@check("anonymous pages still move")
def check_anon(make):
    k = make(nodes=2, frames_per_node=16, seed=5)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * PAGE, b"anon %d" % i)
    ret = migrate(k, p.pid)
    for i in range(3):
        moved(k, p, a + i * PAGE, b"anon %d" % i, ret)


@check("migration racing a write to the same page")
def check_racing_writer(make):
    """Migration against the same process writing that page, at seeded random points."""
    for seed in range(4):
        k, f, p, q = editor(make)
        m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
        k.start(p.write, q + 100, b"racing", label="W")
        drive(k, pick=seeded(random.Random(seed)), after=k.check, what="both tasks to finish")
        expect(isinstance(m.result, int) and m.result >= 0, "a count of pages not moved", repr(m.result))
        got = p.read(q, 106)
        expect(got[:7] == b"unsaved" and got[100:] == b"racing", "both writes to be there", repr(got))


def scenario_check(scenario, at=None, schedule=None, title=None):
    """A check: `scenario` replayed (its own schedule unless given) at `at` (default: the answer's step) fails not."""
    from .. import scenarios
    schedule = scenario.schedule if schedule is None else schedule

    def run(make):
        m = make if at is None else make.at_step(at)
        outcome = scenarios.run(scenario, m.at, schedule, patch=m.patch or None)
        expect(not outcome.failed, f"no failure{f' at {at}' if at else ''}", outcome.error)
    return Check(title or f"bug {scenario.bug}'s scenario ({scenario.name})" + (f" at {at}" if at else ""), run)


def workload_check(seed, at=None):
    """A check: the seeded random workload `seed` (see `workload`), at `at` (default: the answer's step)."""
    def run(make):
        m = make if at is None else make.at_step(at)
        try:
            workload.run(m, seed)
        except workload.Failure as e:
            raise Wrong(e.expected, e.got) from None
    return Check(f"random workload (seed {seed})" + (f" at {at}" if at else ""), run)
