"""Chapter 09, the swapon overflow (step swapon-fix, bug D): its two exercises.

09.1 (fix): sys_swapon must refuse a new area when no slot of swap_info[]
is left (MAX_SWAPFILES, 30 with migration entries), not when its type could
no longer be encoded in a swap pte (31). 09.2 (find): the smallest setup
that corrupts memory at cow-fix, on a kernel that already has some swap
areas active (how many is the student's variant, seeded by their id): as
many swapons as there are free slots, and one more. The hidden checks judge
the same setup on other variants.
"""

from errno import EPERM

from .. import scenarios
from ..machine import build
from ..include.linux.swapops import swp_entry
from .checks import workload_check
from .core import Check, FindSetup, Fix, check, expect, play

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE


@check("bug D's scenario (31 swapons)")
def check_scenario(make):
    outcome = scenarios.run(scenarios.SWAPON_OVERFLOW, make.at, patch=make.patch)
    expect(not outcome.failed, "no failure", outcome.error)


@check("every one of the MAX_SWAPFILES slots can be used, no more")
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


@check("pages still swap out, back in, and migrate")
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


@check("types 30 and 31 are left to migration entries")
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
    checks=[check_scenario,
            check_every_slot,
            check_swap_still_works,
            check_migration_types],
    hidden=[workload_check(seed) for seed in (1, 2)],
    results={"sys_swapon": (_is_type, "the new area's type (an int >= 0) or -EPERM")})


def needed(k):
    """How many more swapons overflow swap_info[] on kernel `k`: one more than its free slots."""
    return k.MAX_SWAPFILES - k.nr_swapfiles + 1


def smallest(exercise):
    """A check of 09.2's setup: just the swapons its variant needs, and nothing else (no process, file or task)."""
    def run(setup, guard, variant):
        made = []

        class Counted(build(exercise.before)):
            def sys_swapon(self, *args, **kwargs):
                made.append(args)
                return super().sys_swapon(*args, **kwargs)

        k = exercise.kernel(exercise.before, variant, cls=Counted)
        calls = needed(k)
        del made[:]                           # the variant's own areas, made before the setup, do not count
        play(k, setup, guard)
        extra = [what for what, there in (("processes", k.tasks_by_pid), ("files", k.files),
                                          ("tasks", k.tasks)) if there]
        got = f"{len(made)} swapon call{'s' * (len(made) != 1)}" + (f", and {', '.join(extra)}" if extra else "")
        expect(len(made) == calls and not extra,
               f"{calls} swapons ({variant.active} areas were active, {k.MAX_SWAPFILES} slots) and nothing else", got)
    return Check("the smallest such setup (nothing but the swapons it needs)", run)


def _prepare_09_2(k, variant):
    """The variant's machine: `active` swap areas already in use (of 2 slots each) when the setup starts."""
    for _ in range(variant.active):
        k.sys_swapon(2)


def _describe_09_2(v):
    return (f"your kernel starts with {v['active']} swap areas already active (each of 2 slots, types 0 to "
            f"{v['active'] - 1}); with as few calls as possible, make it write past the end of swap_info[]")


FIND_09_2 = FindSetup(
    "09.2", "swapon-fix", "the smallest setup that corrupts memory at cow-fix and not at swapon-fix, on a kernel "
    "that already has swap areas",
    scenario=scenarios.SWAPON_OVERFLOW, machine={"nodes": 2, "frames_per_node": 8, "seed": 2006}, bug="D",
    prepare=_prepare_09_2).seeded([{"active": n} for n in range(1, 29)], _describe_09_2)
FIND_09_2.extra.append(smallest(FIND_09_2))

EXERCISES = (FIX_09_1, FIND_09_2)
