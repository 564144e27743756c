"""What the graded predictions' independent answers share (see README): shapes and hostile answers.

Written without reading the grader. For a prediction whose right answer is R and a plausible wrong
one W:
- `shapes(R)`: R as a student may type it (a fair grader takes all of them);
- `hostile(R, W)`: answers that must never get credit: W dressed up to compare, hash, print or
  convert as R; values whose methods loop, recurse or exit; shapes that are no answer at all;
- `debatable(R)`: arguably R, not in the shape the question asks for: the grader decides, so the
  test only asks that they are judged (no exception, one line, bounded time);
- `fresh(patch, answer)`: what a notebook cell would do: `patch()` changes the simulator or the
  grading package, then the answer is graded. Such a case runs in a fresh interpreter, as the first
  grade of a notebook does, so that nothing computed before protects it and nothing it patches leaks
  into other tests.
"""

import sys

import numpy as np


def answers(values):
    """label: value -> label: the keyword arguments of grade."""
    return {label: {"answer": v} for label, v in values.items()}


def shapes(right):
    if isinstance(right, str):
        return {"plain": right, "capitalised": right.capitalize(), "upper": right.upper(),
                "spaces_newline": f"  {right}\n", "numpy_str": np.str_(right)}
    return {"plain": right}             # an int has one shape: how it was written does not reach the grader


def yes_no(right):
    """A yes/no prediction: (correct, wrong, debatable) values beyond the generic ones."""
    other = "yes" if right == "no" else "no"
    return (shapes(right),
            {"other": other, "other_capital": other.capitalize(), "empty": "", "maybe": "maybe",
             "bool_for_other": other == "yes"},
            {"bool_for_right": right == "yes", "letter": right[0], "with_reason": f"{right}, because",
             "slang": right + "pe"})


def _spin(*args):
    while True:
        pass


def _untraced_spin(*args):
    sys.settrace(None)
    while True:
        pass


def _recurse(*args):
    return _recurse(*args)


def _exit(*args):
    raise SystemExit(0)


def _os_exit(*args):
    import os
    os._exit(3)                           # no exception to catch: the process is gone


class _Shout(BaseException):
    """Not an Exception: a grader that catches only Exception lets it through."""


def _shout(*args):
    raise _Shout("caught?")


PROTOCOL = ("__eq__", "__ne__", "__hash__", "__str__", "__repr__", "__format__", "__index__", "__int__",
            "__float__", "__bool__", "__len__", "__iter__", "__lt__", "__gt__", "__le__", "__ge__",
            "__contains__", "__getitem__")


def _all_dunders(fn):
    """An object whose every protocol method the grader might call runs `fn`."""
    return type(f"All_{fn.__name__.strip('_')}", (), {n: fn for n in PROTOCOL})()


def _liar(base, payload, right):
    """A `base` (object, str or int) holding `payload` that says `right` to every method a grader may use."""
    rs = str(right)
    says = {
        "__eq__": lambda self, other: True, "__ne__": lambda self, other: False,
        "__hash__": lambda self: hash(right), "__str__": lambda self: rs, "__repr__": lambda self: repr(right),
        "__format__": lambda self, spec: rs, "__contains__": lambda self, item: True,
        "split": lambda self, *a, **k: [rs], "replace": lambda self, *a: rs,
    }
    for m in ("strip", "lstrip", "rstrip", "lower", "upper", "casefold", "title"):
        says[m] = lambda self, *a: rs
    if isinstance(right, int):
        says.update({"__index__": lambda self: right, "__int__": lambda self: right,
                     "__bool__": lambda self: bool(right)})
    cls = type(f"Liar_{base.__name__}", (base,), says)
    return cls(payload) if base is not object else cls()


def hostile(right, wrong):
    """label: answer value. Every one must fail."""
    class LyingClass(type(_liar(object, None, right))):
        """isinstance(x, type(R)) is True through __class__; it is not one, and its __index__ says W."""
        __class__ = property(lambda self: type(right))
        __index__ = __int__ = lambda self: wrong if isinstance(wrong, int) else 0

    class FlipFlop:
        """W the first time it is read, R afterwards: a grader must read an answer once."""
        reads = 0

        def _value(self):
            FlipFlop.reads += 1
            return wrong if FlipFlop.reads == 1 else right

        __index__ = __int__ = lambda self: (lambda v: v if isinstance(v, int) else 0)(self._value())
        __str__ = __repr__ = lambda self: str(self._value())
        __eq__ = lambda self, other: self._value() == other
        __hash__ = lambda self: hash(right)

    cases = {
        "placeholder_ellipsis": ...,           # the answer cell left as the notebook gives it
        "none": None,
        "always_equal": _liar(object, None, right),
        "lying_class": LyingClass(),
        "flip_flop": FlipFlop(),
        "eq_spins": _all_dunders(_spin),
        "eq_spins_untraced": _all_dunders(_untraced_spin),
        "eq_recurses": _all_dunders(_recurse),
        "eq_exits": _all_dunders(_exit),
        "eq_raises_base_exception": _all_dunders(_shout),
        "nan": float("nan"),
        "inf": float("inf"),
        "huge_int": 10 ** 5000,                # str() of it raises ValueError (int_max_str_digits)
        "huger_int": 1 << (1 << 24),           # two megabytes of int
        "generator": (x for x in [right]),
        "iterator": iter([right]),
        "list": [right],
        "tuple": (right,),
        "set": {right},
        "dict": {right: right},
        "callable": lambda: right,
        "the_type": type(right),
        "not_implemented": NotImplemented,
        "exception_instance": ValueError(right),
    }
    if isinstance(right, str):
        trap = type("TrapStr", (str,), {m: _exit for m in ("__iter__", "__len__", "__getitem__", "__contains__",
                                                             "encode", "lower", "strip", "casefold")})
        cases.update({
            "liar_str": _liar(str, wrong, right),
            "trap_str": trap(wrong),                # its iteration, length and indexing exit
            "huge_str": (right + " ") * (2_000_000 // len(right)),   # R repeated: not R
            "right_and_wrong": f"{right} {wrong}",  # hedges both ways
            "wrong_then_right": f"{wrong}\n{right}",
            "nul_inside": right[:1] + "\0" + right[1:],
            "bytes_wrong": wrong.encode(),
            "int_zero": 0,
            "bool_true": True,
        })
    else:
        duck = type("DuckWrongIndex", (), {"__index__": lambda self: wrong, "__int__": lambda self: right,
                                           "__float__": lambda self: float(right), "__eq__": lambda self, o: True,
                                           "__hash__": lambda self: hash(right)})
        cases.update({
            "liar_int": _liar(int, wrong, right),
            "duck_wrong_index": duck(),             # not an int: __index__ says W, the rest R
            "index_not_int": type("IndexNotInt", (), {"__index__": lambda self: str(right)})(),
            "float_truncates_to_right": right + 0.5,   # int() would make it R
            "float_just_below": right - 1e-9,          # round() would make it R
            "complex": complex(right, 1),
            "str_wrong": str(wrong),
            "str_hex_wrong": hex(wrong),
            "str_expression": f"{right} if True else {wrong}",   # eval() would make it R
            "str_import": "__import__('os').getpid()",
            "negative_right": -right if right else -1,
            "plus_2_to_32": right + (1 << 32),          # same low 32 bits
            "plus_2_to_64": right + (1 << 64),
            "numpy_array_of_two": np.array([wrong, right]),
            "numpy_float_truncates": np.float64(right + 0.5),
        })
    return cases


def debatable(right):
    """label: answer value whose verdict is the grader's to decide (see the module docstring)."""
    cases = {"numpy_0d_array": np.array(right)}
    if isinstance(right, str):
        cases.update({
            # a str subclass holding R whose comparisons exit: the value is right, its methods hostile
            "right_str_subclass_eq_exits": type("RightStr", (str,), dict.fromkeys(("__eq__", "__ne__", "__hash__"),
                                                                                _exit))(right),
            "bytes_right": right.encode(),
            "with_full_stop": right + ".",
            "quoted": f'"{right}"',
        })
    else:
        cases.update({
            # not an int, but operator.index() gives R (numpy's ints are such objects too)
            "duck_right_index": type("DuckRightIndex", (), {"__index__": lambda self: right})(),
            "str_decimal": str(right),
            "str_hex": hex(right),
            "float_exact": float(right),
            "numpy_float_exact": np.float64(right),
            # an int subclass holding R whose comparisons exit, and an IntEnum member R: ints, by subclass
            "right_int_subclass_eq_exits": type("RightInt", (int,), dict.fromkeys(("__eq__", "__ne__", "__hash__"),
                                                                                _exit))(right),
            "int_enum": __import__("enum").IntEnum("Answer", {"RIGHT": right}).RIGHT,
            # numpy integers: numbers.Integral, but not the int the question asks for
            "numpy_int64": np.int64(right),
            "numpy_uint32": np.uint32(right),
        })
    return cases


def fresh(patch, answer):
    """A case graded in a fresh interpreter after `patch()` has run (see the module docstring)."""
    def case():
        patch()
        return {"answer": answer}
    case.fresh = True
    return case


def patching_value(patch, wrong):
    """W, which runs `patch()` the first time the grader converts, compares, hashes or prints it."""
    done = []

    def go(self, *args):
        if not done:
            done.append(patch())
        return wrong

    cls = type("Patcher", (), {n: go for n in PROTOCOL})
    cls.__index__ = cls.__int__ = lambda self: (lambda v: v if isinstance(v, int) else 0)(go(self))
    cls.__str__ = cls.__repr__ = cls.__format__ = lambda self, *a: str(go(self))
    cls.__eq__ = lambda self, other: go(self) == other
    cls.__hash__ = lambda self: hash(go(self))
    cls.__bool__ = lambda self: bool(go(self))
    return cls()


def set_on_cached_build(at, name, value):
    """Assign to the cached kernel class of step `at`, past KernelClass's refusal (type.__setattr__)."""
    import migsim.machine as machine
    type.__setattr__(machine.build(at), name, value)


def from_build(at, name):
    """The function `name` as the cached build of step `at` has it."""
    import migsim.machine as machine
    return machine.build(at).__dict__[name]


def _swap_exercise(exercise, other):
    import migsim.grading as g
    g.EXERCISES[exercise] = g.EXERCISES[other]


def _isinstance_always_true():
    import builtins
    builtins.isinstance = lambda obj, cls: True


def _verdicts_always_pass():
    import migsim.grading as g
    g.Verdict.passed = property(lambda self: True, lambda self, value: None)   # set by the grader, read True


def all_hostile(exercise, right, wrong, patch, patched_answer):
    """Every hostile case of a prediction: `hostile`, the patches of the grading package, and
    `patch` (which makes the simulator's truth `patched_answer`) made by a cell and by the answer."""
    other, other_right = ("04.2", 2) if right != 2 else ("09.3", 30)  # its answer is wrong here
    return {
        **answers(hostile(right, wrong)),
        # EXERCISES[exercise] made another prediction, whose answer is given
        "table_points_elsewhere": fresh(lambda: _swap_exercise(exercise, other), other_right),
        # builtins.isinstance made to say yes to everything, then an object equal to everything
        "isinstance_patched": fresh(_isinstance_always_true, _liar(object, None, right)),
        # Verdict.passed made True for every verdict, then the wrong answer
        "verdict_class_patched": fresh(_verdicts_always_pass, wrong),
        # methods that end the process outright: only in a fresh interpreter, where that cannot end the tests
        "eq_os_exit": fresh(lambda: None, _all_dunders(_os_exit)),
        "simulator_patched": fresh(patch, patched_answer),
        "patches_when_read": fresh(lambda: None, patching_value(patch, patched_answer)),
    }
