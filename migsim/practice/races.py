"""Does this schedule fail at this step, and why: a race scenario replayed by `scenarios.run`.

The scenarios are the loud fork race (bug B) and the COW bug (C), at the
steps where they live and after their fixes. The quiet fork race is left out
on purpose: finding its schedule is a chapter 07 exercise. The schedules are
written by scheduling points, with a count the seed chooses, so that the
same words fail at some counts and not at others.
"""

from .. import scenarios, series, steps
from .problem import Problem, Question, choose_step, rng_for, yes

SCENARIOS = {"fork_race": ("swapless-core", "fork-race-fix", "cow-fix", "v2.6.18"),
             "cow_fork": ("swapless-core", "fork-race-fix", "cow-fix")}
STEPS = tuple(s for s in steps.IDS if any(s in v for v in SCENARIOS.values()))
TEMPLATES = ("M@remove_migration_ptes#{n} F@copy_one_pte M F", "M:try_to_unmap#{n} F M",
             "M@remove_migration_ptes#{n} F M", "F:anon_vma_link M F", "F@copy_one_pte M F", "M F", "F M")
WEIGHTS = (3, 3, 3, 1, 1, 1, 1)
# What an interleaving must do to show each bug (the answer itself always comes from the run).
WINDOW = {"fork_race": "F must link the new child's vma at the head of the anon_vma before M's second walk "
                       "(remove_migration_ptes) passes it, and copy the parent's pte only after M has "
                       "restored the parent's",
          "cow_fork": "F must copy the parent's pte while it is a migration entry: after M's try_to_unmap "
                      "of a shared page and before its remove_migration_ptes"}


def fixed_by(scenario):
    """The step that fixes the scenario's bug: the first after the steps where it lives."""
    last = max(steps.INDEX[s] for s in scenario.lives)
    return steps.IDS[last + 1]


def _why(sc, at, o):
    """(the answer to 'which bug', its reasoning lines) from the outcome `o`."""
    if not o.applies:
        return "-", (o.stopped,)
    if o.failed:
        other = [s for s in scenarios.ALL.values() if scenarios.shows_bug(s, o)]
        if other and other[0].name != sc.name:
            return (f"bug {other[0].bug}, not {sc.bug}",
                    (f"the kernel says: {o.error}", f"that is how {other[0].name} fails: {other[0].title}",
                     f"(bug {other[0].bug} lives at {at} too)"))
        if other:
            return f"bug {sc.bug}", (f"the kernel says: {o.error}", sc.about)
        return "another failure", (f"the kernel says: {o.error}",)
    if at in sc.lives:
        return "none", (f"bug {sc.bug} lives at {at}, but this interleaving misses its window: {WINDOW[sc.name]}",)
    fix = fixed_by(sc)
    return "none", (f"bug {sc.bug} is fixed from {fix} on ({series.step(fix).title})",)


def schedule(seed=0, at=None):
    """Does a schedule of a race scenario fail at a step, and by which bug."""
    rng = rng_for("schedule", seed)
    name = rng.choice(sorted(SCENARIOS))
    at = choose_step(rng, at, SCENARIOS[name], "schedule", valid=STEPS)
    if at not in SCENARIOS[name]:
        name = next(n for n in sorted(SCENARIOS) if at in SCENARIOS[n])
    sc = scenarios.get(name)
    # Mostly the counted moves, with counts around the child's two shared pages (its 9th and 10th).
    words = rng.choices(TEMPLATES, weights=WEIGHTS)[0].format(n=rng.randint(8, 11))
    o = scenarios.run(sc, at, words)
    bug, why = _why(sc, at, o)
    facts = {"scenario": name, "schedule": words, "applies": o.applies, "failed": o.failed,
             "shows_bug": scenarios.shows_bug(sc, o), "error": o.error, "letters": o.schedule}
    qs = [Question("Does every move apply at this step?", yes(o.applies),
                   (f"it ran as the letters {o.schedule or '(none)'}" if o.applies else o.stopped,)),
          Question("Does the run fail?", yes(o.failed),
                   ("invariants are checked after every scheduling point, and the ending runs: "
                    + (o.error if o.failed else "nothing broke"),)),
          Question("By which bug?", bug, why)]
    shown = [f"Scenario {name} (bug {sc.bug}): {sc.title}.", f"  {sc.about}",
             "  Tasks: M migrates the child's pages (sys_migrate_pages); F is the parent forking.", "",
             f"The schedule, by scheduling points: {words!r}"]
    check = (f"widgets.Stepper({name!r}, {at!r}, schedule={words!r}, finish=True)" if o.applies else
             f"print(scenarios.run({name!r}, {at!r}, {words!r}))")
    return Problem("schedule", seed, at, shown, qs, facts, check=check, machine=o.kernel)
