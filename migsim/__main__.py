"""Terminal demo: migrate a small process from node 0 to node 1, point by point.

    python -m migsim [--at v2.6.16] [--seed 2006] [--pages 4] [--quiet]

Builds a two-node machine at the chosen step, runs a process that writes a
few anonymous pages and one page of a file, migrates it with
sys_migrate_pages as a task, and prints the page table, the page states and
the swap traffic before, at every scheduling point, and after.
"""

import argparse
import sys

from . import steps
from .errors import MigsimError
from .machine import Kernel
from .views import describe_page

PAGE = 4096


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


def swap_traffic(k):
    used = sum(si.inuse_pages for si in k.swap_info[:k.nr_swapfiles])
    return f"swap slots in use {used}, swap cache {len(k.swapper_space.page_tree)} pages"


def show_state(k, p, title, out):
    print(f"\n== {title} ==", file=out)
    for vma in p.mm.mmap:
        print(f"  {vma.describe()}", file=out)
        for addr in range(vma.vm_start, vma.vm_end, PAGE):
            pte = k.pte(p, addr)
            page = k.page(p, addr)
            where = f"  node {page.node}" if page is not None else ""
            print(f"    {addr:08x}: {pte}{where}", file=out)
    print("  pages in use:", file=out)
    for zone in k.nodes:
        free = set(zone.free)
        for page in zone.pages:
            if page.pfn not in free:
                print(f"    {describe_page(page)}", file=out)
    print(f"  {swap_traffic(k)}", file=out)


def main(argv=None, out=sys.stdout):
    ap = argparse.ArgumentParser(prog="python -m migsim", description=__doc__.splitlines()[0])
    ap.add_argument("--at", default="v2.6.16", help=f"series step (one of: {', '.join(steps.IDS)})")
    ap.add_argument("--seed", type=int, default=2006, help="seed of the machine (default 2006)")
    ap.add_argument("--pages", type=int, default=4, help="anonymous pages the process writes (1-12)")
    ap.add_argument("--quiet", action="store_true", help="no per-point lines, only before/after")
    args = ap.parse_args(argv)
    if not 1 <= args.pages <= 12:
        ap.error(f"--pages {args.pages}: expected 1..12")
    try:
        k, p = build(args.at, args.seed, args.pages)
    except MigsimError as e:
        ap.error(str(e))
    print(f"migsim demo — {k.STEP.badge()} — seed {args.seed}", file=out)
    if k.STEP.release == steps.RC1_MERGE:
        print("(mainline in the middle of 2.6.18-rc1's merge, June 2006: not the v2.6.18 release)", file=out)
    if steps.INDEX[args.at] < steps.INDEX["swapless-core"]:
        print(f"swapon: {k.sys_swapon(32)} (at this step anonymous pages migrate through swap)", file=out)
    else:
        print("no swap area: from swapless-core on, migration entries replace the swap detour", file=out)
    show_state(k, p, "before: everything on node 0", out)
    print("\n== during: sys_migrate_pages(pid, [0], [1]) as task M, one line per scheduling point ==",
          file=out)
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    first = p.mm.mmap[0].vm_start
    n = 0
    while not t.done:
        point = t.step()
        n += 1
        k.check()
        if point is not None and not args.quiet:
            fn = t.where()[0]
            print(f"  {n:4d} {point.describe():<40} in {fn:<30} first pte: {k.pte(p, first).kind():<15} "
                  f"{swap_traffic(k)}", file=out)
    print(f"  sys_migrate_pages returned {t.result} (pages not moved) after {n} steps", file=out)
    show_state(k, p, "after: the same bytes, on node 1", out)
    k.check()
    print("\ncheck(): all invariants hold", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
