"""09.2, second independent set (see README.md): student u7654321 (14 areas active: 17 swapons
needed to reach type 30, one past swap_info[]'s 30 slots) and u1112223 (8 active)."""
import migsim


def _computed(k):
    # CORRECT: the count read from the kernel's own fields, areas of 3 and 4 slots.
    for n in range(k.MAX_SWAPFILES + 1 - k.nr_swapfiles):
        k.sys_swapon(3 + n % 2)


def _until_refused_or_past(k):
    # CORRECT: swapon until a type past the array comes back (cow-fix) or a refusal (swapon-fix).
    while True:
        t = k.sys_swapon(2)
        if t < 0 or t >= k.MAX_SWAPFILES:
            break


def _until_full(k):
    # WRONG (written first as correct: my mistake): loops while nr_swapfiles <= MAX_SWAPFILES; at
    # swapon-fix nr_swapfiles stops at 30, so the loop never ends (line budget).
    while k.nr_swapfiles <= k.MAX_SWAPFILES:
        k.sys_swapon(1)


def _seventeen(k):
    # WRONG for a variant other than 14 active: 17 written in (right for u7654321 alone).
    for _ in range(17):
        k.sys_swapon(2)


def _one_short(k):
    # WRONG: off by one, fills the 30 slots and stops.
    for _ in range(k.MAX_SWAPFILES - k.nr_swapfiles):
        k.sys_swapon(1)


def _ignores_active(k):
    # WRONG: the chapter's 31 swapons, as if no area were active: not the smallest setup.
    for _ in range(31):
        k.sys_swapon(1)


def _raises(k):
    # HOSTILE: raises KernelBug itself.
    raise migsim.KernelBug("swap_info[30] written")


def _forge_corruption(k):
    # HOSTILE: fills the array and then records the corruption by hand.
    for _ in range(k.MAX_SWAPFILES - k.nr_swapfiles):
        k.sys_swapon(1)
    k.corruption.append("swap_info[30]")


A, B = "u7654321", "u1112223"
CORRECT = {
    "b_computed": {"student": A, "setup": _computed},
    "b_computed_other": {"student": B, "setup": _computed},
    "b_until_refused_or_past": {"student": A, "setup": _until_refused_or_past},
}
WRONG = {
    "b_until_full_loops_when_fixed": {"student": A, "setup": _until_full},
    "b_seventeen_own_variant": {"student": A, "setup": _seventeen},
    "b_seventeen_other_variant": {"student": B, "setup": _seventeen},
    "b_one_short": {"student": A, "setup": _one_short},
    "b_ignores_active": {"student": A, "setup": _ignores_active},
}
HOSTILE = {
    "b_raise_kernelbug": {"student": A, "setup": _raises},
    "b_forge_corruption": {"student": A, "setup": _forge_corruption},
}
