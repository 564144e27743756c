"""Every public function and class checks its arguments the same way.

The walk covers `migsim.__all__` and the public names (``__all__``) of the
modules a user imports from (series, scenarios, explore, draw, widgets,
grading), the methods of a `Kernel` and a `Process`. Each parameter in turn
gets a value of a type no parameter takes; the answer must be a
`MigsimError` that names that value, and the machine must be unchanged (its
dump is the same text). Every other argument is a good one (`GOOD`), so the
error is the bad value's.
"""

import inspect

import pytest

import migsim
from migsim import MigsimError, draw, explore, grading, scenarios, series, widgets
from migsim.process import Process


class Wrong:
    """A value of a type no parameter takes, with a repr the error message must show."""

    def __repr__(self):
        return "<wrong-type value>"


WRONG = Wrong()
MODULES = {"migsim": migsim, "series": series, "scenarios": scenarios, "explore": explore, "draw": draw,
           "widgets": widgets, "grading": grading}

# Public names not walked, with the reason.
NOT_WALKED = {
    "migsim.series": "a module (its functions are walked)",
    "migsim.Kernel.start": "takes any callable and its arguments: they are checked when the task runs them",
    "migsim.Kernel.printk": "the kernel's own log line, used by kernel code (any text)",
    "migsim.Kernel.new_id": "kernel code's counter of ids",
    "migsim.Kernel.who": "no arguments",
    "migsim.Kernel.find_task_by_pid": "the kernel's own lookup, for kernel code (None when absent); k.process(pid) "
                                      "is the checked one",
    "migsim.Kernel.page": "checked (tests/test_bad_input.py), but `default` is any value, returned as given",
    "migsim.Process.expected": "check()'s question to the shadow: vma and address come from check()",
    "series.Text": "a str: any text (what series functions return)",
    "series.Where": "what series.where returns",
    # building blocks of the pictures, for draw's own modules and the widgets: they take what the model
    # hands them (a page, a pte view, a state name), never a user's value
    "draw.frame_state": "a building block of the pictures",
    "draw.frame_kind": "a building block of the pictures",
    "draw.frame_owner": "a building block of the pictures",
    "draw.frame_users": "a building block of the pictures",
    "draw.migrating_pfns": "a building block of the pictures",
    "draw.pte_kind": "a building block of the pictures",
    "draw.band_kind": "a building block of the pictures",
    "draw.node_header": "a building block of the pictures",
    "draw.figsize": "a building block of the pictures",
    "draw.machine_figsize": "a building block of the pictures",
    "draw.rgba_to_png": "a building block of the pictures",
    "draw.figure_png": "a building block of the pictures",
    "draw.drawn_png": "a building block of the pictures",
    "draw.tight_crop": "a building block of the pictures",
    "draw.cropped_png": "a building block of the pictures",
    "draw.draw_rmap_look": "a building block of the pictures: draws what rmap_look (checked) returns",
    "draw.show": "hands a figure to the front end (display), any axes",
    "draw.offscreen": "no arguments",
    "draw.set_style": "no arguments",
    "grading.expect": "a grader's own assertion helper: its arguments come from grader code",
    "grading.Verdict": "made by grade(), from grader code",
    "grading.Result": "made by grade(), from grader code",
    "grading.Fix": "an exercise's definition, made by grader modules",
    "grading.FindSetup": "an exercise's definition, made by grader modules",
    "grading.FindSchedule": "an exercise's definition, made by grader modules",
    "grading.FindEffect": "an exercise's definition, made by grader modules",
    "grading.Predict": "an exercise's definition, made by grader modules",
    "grading.Check": "a check of an exercise, made by grader modules",
    "grading.check": "the decorator grader modules put on their checks",
    "scenarios.Scenario": "a scenario's definition, made by the scenarios module",
    "scenarios.Outcome": "made by scenarios.run",
    "explore.Report": "made by explore.explore",
}


def machine():
    k = migsim.Kernel(at="v2.6.18", nodes=2, frames_per_node=16, seed=2006)
    p = k.spawn("gcc")
    a = p.mmap(2)
    p.write(a, b"hello")
    return k, p, a


def good(k, p, a):
    """A good value for each parameter name of the public face (the same name means the same thing)."""
    page = k.page(p, a)
    return {
        "k": k, "p": p, "at": "swapless-core", "scenario": "fork_race", "schedule": "", "seed": 1,
        "bound": 1, "budget": 5, "limit": 5, "prune": True, "finish": False, "picture": "machine",
        "check_every_step": True, "patch": None, "progress": None, "every": 100, "outcome": None,
        "id_": "reorg", "kfile": "mm/migrate.c", "name": "sys_swapon", "exercise_id": "02.1", "hidden": False,
        "addr": a, "data": b"x", "length": 1, "npages": 1, "file": None, "shared": False, "prot": "rw",
        "offset": 0, "mode": "default", "nodes": [1], "flags": 0, "pid": p.pid, "old_nodes": [0],
        "new_nodes": [1], "pages": [a], "status": [None], "comm": "cc", "code": 0, "node": 0, "uid": 1000,
        "fs": "ext2", "nr_pages": 1, "nr_slots": 8, "prio": -1, "cow": False, "default": None,
        "label": "M", "pfn": page.pfn, "ax": None, "title": None, "full_legend": False, "address": None,
        "page_or_anon_vma": page, "what": page, "labels": None, "failing_step": None, "point_names": None,
        "dpi": None, "rows": [("pte", 0x67)], "value": 0x67, "width_units": 4, "height_units": 3,
        "zone": k.nodes[0], "page": page, "free": frozenset(), "migrating": frozenset(), "state": "anon",
        "users": {}, "v": k.pte(p, a), "fig": None, "buffer": b"", "size": (1, 1), "mod": None,
        "vma": p.mm.mmap[0], "page_addr": a, "max_runs": 1, "mod_": None,
    }


# Where one parameter name means another thing: (item, parameter) -> good value.
GOOD_FOR = {("migsim.Kernel", "nodes"): 2, ("migsim.Kernel", "frames_per_node"): 16,
            ("migsim.Kernel.create_file", "name"): "notes", ("draw.draw_timeline", "schedule"): "MF",
            ("grading.variant", "exercise_id"): "07.1", ("grading.variant", "student"): "s1234567"}


def public():
    """(qualified name, callable, bound object or None) for every walked item."""
    items = []
    for mname, module in MODULES.items():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj) or (inspect.isclass(obj) and not issubclass(obj, BaseException)):
                items.append((f"{mname}.{name}", obj))
    for cls, prefix in ((migsim.Kernel, "migsim.Kernel"), (Process, "migsim.Process")):
        for name, obj in vars(cls).items():
            if not name.startswith("_") and callable(obj):
                items.append((f"{prefix}.{name}", name))
    return [(q, obj) for q, obj in items if q not in NOT_WALKED]


def signature(target):
    return inspect.signature(target.__init__ if target is migsim.Kernel else target)


def parameters(target):
    sig = signature(target)
    return [n for n, prm in sig.parameters.items()
            if prm.kind in (prm.POSITIONAL_OR_KEYWORD, prm.KEYWORD_ONLY) and n != "self"]


CASES = []
for qualname, obj in public():
    _k, _p, _a = machine()
    target = obj if not isinstance(obj, str) else getattr(_k if qualname.startswith("migsim.Kernel") else _p, obj)
    for param in parameters(target):
        CASES.append(pytest.param(qualname, obj, param, id=f"{qualname}({param})"))


@pytest.mark.parametrize("qualname, obj, param", CASES)
def test_a_value_of_the_wrong_type_is_named_and_changes_nothing(qualname, obj, param):
    k, p, a = machine()
    target = obj if not isinstance(obj, str) else getattr(k if qualname.startswith("migsim.Kernel") else p, obj)
    values = {**good(k, p, a), **{n: v for (q, n), v in GOOD_FOR.items() if q == qualname}}
    names = parameters(target)
    missing = [n for n in names if n not in values]
    assert not missing, f"add a good value for {missing} to good()"
    sig = signature(target)
    kwargs = {n: values[n] for n in names if sig.parameters[n].default is inspect.Parameter.empty or n == param}
    kwargs[param] = WRONG
    before = k.dump()
    with pytest.raises(MigsimError) as e:
        target(**kwargs)
    assert repr(WRONG) in str(e.value), f"{qualname}: the message does not name the bad {param}: {e.value}"
    assert k.dump() == before


def test_the_walk_covers_the_face_the_readme_shows():
    walked = {q for q, _ in public()}
    assert {"migsim.Kernel", "migsim.Kernel.check", "explore.random_run", "widgets.ExplorerView",
            "draw.draw_page_table", "migsim.Process.mbind", "scenarios.run", "series.diff"} <= walked
    assert len(CASES) > 100


def test_a_picture_of_an_exited_process_is_refused():
    k, p, a = machine()
    p.exit()
    with pytest.raises(MigsimError, match="exited"):
        draw.draw_page_table(k, p)
