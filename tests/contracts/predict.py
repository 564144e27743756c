"""The contract rows every graded prediction shares (a helper of the chapters' tables, not a table itself).

`rows(...)` gives one prediction's table: the untouched cell (not answered),
the solution, the right answer written other ways, plausible wrong values,
a missing answer, a wrong type (the verdict names what was expected), and
hostile answers: an object equal to everything, str and int subclasses
whose own methods lie, a recursive list, a huge int and a huge string. None
of the hostile ones may pass, and none may crash the grader.
"""

import numpy

from . import Row, chapter_cells, run_cells


class EqualToAll:
    """Claims to equal anything (and to be an int)."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    @property
    def __class__(self):
        return int


class LyingStr(str):
    """A str equal to everything, whose strip/lower say the answer is right."""

    right = ""                 # the exercise's right answer (a subclass per exercise sets it)

    def __eq__(self, other):
        return True

    __hash__ = str.__hash__

    def strip(self, *args):
        return type(self).right

    def lower(self):
        return type(self).right

    def __str__(self):
        return type(self).right


class LyingInt(int):
    """An int equal to everything, whose __int__ and __index__ give the right value."""

    right = 0                  # the exercise's right answer (a subclass per exercise sets it)

    def __eq__(self, other):
        return True

    __hash__ = int.__hash__

    def __int__(self):
        return type(self).right

    __index__ = __int__


def recursive_list():
    out = []
    out.append(out)
    return out


def rows(chapter, pid, solution_value, correct, wrong, wrong_type, expected_words):
    """The rows of prediction `pid` in `chapter` (its notebook's name).

    `correct` are the right answer written other ways; `wrong` plausible wrong
    values; `wrong_type` a value of the wrong type, whose verdict must contain
    `expected_words` (what was expected).
    """
    cell = f"predict_{pid.replace('.', '_')}"
    student = run_cells(chapter_cells(chapter, "exercises")[cell], names="answer")
    solution = run_cells(chapter_cells(chapter, "solutions")[cell], names="answer")
    assert solution == solution_value, (pid, solution, solution_value)
    if isinstance(solution_value, int):
        liar = type("LyingInt", (LyingInt,), {"right": solution_value})(-999)
    else:
        liar = type("LyingStr", (LyingStr,), {"right": solution_value})("surely not")
    out = [Row(pid, "untouched", "the cell as given", {"answer": student}, False, "not answered yet"),
           Row(pid, "solution", "the prediction", {"answer": solution}, True)]
    out += [Row(pid, "correct", f"written {value!r}", {"answer": value}, True) for value in correct]
    if isinstance(solution_value, int):        # numpy's own integer scalars are ints; a subclass of one is not
        out += [Row(pid, "correct", "as numpy.int64", {"answer": numpy.int64(solution_value)}, True),
                Row(pid, "hostile", "a numpy.int64 subclass equal to everything",
                    {"answer": type("LyingInt64", (numpy.int64,), {"__eq__": lambda s, o: True,
                                                                   "__hash__": numpy.int64.__hash__})(-999)},
                    False, "of type")]
    out += [Row(pid, "wrong", f"{value!r}", {"answer": value}, False, "not that") for value in wrong]
    out += [Row(pid, "hostile", "None", {"answer": None}, False, "not answered yet"),
            Row(pid, "hostile", f"the wrong type: {wrong_type!r}", {"answer": wrong_type}, False, expected_words),
            Row(pid, "hostile", "an object equal to everything", {"answer": EqualToAll()}, False, "of type"),
            Row(pid, "hostile", "a subclass whose own methods lie", {"answer": liar}, False),
            Row(pid, "hostile", "a recursive list", {"answer": recursive_list()}, False, "of type list"),
            Row(pid, "hostile", "a huge int", {"answer": 7 ** 20000}, False),
            Row(pid, "hostile", "a huge string", {"answer": "yes" * 100000}, False,
                "characters" if isinstance(solution_value, str) else "expected an int")]
    return out
