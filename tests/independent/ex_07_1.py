"""Exercise 07.1 (find): a schedule of my variant of the fork race that orphans a migration entry at swapless-core (bug B), not at fork-race-fix.

My variant (student s1234513): the parent and child share 3 pages, the child has 4 of its own, root
migrates the child while the parent forks.
"""

STUDENT = "s1234513"

# CORRECT 1: letters, the explorer's shortest failing schedule.
LETTERS = "M50F7M6F3M"
# CORRECT 2: scheduling points: M until its 7th entry to remove_migration_ptes (the walk for the
# shared page), F until copy_one_pte (new child linked, nothing copied), then both run on.
POINTS = "M@remove_migration_ptes#7 F@copy_one_pte M F"
# CORRECT 3: M's second run one point shorter: the walk has passed the new child (empty) but
# not the parent yet, so F's copy still lands behind it.
LETTERS_LONG = "M50F7M5F3M"

CORRECT = {
    "letters_shortest": {"student": STUDENT, "schedule": LETTERS},
    "by_points": {"student": STUDENT, "schedule": POINTS},
    "letters_with_tail": {"student": STUDENT, "schedule": LETTERS_LONG},
}

WRONG = {
    # one preemption only: F forks wholly inside M's run; the walk sees the new child's copy
    "one_preemption": {"student": STUDENT, "schedule": "M50F10M"},
    # off by one: F runs 6 points, not 7: the new child is not linked/at its copy when M walks
    "f_one_short": {"student": STUDENT, "schedule": "M50F6M6F3M"},
    # off by one the other way: M runs 7 points in its second run and blocks: does not apply
    "m_one_too_many": {"student": STUDENT, "schedule": "M50F7M7F3M"},
    # nothing interleaved: M migrates, then F forks, no race
    "serial": {"student": STUDENT, "schedule": "MF"},
}


class _Evil(str):
    """A schedule that exits the interpreter when it is looked at."""
    def __iter__(self):
        raise SystemExit(0)

    def __contains__(self, item):
        raise SystemExit(0)


HOSTILE = {
    "huge_schedule": {"student": STUDENT, "schedule": "M" * 50_000_000},
    "str_subclass_exits": {"student": STUDENT, "schedule": _Evil(LETTERS)},
}
