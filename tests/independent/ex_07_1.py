"""Exercise 07.1 (find): a fork_race schedule that orphans a migration entry at swapless-core (bug B), not at fork-race-fix."""

# CORRECT 1: letters, the explorer's shortest failing schedule.
LETTERS = "M85F7M6F2M"
# CORRECT 2: scheduling points: M until its 10th entry to remove_migration_ptes (the walk for the
# shared page), F until copy_one_pte (new child linked, nothing copied), then both run on.
POINTS = "M@remove_migration_ptes#10 F@copy_one_pte M F"
# CORRECT 3: M's second run one point shorter: the walk has passed the new child (empty) but
# not the parent yet, so F's copy still lands behind it.
LETTERS_LONG = "M85F7M5F2M"

CORRECT = {
    "letters_shortest": {"schedule": LETTERS},
    "by_points": {"schedule": POINTS},
    "letters_with_tail": {"schedule": LETTERS_LONG},
}

WRONG = {
    # one preemption only: F forks wholly inside M's run; the walk sees the new child's copy
    "one_preemption": {"schedule": "M85F9M"},
    # off by one: F runs 6 points, not 7: the new child is not linked/at its copy when M walks
    "f_one_short": {"schedule": "M85F6M6F2M"},
    # off by one the other way: M runs 7 points in its second run and blocks: does not apply
    "m_one_too_many": {"schedule": "M85F7M7F2M"},
    # nothing interleaved: M migrates, then F forks, no race
    "serial": {"schedule": "MF"},
}


class _Evil(str):
    """A schedule that exits the interpreter when it is looked at."""
    def __iter__(self):
        raise SystemExit(0)

    def __contains__(self, item):
        raise SystemExit(0)


HOSTILE = {
    "huge_schedule": {"schedule": "M" * 50_000_000},
    "str_subclass_exits": {"schedule": _Evil("M85F7M6F2M")},
}
