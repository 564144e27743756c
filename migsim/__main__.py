"""Terminal demo: migrate a small process from node 0 to node 1, point by point.

    python -m migsim [--at v2.6.16] [--seed 2006] [--pages 4] [--quiet]

Builds a two-node machine at the chosen step, runs a process that writes a
few anonymous pages and one page of a file, migrates it with
sys_migrate_pages as a task, and prints the page table and the pages before,
one line per step of the task (with the ptes and swap counts each step
changed), and the same after. At a step where migration is broken on purpose
it shows the oops and what the tree is missing. Fits 80 columns.
"""

import argparse
import errno
import sys
import textwrap

from . import steps
from .errors import KernelBug, MigsimError
from .include.asm_i386.pgtable import PAGE_SIZE as PAGE
from .include.linux.mm import VM_WRITE
from .machine import Kernel
from .views import describe_page

WIDTH = 80


def build(at, seed, npages):
    """The demo machine: a process with `npages` written anon pages and a file page."""
    k = Kernel(at=at, nodes=2, frames_per_node=16, seed=seed)
    p = k.spawn("demo", node=0)
    a = p.mmap(npages)
    for i in range(npages):
        p.write(a + i * PAGE, f"page {i} of demo".encode())
    f = k.create_file("notes.txt", 1, fs="ext2")
    q = p.mmap(1, file=f, shared=True)
    p.write(q + 64, b"edited")
    return k, p


def through_swap(k):
    """Does an anonymous page migrate through swap at this step? (remove_from_swap brings it back.)"""
    return "remove_from_swap" in k.SYMBOLS


def say(out, text, indent="", hang=""):
    """Print `text` wrapped to the demo's width (`hang`: more indent for the lines after the first)."""
    print(textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent + hang), file=out)


def introduce(k, seed, out):
    """The step, and how migration works (or fails) at it; swapon if it needs swap."""
    say(out, f"migsim demo at {k.STEP.badge()}; seed {seed}")
    if k.STEP.release == steps.RC1_MERGE:
        say(out, "(mainline in the middle of 2.6.18-rc1's merge, June 2006: not the v2.6.18 release)")
    if through_swap(k):
        say(out, f"swapon(32 slots) = {k.sys_swapon(32)}. At this step an anonymous page migrates "
                 "through swap: it gets a swap slot and joins the swap cache, try_to_unmap turns its "
                 "ptes into swap entries, it moves like a page-cache page, and remove_from_swap "
                 "turns the entries back into ptes to the new page.")
    elif k.BUILD_WARNINGS:
        say(out, "No swap area. This tree would not link (Kernel.BUILD_WARNINGS lists what it "
                 "misses); the simulator built it anyway. The swap path is gone and nothing "
                 "replaces it yet: migration is broken here on purpose. Watch where it goes wrong.")
    else:
        say(out, "No swap area: at this step try_to_unmap turns the ptes of an anonymous page into "
                 "migration entries (naming the old page, locked while it moves), and "
                 "remove_migration_ptes turns them into ptes to the new page.")


# --- the state: ptes, frames, bytes -----------------------------------------------------------

def pte_kind(v):
    """A pte's kind in a few words: 'present rw', 'migration-write', 'swap entry 0/1', 'none'."""
    if v.present:
        return f"present {'rw' if v.write else 'ro'}"
    if v.swap and not v.migration:
        return f"swap entry {v.swp_type}/{v.swp_offset}"
    return v.kind()


def pte_text(v):
    """A pte's kind and the frame it names: 'present rw pfn 0x1000', 'migration-write pfn 0x1000'."""
    pfn = v.pfn if v.present else v.swp_offset if v.migration else None
    return pte_kind(v) + ("" if pfn is None else f" pfn 0x{pfn:x}")


def frame_behind(k, vma, addr, v):
    """The frame a pte leads to: present, migration entry, swap cache, or (none) the page cache."""
    if v.present:
        return k.pfn_to_page(v.pfn)
    if v.migration:
        return k.pfn_to_page(v.swp_offset)
    if v.swap:
        return k.swapper_space.page_tree.get(v.swp_entry)
    if v.none and vma.vm_file is not None:
        index = (addr - vma.vm_start) // PAGE + vma.vm_pgoff
        return vma.vm_file.i_mapping.page_tree.get(index)
    return None


def page_bytes(page, room):
    """The runs of non-zero bytes of a frame, quoted, cut to `room` characters."""
    if page is None or page.data is None:
        return ""
    text = " ".join(repr(run.decode("latin-1")) for run in bytes(page.data).split(b"\0") if run)
    return text if len(text) <= room else text[:room - 3] + "..."


def show_ptes(k, p, out):
    """p's page table, one row per page: address, pte, kind, frame, the bytes it holds."""
    print(f"  {'address':<8}  {'pte':<10}  {'kind':<15}  {'frame':<13}  bytes", file=out)
    notes = set()
    for vma in p.mm.mmap:
        print(f"  {vma.describe()}", file=out)
        for addr in range(vma.vm_start, vma.vm_end, PAGE):
            v = k.pte(p, addr)
            page = frame_behind(k, vma, addr, v)
            frame = "" if page is None else f"0x{page.pfn:x} node {page.node}"
            row = f"  {addr:08x}  0x{v.value:08x}  {pte_kind(v):<15}  {frame:<13}  "
            print(row + page_bytes(page, WIDTH - len(row)), file=out)
            if v.none and page is not None:
                notes.add(CLEARED)
            if v.present and not v.write and vma.vm_flags & VM_WRITE:
                notes.add(READ_ONLY)
    for note in sorted(notes):
        say(out, note, "  ", " ")


CLEARED = ("(none: a file page's pte is simply cleared, not replaced by an entry; the page cache "
           "holds the new page, and the next access faults it in from there)")
READ_ONLY = ("(ro in a writable mapping: the pte was rebuilt read-only, as swapoff rebuilds one; the "
             "next write faults and makes it writable again)")


def swap_counts(k):
    """What swap holds: slots in use, pages in the swap cache."""
    return {"swap slots in use": sum(si.inuse_pages for si in k.swap_info[:k.nr_swapfiles]),
            "pages in swap cache": len(k.swapper_space.page_tree)}


def show_state(k, p, title, out):
    """A titled view of p's ptes, the pages in use and (where it plays a part) swap."""
    print(f"\n== {title} ==", file=out)
    show_ptes(k, p, out)
    print("  pages in use:", file=out)
    for zone in k.nodes:
        free = set(zone.free)
        for page in zone.pages:
            if page.pfn not in free:
                say(out, describe_page(page), "    ", "    ")
    if through_swap(k):
        print("  " + ", ".join(f"{name} {n}" for name, n in swap_counts(k).items()), file=out)


# --- the migration, step by step ----------------------------------------------------------------

def watched(k, p):
    """What the step lines report changes of: every pte of p, and the swap counts where swap is used."""
    seen = {f"pte {addr:08x}": pte_text(k.pte(p, addr))
            for vma in p.mm.mmap for addr in range(vma.vm_start, vma.vm_end, PAGE)}
    return {**seen, **swap_counts(k)} if through_swap(k) else seen


def step_line(n, t, point):
    """'  12  spin_lock &mm100->page_table_lock     in try_to_unmap_one' (the function below if long)."""
    if point is None:
        return f"{n:4d}  {t.name.split('(')[0]} returns {t.result}"
    line = f"{n:4d}  {point.describe():<36} in {t.where()[0]}"
    return line if len(line) <= WIDTH else f"{n:4d}  {point.describe()}\n{'':6}in {t.where()[0]}"


def migrate(k, p, quiet, out):
    """Run sys_migrate_pages as task M, checking after every step: (task, steps, the oops or None)."""
    print(f"\n== during: task M runs sys_migrate_pages({p.pid}, [0], [1]) ==", file=out)
    if not quiet:
        say(out, "One line per scheduling point the task stops at, and the kernel function it is "
                 "in; below it, what the task changed when it ran on from there to the next line "
                 "(a step runs from one point to the next).", "  ")
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    n, before = 0, watched(k, p)
    while not t.done:
        n += 1
        try:
            point = t.step()
            if not quiet:             # changed on the way here: under the line the task ran on from
                before = report_changes(before, watched(k, p), out)
                print(step_line(n, t, point), file=out)
            k.check()
        except KernelBug as oops:
            if not quiet:
                report_changes(before, watched(k, p), out)
            return t, n, oops
    return t, n, None


def report_changes(before, after, out):
    """Print what changed from `before` to `after`; return `after`."""
    for key in after:
        if after[key] != before[key]:
            print(f"{'':8}{key}: {before[key]} -> {after[key]}", file=out)
    return after


def result_text(t, n):
    """What sys_migrate_pages' return value means."""
    r = t.result
    head = f"sys_migrate_pages returned {r} after {n} steps"
    if r < 0:
        return f"{head}: -{errno.errorcode.get(-r, '?')}, the call failed"
    if r == 0:
        return f"{head}: the number of pages it could not move, so no page was left behind on node 0"
    return f"{head}: the number of pages it could not move ({r} stayed on node 0)"


def tell_oops(k, p, n, oops, out):
    """The oops in the kernel's words, the machine as it stands, and what the tree is missing."""
    print(f"\n== oops at step {n} of task M ==", file=out)
    say(out, str(oops), "  ")
    say(out, "(check() found it; the demo runs it after every step)", "  ")
    show_state(k, p, "the machine at the oops", out)
    if not k.BUILD_WARNINGS:
        say(out, "\nThis step is not known to be broken: the oops is a bug of the simulator or "
                 "of the series, worth reporting.")
        return 1
    print("\n== why: this tree is broken on purpose ==", file=out)
    print("  it would not link (Kernel.BUILD_WARNINGS):", file=out)
    for warning in k.BUILD_WARNINGS:
        say(out, warning, "    ")
    say(out, k.STEP.summary, "  ")
    return 0


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(prog="python -m migsim", description=__doc__.splitlines()[0])
    ap.add_argument("--at", default="v2.6.16", help=f"series step (one of: {', '.join(steps.IDS)})")
    ap.add_argument("--seed", type=int, default=2006, help="seed of the machine (default 2006)")
    ap.add_argument("--pages", type=int, default=4, help="anonymous pages the process writes (1-12)")
    ap.add_argument("--quiet", action="store_true", help="no per-step lines, only before/after")
    args = ap.parse_args(argv)
    if not 1 <= args.pages <= 12:
        ap.error(f"--pages {args.pages}: expected 1..12")
    try:
        k, p = build(args.at, args.seed, args.pages)
    except MigsimError as e:
        ap.error(str(e))
    introduce(k, args.seed, out)
    show_state(k, p, "before: everything on node 0", out)
    t, n, oops = migrate(k, p, args.quiet, out)
    if oops is not None:
        return tell_oops(k, p, n, oops, out)
    say(out, result_text(t, n), "  ")
    show_state(k, p, "after: the same bytes, on node 1", out)
    k.check()
    print("\ncheck(): all invariants hold", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
