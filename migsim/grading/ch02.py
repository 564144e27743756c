"""Chapter 02, the dirty page (step dirty-fallback, bug A): its two exercises.

02.1 (fix): migrate_pages' fallback path must unmap the page before it
tests PageDirty, so that a dirty bit still in a pte reaches the page (and
listfs's own list) while it can still be written out. 02.2 (find): a setup
that makes bug A show at unexport-swap-page and not at dirty-fallback, in a
case unlike the chapter's: the page listfs loses must have been dirty only in
another process's pte, never in that of the process being migrated.
"""

from .. import scenarios
from ..include.linux.mm import VM_LOCKED, page_mapped
from ..include.linux.rmap import SWAP_AGAIN
from .checks import (already_dirty, check_already_dirty, check_anon, check_ext2, check_listfs_clean,
                     check_racing_writer, editor, migrate, moved, scenario_check, workload_check)
from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
from ..machine import build
from .core import Check, Fix, FindSetup, check, expect, play



@check("a page dirty only in its pte is written out, then moves")
def check_written_out(make):
    k, f, p, q = editor(make)
    ret = migrate(k, p.pid)
    expect(f.i_mapping.private_list == [], "listfs's own dirty list empty (the page written out)",
           lambda: f"{len(f.i_mapping.private_list)} page(s) still on it")
    expect(f.disk[0].startswith(b"unsaved"), "the file on disk to hold b'unsaved'", repr(f.disk[0][:7]))
    moved(k, p, q, b"unsaved", ret)


@check("a private listfs mapping and its copy-on-write page move")
def check_private(make):
    k, f, p, q = editor(make, shared=False, write=False)
    b = p.mmap(1, file=k.create_file("notes", 1, fs="listfs"))
    p.write(b, b"my copy")                    # copy-on-write: an anonymous page of its own
    ret = migrate(k, p.pid)
    moved(k, p, q, b"journal:0\n", ret)
    moved(k, p, b, b"my copy", ret)


def watched(make, stuck=False):
    """A maker like `make` whose kernel notes the fallback's calls (name, page still mapped?) in `calls`.

    With `stuck`, try_to_unmap leaves every pte where it is (as when a fault
    maps the page again at once) and answers SWAP_AGAIN.
    """
    calls = []

    class Watched(make.cls):
        def try_to_unmap(self, page, ignore_refs):
            calls.append(("try_to_unmap", True))
            if stuck:
                return SWAP_AGAIN
            return (yield from super().try_to_unmap(page, ignore_refs))

        def pageout(self, page, mapping):
            calls.append(("pageout", page_mapped(page)))
            return super().pageout(page, mapping)

        def migrate_page(self, newpage, page):
            calls.append(("migrate_page", page_mapped(page)))
            return (yield from super().migrate_page(newpage, page))

    return (lambda **kernel_args: Watched(at=make.at, **kernel_args)), calls


@check("a page in a VM_LOCKED vma, which try_to_unmap cannot unmap, fails for good at once")
def check_locked_vma(make):
    """Another process has the page mlocked: it can never move, so it is not retried (-EPERM)."""
    maker, calls = watched(make)
    k, f, p, q = editor(maker, write=False)
    locker = k.spawn("locker")
    r = locker.mmap(1, file=f, shared=True)
    locker.read(r, 1)
    # Simplified: no mlock() system call here; the flag is set as mlock would set it.
    k.find_vma(locker.mm, r).vm_flags |= VM_LOCKED
    page = f.i_mapping.page_tree[0]
    ret = migrate(k, p.pid)
    expect(ret == 1, "sys_migrate_pages to report the page not moved (1)", repr(ret))
    unmaps = sum(1 for name, _ in calls if name == "try_to_unmap")
    expect(unmaps == 1, "one attempt only: a VM_LOCKED vma means -EPERM, a permanent failure",
           f"{unmaps} calls of try_to_unmap (the page was retried pass after pass)")
    expect(f.i_mapping.page_tree[0] is page and page.node == 0, "the page where it was", "it moved")
    expect(locker.read(r, 10) == b"journal:0\n" and p.read(q, 10) == b"journal:0\n",
           "both processes to read the file's data", repr(locker.read(r, 10)))
    k.check()


@check("a page still mapped after try_to_unmap is left for a later pass (-EAGAIN), not written or moved")
def check_still_mapped(make):
    maker, calls = watched(make, stuck=True)
    k, f, p, q = already_dirty(maker)
    page = f.i_mapping.page_tree[0]
    ret = migrate(k, p.pid)
    early = [name for name, mapped in calls if name != "try_to_unmap" and mapped]
    expect(not early, "nothing done to a page still mapped (leave rc at -EAGAIN)",
           lambda: f"{early[0]} called while the page was still mapped")
    unmaps = sum(1 for name, _ in calls if name == "try_to_unmap")
    expect(unmaps == 11, "the page tried on every one of the 11 passes (-EAGAIN)",
           f"{unmaps} attempt(s)")
    expect(ret == 1, "sys_migrate_pages to report the page not moved (1)", repr(ret))
    expect(f.i_mapping.page_tree[0] is page and page.node == 0, "the page where it was", "it moved")
    expect(p.read(q, 12) == b"unsaved:also", "the data intact", repr(p.read(q, 12)))


def _fix_checks():
    return [
        scenario_check(scenarios.DIRTY_FALLBACK, title="bug A's scenario (a page dirty only in its pte, on listfs)"),
        check_written_out, check_listfs_clean, check_already_dirty, check_ext2, check_anon,
        check_private, check_locked_vma, check_still_mapped, check_racing_writer,
    ] + [workload_check(seed) for seed in (1, 2)]


FIX_02_1 = Fix(
    "02.1", "dirty-fallback", "the fallback path unmaps before it tests PageDirty",
    functions=["migrate_pages"], checks=_fix_checks(),
    hidden=[workload_check(seed) for seed in range(3, 7)],
    results={"migrate_pages": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
                               "the number of pages not moved (an int >= 0)")})

def dirty_ptes(k):
    """{page: the mms whose present ptes map it dirty}, over every process of `k`."""
    owners = {}
    for p in k.tasks_by_pid.values():
        if p.mm is None:
            continue
        for vma in p.mm.mmap:
            for addr in range(vma.vm_start, vma.vm_end, PAGE):
                v = k.pte(p, addr)
                if v.present and v.dirty:
                    owners.setdefault(k.page(p, addr), set()).add(p.mm)
    return owners


def dirtied_by_another(exercise, setup, guard, variant=None):
    """02.2's case: the page listfs loses was clean in the migrated process's ptes; another process dirtied it.

    Judged by what the kernel saw: which mm each migration walks (check_range),
    and, when migrate_pages is handed its pages, which ptes map each one dirty.
    """
    seen = {"migrated": set(), "dirty": {}}

    class Watched(build(exercise.before)):
        def check_range(self, mm, *args):
            seen["migrated"].add(mm)
            return (yield from super().check_range(mm, *args))

        def migrate_pages(self, from_, *args):
            owners = dirty_ptes(self)
            for page in list(from_):
                seen["dirty"].setdefault(page, set()).update(owners.get(page, ()))
            return (yield from super().migrate_pages(from_, *args))

    k = exercise.kernel(exercise.before, variant, cls=Watched)
    error = play(k, setup, guard)
    expect(error is not None, "bug A to show (see the first check)", "the machine stayed sane")
    lost = [page for f in k.files.values() for page in f.i_mapping.private_list if page in seen["dirty"]]
    mine = [page for page in lost if seen["dirty"][page] & seen["migrated"]]
    theirs = [page for page in lost if seen["dirty"][page] and not seen["dirty"][page] & seen["migrated"]]
    expect(theirs, "the page listfs loses dirty only in another process's pte, never in the migrated "
           "process's own (the chapter's case is the migrated process's own write)",
           "it was dirty in the pte of the process you migrate" if mine else
           "no page listfs lost was dirty in any pte when migration began")


FIND_02_2 = FindSetup(
    "02.2", "dirty-fallback", "a setup that shows bug A, by a page another process dirtied, before the fix and "
    "not after it",
    scenario=scenarios.DIRTY_FALLBACK, machine={"nodes": 2, "frames_per_node": 16, "seed": 2006}, bug="A",
    extra=[Check("the page was dirty in another process's pte, not in the migrated one's (not the chapter's case)",
                 lambda setup, guard, variant=None: dirtied_by_another(FIND_02_2, setup, guard, variant))])

EXERCISES = (FIX_02_1, FIND_02_2)
