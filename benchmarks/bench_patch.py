"""Benchmark: building a patched kernel (what a grader does once per check).

Run: python benchmarks/bench_patch.py [--repeat 200]

Times `Kernel(at="fork-race-fix", patch={"copy_one_pte": ...})` (class
built anew each time, machine set up) against a plain `Kernel(at=...)`
(class cached), in milliseconds per kernel.
"""

import argparse
import time

import migsim
from migsim import kbuild, steps


def per_kernel_ms(make, repeat):
    t0 = time.perf_counter()
    for _ in range(repeat):
        make()
    return (time.perf_counter() - t0) / repeat * 1000


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)
    fixed = kbuild.active("copy_one_pte", steps.INDEX["cow-fix"]).obj
    migsim.Kernel(at="fork-race-fix")                      # the cached build, made once
    patched = per_kernel_ms(lambda: migsim.Kernel(at="fork-race-fix", patch={"copy_one_pte": fixed}), args.repeat)
    plain = per_kernel_ms(lambda: migsim.Kernel(at="fork-race-fix"), args.repeat)
    print(f"patched kernel: {patched:.2f} ms   plain kernel: {plain:.2f} ms   (x{patched / plain:.0f})")


if __name__ == "__main__":
    main()
