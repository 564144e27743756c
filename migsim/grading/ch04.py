"""Chapter 04, unmap first (steps extract-unmap, pass-mapping, fallback-function): its exercise.

04.1 (fix): `fallback_migrate_page(mapping, newpage, page)`, the function
that fallback-function (8351a6e4) made of the inline fallback path of
migrate_pages: a dirty page is written out with pageout() and the attempt
retried, re-locking the page when pageout unlocked it (PAGE_SUCCESS);
buffers are dropped if they can be; then migrate_page().

Where the answer is built. A fix exercise usually runs on the kernel at the
step before the patch. At pass-mapping there is no fallback_migrate_page to
replace (the code is inline in migrate_pages, whose calling convention
differs: it returns (rc, newpage) and unlocks pages itself), so 04.1 is
built at fallback-function itself (`Fix(..., at="fallback-function")`), with
the student's function in place of the registered one, called from that
step's migrate_pages as the patch calls it.

The fallback runs only for a mapping without ->migratepage: in the
simulator that is listfs (no buffers of its own). Pages with buffers are
made by attaching clean buffers to a listfs page by hand, as a
buffer-using filesystem without migratepage would have; ext2 (which has
buffer_migrate_page) checks that the other path is left alone. The four
pageout() outcomes come from real situations where the simulator has them
(SUCCESS: a plain dirty page; ACTIVATE: a file whose mapping has no
writepage) and from stand-in pageouts for KEEP and CLEAN.
"""

import dataclasses
from errno import EAGAIN

from ..include.linux.page_flags import PageDirty, PageLocked, PagePrivate
from ..include.linux.swap import PAGE_CLEAN, PAGE_KEEP
from .. import scenarios
from .checks import (already_dirty, check_already_dirty, check_anon, check_ext2, check_racing_writer, editor,
                     migrate, moved, scenario_check, workload_check)
from .core import Fix, Maker, Predict, check, expect

STEP = "fallback-function"


def logged(make, log, **extra):
    """A maker like `make` whose fallback_migrate_page (the answer) notes (rc, page locked?) per call.

    `extra` puts further stand-ins in place (a grader's, not the student's).
    """
    answer = make.patch["fallback_migrate_page"]

    def fallback_migrate_page(k, mapping, newpage, page):
        rc = yield from answer(k, mapping, newpage, page)
        log.append((rc, bool(PageLocked(page))))
        return rc

    return Maker(make.at, {**make.patch, "fallback_migrate_page": fallback_migrate_page, **extra})


def locked_after_each(log):
    expect(all(locked for _, locked in log), "the old page still locked when fallback_migrate_page returns",
           lambda: f"it was unlocked after call {1 + [locked for _, locked in log].index(False)}")


def journal_page(f):
    return f.i_mapping.page_tree[0]


@check("a page dirty in its pte: written out (PAGE_SUCCESS), locked again, moved next pass")
def check_dirty_success(make):
    """PAGE_SUCCESS: pageout wrote the page and unlocked it; lock it again and retry."""
    log = []
    k, f, p, q = editor(logged(make, log))
    ret = migrate(k, p.pid)
    locked_after_each(log)
    expect(log[:1] == [(-EAGAIN, True)], "-EAGAIN from the call that wrote the page out (the page may "
           "have changed while it was unlocked)", lambda: f"{log[0][0]!r}" if log else "no call")
    expect(f.disk[0].startswith(b"unsaved"), "the file on disk to hold b'unsaved'", repr(f.disk[0][:7]))
    moved(k, p, q, b"unsaved", ret)
    expect([rc for rc, _ in log] == [-EAGAIN, 0], "two calls: written out (-EAGAIN), then moved (0)",
           lambda: f"return values {[rc for rc, _ in log]}")


@check("a clean listfs page moves at once")
def check_clean_at_once(make):
    log = []
    k, f, p, q = editor(logged(make, log), write=False)
    ret = migrate(k, p.pid)
    locked_after_each(log)
    expect([rc for rc, _ in log] == [0], "a clean page moved by the first call (0)",
           lambda: f"return values {[rc for rc, _ in log]}")
    moved(k, p, q, b"journal:0\n", ret)


@check("a page with clean buffers: they are dropped, the page moves")
def check_clean_buffers(make):
    """A listfs page with clean buffers attached by hand: they are dropped, the page moves."""
    k, f, p, q = editor(make, write=False)
    k.create_empty_buffers(journal_page(f), 4)
    ret = migrate(k, p.pid)
    moved(k, p, q, b"journal:0\n", ret)
    page = journal_page(f)
    expect(not PagePrivate(page), "the new page without buffers (they were dropped, not moved)",
           "PG_private set on it")


@check("a page whose buffers are in use stays, unharmed")
def check_busy_buffers(make):
    """Buffers in use cannot be dropped: the page stays, with its buffers, unharmed."""
    log = []
    k, f, p, q = editor(logged(make, log), write=False)
    old = journal_page(f)
    k.create_empty_buffers(old, 4)
    bh = old.private
    bh.b_count += 1                           # someone holds a buffer (get_bh)
    ret = migrate(k, p.pid)
    expect(ret == 1, "sys_migrate_pages to report 1 page not moved", repr(ret))
    locked_after_each(log)
    expect(log and all(rc == -EAGAIN for rc, _ in log), "-EAGAIN from every call (try later)",
           lambda: f"return values {sorted({rc for rc, _ in log})}")
    expect(journal_page(f) is old and PagePrivate(old), "the page, with its buffers, still in the file",
           "it was moved or lost its buffers")
    expect(p.read(q, 10) == b"journal:0\n", "the file's data intact", repr(p.read(q, 10)))


def pageout_keep(k, page, mapping):
    """A stand-in pageout: someone else holds a reference to the page, so it cannot be written for reclaim."""
    # Simplified: the real answer for an unexpected page count, without a second task to hold the count.
    return PAGE_KEEP


@check("pageout answers PAGE_KEEP: retried on every pass, the page kept dirty")
def check_keep(make):
    """PAGE_KEEP: the page stays dirty and locked, and is retried on every pass."""
    log = []
    k, f, p, q = already_dirty(logged(make, log, pageout=pageout_keep))
    page = journal_page(f)
    ret = migrate(k, p.pid)
    expect(ret == 1, "sys_migrate_pages to report 1 page not moved", repr(ret))
    locked_after_each(log)
    expect(len(log) == 11 and all(rc == -EAGAIN for rc, _ in log), "-EAGAIN from the call of each of the 11 passes",
           lambda: f"return values {[rc for rc, _ in log]}")
    expect(journal_page(f) is page and PageDirty(page) and page in f.i_mapping.private_list,
           "the page still in the file, dirty, on listfs's list", "it was moved, cleaned or taken off the list")
    expect(p.read(q, 12) == b"unsaved:also", "the data intact", repr(p.read(q, 12)))


@check("pageout answers PAGE_ACTIVATE (no writepage): the dirty page never moves")
def check_activate(make):
    """PAGE_ACTIVATE: the mapping cannot write pages out; a dirty page must never move."""
    log = []
    k, f, p, q = already_dirty(logged(make, log))
    f.i_mapping.a_ops = dataclasses.replace(f.i_mapping.a_ops, writepage=None)
    page = journal_page(f)
    ret = migrate(k, p.pid)
    expect(ret == 1, "sys_migrate_pages to report 1 page not moved", repr(ret))
    locked_after_each(log)
    expect(journal_page(f) is page and PageDirty(page), "the dirty page still in the file", "it moved")
    expect(p.read(q, 12) == b"unsaved:also", "the data intact", repr(p.read(q, 12)))


def pageout_clean(k, page, mapping):
    """A stand-in pageout: someone else wrote the page out just before; the page is clean, still locked."""
    # Simplified: the other writer's work (listfs's writepage without the unlock) done here.
    if k.clear_page_dirty_for_io(page):
        if page in mapping.private_list:
            mapping.private_list.remove(page)
        mapping.host.disk[page.index] = bytes(page.data)
    return PAGE_CLEAN


@check("pageout answers PAGE_CLEAN: the page moves in the same call")
def check_clean_result(make):
    """PAGE_CLEAN: nothing left to write; the page moves in the same call."""
    log = []
    k, f, p, q = already_dirty(logged(make, log, pageout=pageout_clean))
    ret = migrate(k, p.pid)
    locked_after_each(log)
    expect([rc for rc, _ in log] == [0], "the page moved by the same call (0), no retry",
           lambda: f"return values {[rc for rc, _ in log]}")
    moved(k, p, q, b"unsaved:also", ret)


def _fix_checks():
    return [
        check_dirty_success,
        check_clean_at_once,
        ("a listfs page already marked dirty is written out, then moves", check_already_dirty),
        check_keep,
        check_activate,
        check_clean_result,
        check_clean_buffers,
        check_busy_buffers,
        ("an ext2 page (it has migratepage) still moves", check_ext2),
        ("anonymous pages still move (through swap)", check_anon),
        scenario_check(scenarios.DIRTY_FALLBACK, title="bug A's scenario stays fixed"),
        ("migration racing a write to the same page", check_racing_writer),
    ] + [workload_check(seed) for seed in (1, 2)]


FIX_04_1 = Fix(
    "04.1", STEP, "the fallback path as a function of its own, re-locking after pageout",
    functions=["fallback_migrate_page"], checks=_fix_checks(),
    hidden=[workload_check(seed) for seed in range(3, 7)],
    results={"fallback_migrate_page": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v <= 0,
                                       "0 or a negative errno such as -EAGAIN")},
    at=STEP)

EXERCISES = (FIX_04_1,)


# --- 04.2 (predict): passes for a dirty listfs page at fallback-function ---------------------

def passes_over(task, page):
    """Run `task` to its end: how many passes of migrate_pages met `page` (its cond_resched on the page)."""
    passes = 0
    while not task.done:
        point = task.step()
        passes += point is not None and point.name == "cond_resched" and point.objs[0] is page
    return passes


def passes_dirty_04():
    """How many passes migrate_pages makes over DIRTY_FALLBACK's dirty listfs page at fallback-function."""
    k, ctx = scenarios.DIRTY_FALLBACK.build(STEP)
    return passes_over(k.task("M"), k.page(k.process(100), ctx["a"]))


PREDICT_04_2 = Predict("04.2", STEP, "passes a dirty listfs page needs at fallback-function", passes_dirty_04)
EXERCISES = EXERCISES + (PREDICT_04_2,)
