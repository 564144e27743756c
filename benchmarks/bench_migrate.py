"""Benchmark: migrated pages per second at v2.6.16 (swap-based migration).

Run: python benchmarks/bench_migrate.py [--sizes 1000 10000 100000] [--repeat 3]

For each size N: a two-node machine with room for N pages per node, a
process with N written anonymous pages on node 0, a swap area big enough to
hold them all, then `sys_migrate_pages(pid, [0], [1])` is timed (setup is
not). Reports pages/s, microseconds per page, and the ratio of the per-page
cost at the largest size to the smallest (1.0 = perfectly linear).
"""

import argparse
import gc
import time

import migsim

PAGE = migsim.PAGE_SIZE


def one_run(n, seed=2006):
    k = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=n + 64, seed=seed)
    p = k.spawn("bench")
    a = p.mmap(n)
    for i in range(n):
        p.write(a + i * PAGE, b"x")
    k.sys_swapon(n + 16)
    gc.collect()
    t0 = time.perf_counter()
    left = k.sys_migrate_pages(p.pid, [0], [1])
    dt = time.perf_counter() - t0
    assert left == 0, f"{left} pages not migrated"
    assert k.page(p, a + (n - 1) * PAGE).node == 1
    return dt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    per_page = {}
    print(f"{'pages':>8} {'best s':>8} {'pages/s':>10} {'us/page':>8}")
    for n in args.sizes:
        runs = [one_run(n) for _ in range(args.repeat if n <= 10000 else 2)]
        best = min(runs)
        per_page[n] = best / n
        print(f"{n:>8} {best:>8.3f} {n / best:>10.0f} {1e6 * best / n:>8.1f}")
    lo, hi = min(per_page), max(per_page)
    print(f"per-page cost ratio {hi} vs {lo}: {per_page[hi] / per_page[lo]:.2f}")


if __name__ == "__main__":
    main()
