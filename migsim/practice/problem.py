"""A practice problem: its parameters, what it shows, its questions, and their answers.

A problem is printed in two modes with the same layout, as OSTEP's
homework simulators print theirs: the question (every answer a `?`) and,
with `reveal()` or `-c`, the answers in the same places, each followed by
its reasoning. `facts` keeps the answers as values, for tests and graders.
"""

import random
from dataclasses import dataclass, field

from ..errors import MigsimError, bad_value, check_int
from .. import steps

MAX_SEED = 2**32 - 1
WIDTH = 48                                 # questions are padded to this, answers follow


@dataclass(frozen=True)
class Question:
    """One question: what is asked, its answer, and the reasoning (lines)."""

    ask: str
    answer: str
    why: tuple = ()


@dataclass
class Problem:
    """A seeded practice problem taken from a simulated machine (`repr`: the question)."""

    kind: str
    seed: int
    at: str
    shown: list                            # the lines that set the problem (dumps of the machine)
    questions: list
    facts: dict = field(default_factory=dict)
    check: str = ""                        # lines of Python that let the student look (q: this problem)
    machine: object = field(default=None, repr=False, compare=False)   # the Kernel it was taken from
    process: object = field(default=None, repr=False, compare=False)   # the process it is about

    def text(self, answers=False):
        """The problem as printed: parameters first, then what it shows, then the questions."""
        lines = [f"ARG kind {self.kind}", f"ARG seed {self.seed}", f"ARG at {self.at}", ""]
        lines += self.shown + [""]
        for i, q in enumerate(self.questions, 1):
            ask = f"Q{i}. {q.ask}"
            lines.append(f"{ask:<{WIDTH}} {q.answer if answers else '?'}")
            if answers:
                lines += [f"      {why}" for why in q.why]
        if self.check:
            lines += ["", "To look for yourself:" if answers else "To check afterwards:",
                      f"  q = migsim.practice.{self.kind}(seed={self.seed}, at={self.at!r})"]
            lines += [f"  {line}" for line in self.check.splitlines()]
        if not answers:
            lines += ["", f"The answers: python -m migsim.practice {self.kind} --seed {self.seed} "
                          f"--at {self.at} -c   (or .reveal())"]
        return "\n".join(lines)

    def reveal(self):
        """The answers, in the question's layout, each with its reasoning."""
        return Shown(self.text(answers=True))

    def __repr__(self):
        return self.text()

    def _repr_pretty_(self, p, cycle):
        p.text(self.text())


class Shown(str):
    """A str whose repr is itself, so that a notebook cell shows the text as printed."""

    def __repr__(self):
        return str(self)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))


def rng_for(kind, seed):
    """The problem's own random choices: from the seed, and different for each kind."""
    check_seed(seed)
    return random.Random(f"{kind}:{seed}")


def check_seed(seed):
    return check_int("seed", seed, 0, MAX_SEED)


def choose_step(rng, at, allowed, kind, valid=None):
    """`at` if given (and one of `valid`, default `allowed`), else one of `allowed` chosen by the seed.

    The seed's choice is drawn either way, so that the rest of the problem is the
    same with and without `at=` (the step printed with a problem gives it back).
    """
    chosen = rng.choice(allowed)
    if at is None:
        return chosen
    valid = allowed if valid is None else valid
    if at not in steps.INDEX:
        raise bad_value("at", at, f"a step of the series, one of {', '.join(steps.IDS)}")
    if at not in valid:
        raise MigsimError(f"bad at: {at!r} for a {kind} problem (expected one of {', '.join(valid)})")
    return at


def steps_from(first, but=()):
    """The steps from `first` to the end of the series, leaving out those in `but`."""
    return tuple(s for s in steps.IDS if steps.INDEX[s] >= steps.INDEX[first] and s not in but)


def yes(flag):
    return "yes" if flag else "no"
