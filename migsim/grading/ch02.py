"""Chapter 02, the dirty page (step dirty-fallback, bug A): its two exercises.

02.1 (fix): migrate_pages' fallback path must unmap the page before it
tests PageDirty, so that a dirty bit still in a pte reaches the page (and
listfs's own list) while it can still be written out. 02.2 (find): a setup
that makes bug A show at fixups and not at dirty-fallback.
"""

import random

from .. import scenarios
from . import workload
from .core import Fix, FindSetup, Wrong, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
MAX_POINTS = 5000      # scheduling points one migration may take in a check


def migrate(k, pid, old=(0,), new=(1,)):
    """sys_migrate_pages(pid, old, new) as a task, k.check() after every point: its result."""
    t = k.start(k.sys_migrate_pages, pid, list(old), list(new), label="M")
    for _ in range(MAX_POINTS):
        if t.done:
            return t.result
        if t.blocked:
            raise Wrong("the migration to finish", f"it waits forever in {t.waits_on()} "
                        f"(a lock taken twice, or never given back?)")
        t.step()
        k.check()
    raise Wrong("the migration to finish", f"it was still running after {MAX_POINTS} scheduling points")


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


def check_scenario(make):
    outcome = scenarios.run(scenarios.DIRTY_FALLBACK, make.at, patch=make.patch)
    expect(not outcome.failed, "no failure", outcome.error)


def check_written_out(make):
    k, f, p, q = editor(make)
    ret = migrate(k, p.pid)
    expect(f.i_mapping.private_list == [], "listfs's own dirty list empty (the page written out)",
           lambda: f"{len(f.i_mapping.private_list)} page(s) still on it")
    expect(f.disk[0].startswith(b"unsaved"), "the file on disk to hold b'unsaved'", repr(f.disk[0][:7]))
    moved(k, p, q, b"unsaved", ret)


def check_clean(make):
    k, f, p, q = editor(make, write=False)
    moved(k, p, q, b"journal:0\n", migrate(k, p.pid))


def check_already_dirty(make):
    """A page already PG_dirty: another mapper wrote and unmapped, which moved its dirty bit into the page."""
    k, f, p, q = editor(make)
    other = k.spawn("other")
    r = other.mmap(1, file=f, shared=True)
    other.write(r + 8, b"also")
    other.munmap(r, 1)
    expect(f.i_mapping.private_list != [], "the page on listfs's list (set up)", "it is not")
    ret = migrate(k, p.pid)
    expect(f.disk[0][:12] == b"unsaved:also", "the file on disk to hold both writes", repr(f.disk[0][:12]))
    moved(k, p, q, b"unsaved:also", ret)


def check_ext2(make):
    k, f, p, q = editor(make, fs="ext2")
    moved(k, p, q, b"unsaved", migrate(k, p.pid))


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


def check_private(make):
    k, f, p, q = editor(make, shared=False, write=False)
    b = p.mmap(1, file=k.create_file("notes", 1, fs="listfs"))
    p.write(b, b"my copy")                    # copy-on-write: an anonymous page of its own
    ret = migrate(k, p.pid)
    moved(k, p, q, b"journal:0\n", ret)
    moved(k, p, b, b"my copy", ret)


def check_racing_writer(make):
    """Migration against the same process writing that page, at seeded random points."""
    for seed in range(4):
        rng = random.Random(seed)
        k, f, p, q = editor(make)
        m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
        w = k.start(p.write, q + 100, b"racing", label="W")
        for _ in range(MAX_POINTS):
            ready = [t for t in (m, w) if not t.done and not t.blocked]
            if not ready:
                break
            rng.choice(ready).step()
            k.check()
        expect(m.done and w.done, "both tasks to finish", f"M {m.state}, W {w.state}")
        expect(isinstance(m.result, int) and m.result >= 0, "a count of pages not moved", repr(m.result))
        got = p.read(q, 106)
        expect(got[:7] == b"unsaved" and got[100:] == b"racing", "both writes to be there", repr(got))


def workload_check(seed):
    def check(make):
        try:
            workload.run(make, seed)
        except workload.Failure as e:
            raise Wrong(e.expected, e.got) from None
    return (f"random workload (seed {seed})", check)


def _fix_checks():
    return [
        ("bug A's scenario (a page dirty only in its pte, on listfs)", check_scenario),
        ("a page dirty only in its pte is written out, then moves", check_written_out),
        ("a clean listfs page moves", check_clean),
        ("a listfs page already marked dirty is written out, then moves", check_already_dirty),
        ("an ext2 page (it has migratepage) still moves", check_ext2),
        ("anonymous pages still move (through swap)", check_anon),
        ("a private listfs mapping and its copy-on-write page move", check_private),
        ("migration racing a write to the same page", check_racing_writer),
    ] + [workload_check(seed) for seed in (1, 2)]


FIX_02_1 = Fix(
    "02.1", "dirty-fallback", "the fallback path unmaps before it tests PageDirty",
    functions=["migrate_pages"], checks=_fix_checks(),
    hidden=[workload_check(seed) for seed in range(3, 7)],
    results={"migrate_pages": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                               "the number of pages not moved (an int >= 0)")})

FIND_02_2 = FindSetup(
    "02.2", "dirty-fallback", "a setup that shows bug A before the fix and not after it",
    scenario=scenarios.DIRTY_FALLBACK, machine={"nodes": 2, "frames_per_node": 16, "seed": 2006}, bug="A")

EXERCISES = (FIX_02_1, FIND_02_2)
