"""Chapter 09, the swapon overflow (step swapon-fix, bug D): its two exercises.

09.1 (fix): sys_swapon must refuse a new area when no slot of swap_info[]
is left (MAX_SWAPFILES, 30 with migration entries), not when its type could
no longer be encoded in a swap pte (31). 09.2 (find): the smallest setup
that corrupts memory at cow-fix: 31 swapons (the hidden test asks for
exactly that much and nothing more).
"""

from errno import EPERM

from .. import scenarios
from ..machine import Kernel
from ..include.linux.swapops import swp_entry
from . import workload
from .core import Fix, FindSetup, Wrong, expect, play
from .guard import Guard, StudentError
from .verdict import Result

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE


def check_scenario(make):
    outcome = scenarios.run(scenarios.SWAPON_OVERFLOW, make.at, patch=make.patch)
    expect(not outcome.failed, "no failure", outcome.error)


def check_every_slot(make):
    """All MAX_SWAPFILES areas come up, types 0..29; the 31st and 32nd get -EPERM."""
    k = make(nodes=2, frames_per_node=12, seed=3)
    n = k.MAX_SWAPFILES
    got = [k.sys_swapon(1) for _ in range(n)]
    expect(got == list(range(n)), f"{n} areas of types 0..{n - 1}", repr(got))
    for extra in (n + 1, n + 2):
        ret = k.sys_swapon(1)
        expect(ret == -EPERM, f"swapon number {extra} to fail with -EPERM ({-EPERM})", repr(ret))
    expect(k.nr_swapfiles == n, f"nr_swapfiles {n}", repr(k.nr_swapfiles))
    k.check()


def check_swap_still_works(make):
    """With every slot in use, pages still go out to swap and come back, and still migrate."""
    k = make(nodes=2, frames_per_node=12, seed=5)
    for _ in range(k.MAX_SWAPFILES):
        k.sys_swapon(4)
    p = k.spawn("gcc")
    a = p.mmap(4)
    for i in range(4):
        p.write(a + i * PAGE, b"page %d" % i)
    k.reclaim(8)
    k.check()
    for i in range(4):
        got = p.read(a + i * PAGE, 6)
        expect(got == b"page %d" % i, f"gcc to read back page {i}", repr(got))
    ret = k.sys_migrate_pages(p.pid, [0], [1])
    expect(ret == 0, "sys_migrate_pages to return 0", repr(ret))
    k.check()


def check_migration_types(make):
    """Types 30 and 31 stay the migration entries' own: no swap area has them."""
    k = make(nodes=2, frames_per_node=12, seed=6)
    types = [k.sys_swapon(1) for _ in range(k.MAX_SWAPFILES + 2)]
    for t in (k.SWP_MIGRATION_READ, k.SWP_MIGRATION_WRITE):
        expect(t not in types, f"no swap area of type {t} (a migration entry's type)", repr(types))
        expect(k.is_migration_entry(swp_entry(t, 0)), f"type {t} to mean a migration entry", "it does not")


def _is_type(v):
    return isinstance(v, int) and not isinstance(v, bool) and (v >= 0 or v == -EPERM)


FIX_09_1 = Fix(
    "09.1", "swapon-fix", "sys_swapon refuses a type past the end of swap_info[]",
    functions=["sys_swapon"],
    checks=[("bug D's scenario (31 swapons)", check_scenario),
            ("every one of the MAX_SWAPFILES slots can be used, no more", check_every_slot),
            ("pages still swap out, back in, and migrate", check_swap_still_works),
            ("types 30 and 31 are left to migration entries", check_migration_types)],
    hidden=[workload.check(seed) for seed in (1, 2)],
    results={"sys_swapon": (_is_type, "the new area's type (an int >= 0) or -EPERM")})


class SmallestSetup(FindSetup):
    """FindSetup, and hidden: the setup does nothing but the `calls` swapons that overflow."""

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls = calls

    def grade(self, answers, hidden=False):
        verdict = super().grade(answers, hidden)
        if not hidden or not verdict.passed:
            return verdict
        name = f"the smallest such setup ({self.calls} swapons and nothing else)"
        k = Kernel(at=self.before, **self.machine)
        try:
            play(k, answers["setup"], Guard([answers["setup"]], passes=(Wrong,)))
        except StudentError as e:
            return self._verdict(verdict.results + [Result(name, False, got=e.text, student=e.kind)], 3)
        extra = [what for what, there in (("processes", k.tasks_by_pid), ("files", k.files),
                                          ("tasks", k.tasks)) if there]
        got = f"{k.nr_swapfiles} swapons" + (f", and {', '.join(extra)}" if extra else "")
        ok = k.nr_swapfiles == self.calls and not extra
        return self._verdict(verdict.results + [Result(name, ok, f"{self.calls} swapons only", got)], 3)


FIND_09_2 = SmallestSetup(
    "09.2", "swapon-fix", "a setup that corrupts memory at cow-fix and not at swapon-fix",
    scenario=scenarios.SWAPON_OVERFLOW, machine={"nodes": 2, "frames_per_node": 8, "seed": 2006},
    bug="D", calls=31)

EXERCISES = (FIX_09_1, FIND_09_2)
