"""The build machinery: whole-function versions, calls through the kernel object."""

import ast
import importlib
import inspect
import pathlib

import pytest

import migsim
from migsim import kbuild, machine, steps
from migsim.include.linux.fs import AddressSpaceOperations

GENERATORS = {n for n, vs in kbuild.REGISTRY.items()
              for v in vs if v.kind in ("function", "syscall") and inspect.isgeneratorfunction(v.obj)}
PLAIN = {n for n, vs in kbuild.REGISTRY.items()
         for v in vs if v.kind == "function" and not inspect.isgeneratorfunction(v.obj)}


def kernel_module_trees():
    for name in machine.KERNEL_MODULES:
        mod = importlib.import_module(name)
        yield name, ast.parse(inspect.getsource(mod))


def parents(tree):
    out = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            out[child] = node
    return out


def test_every_kernel_function_takes_the_kernel_first():
    functions = [v for versions in kbuild.REGISTRY.values() for v in versions if v.kind in ("function", "syscall")]
    assert len(functions) > 100                       # the registry is loaded: the loop checks something
    for v in functions:
        first = next(iter(inspect.signature(v.obj).parameters))
        assert first == "k", f"{v.name} in {v.kfile}: first parameter is {first!r}, not k"


def test_no_kernel_function_is_called_by_its_bare_name():
    names = set(kbuild.REGISTRY)
    bad = []
    for modname, tree in kernel_module_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
                bad.append(f"{modname}:{node.lineno} calls {node.func.id}() directly")
    assert not bad, "\n".join(bad)


def test_sleeping_functions_are_entered_with_yield_from_and_others_are_not():
    bad = []
    for modname, tree in kernel_module_trees():
        up = parents(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "k"):
                continue
            name = node.func.attr
            under_yield = isinstance(up.get(node), ast.YieldFrom)
            if name in GENERATORS and name not in PLAIN and not under_yield:
                bad.append(f"{modname}:{node.lineno} k.{name}() may sleep but is not entered with yield from")
            if name in PLAIN and name not in GENERATORS and under_yield:
                bad.append(f"{modname}:{node.lineno} yield from k.{name}() which never sleeps")
    assert not bad, "\n".join(bad)


def test_no_function_changes_between_sleeping_and_not_across_versions():
    assert not GENERATORS & PLAIN


def test_address_space_operations_name_kernel_functions_of_the_right_kind():
    found = 0
    for modname in machine.KERNEL_MODULES:
        for value in vars(importlib.import_module(modname)).values():
            if isinstance(value, AddressSpaceOperations):
                found += 1
                for field in ("readpage", "writepage", "set_page_dirty", "releasepage"):
                    method = getattr(value, field)
                    assert method is None or method in PLAIN, f"{field}={method}"
                assert value.migratepage is None or value.migratepage in GENERATORS
    assert found >= 3                          # ext2, listfs, swap


def test_build_is_cached_and_has_the_step_metadata():
    a, b = machine.build("v2.6.16"), machine.build("v2.6.16")
    assert a is b
    assert a.STEP.id == "v2.6.16"
    assert isinstance(migsim.Kernel(at="v2.6.16"), a)


def test_unknown_step_names_the_valid_ids():
    with pytest.raises(migsim.UnknownStep, match="v2.6.16") as e:
        migsim.Kernel(at="2.6.99")
    assert "2.6.99" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_default_kernel_is_the_last_step():
    assert migsim.Kernel().at == steps.LAST


def test_registering_at_an_unknown_step_is_refused():
    with pytest.raises(migsim.UnknownStep):
        kbuild.kfile("mm/nowhere.c").const("NOPE", 1, since="no-such-step")


def test_2616_exports_match_the_kernel():
    k = migsim.Kernel(at="v2.6.16")
    # EXPORT_SYMBOL'd in 2.6.16: the migration helpers for filesystems, and (oddly) the static swap_page
    for name in ("migrate_page", "migrate_page_copy", "migrate_page_remove_references",
                 "fail_migrate_page", "buffer_migrate_page", "swap_page", "remove_from_swap"):
        assert name in k.EXPORTS
    assert "migrate_pages" not in k.EXPORTS


def test_series_lists_the_baseline_and_renders_it():
    assert migsim.series.ids()[0] == "v2.6.16"
    cover = migsim.series.cover()
    assert "v2.6.16" in cover and "7705a8792b0f" in cover
    diff = migsim.series.diff("v2.6.16")
    assert diff.startswith("From 7705a8792b0fc82fd7d4dd923724606bbfd9fb20")
    assert "+++ b/mm/vmscan.c" in diff and "+def migrate_pages(k, from_, to, moved, failed):" in diff
    assert "+EXPORT_SYMBOL(swap_page)" in diff
    assert diff == migsim.series.diff("v2.6.16")          # deterministic text


@pytest.mark.parametrize("at", migsim.series.ids())
def test_no_function_calls_a_static_function_of_another_kernel_file(at):
    syms = kbuild.symbols(kbuild.step_index(at))
    bad = []
    for v in syms.values():
        if v.kind not in ("function", "syscall"):
            continue
        for called in set(kbuild._CALL.findall(v.text())):
            target = syms.get(called)
            if target is not None and target.static and target.kfile != v.kfile:
                bad.append(f"{v.kfile}:{v.name} calls static {target.kfile}:{called}")
    assert not bad, "\n".join(bad)


def test_the_reorg_makes_pageout_and_remove_mapping_callable_from_migrate_c():
    old, new = migsim.Kernel(at="v2.6.16"), migsim.Kernel(at="reorg")
    for name in ("pageout", "remove_mapping"):
        assert old.SYMBOLS[name].static and not new.SYMBOLS[name].static
        assert new.SYMBOLS[name].kfile == "mm/vmscan.c"
    assert "-@static\n def pageout(k, page, mapping):" in migsim.series.diff("reorg")


def test_the_kernel_modules_are_found_on_disk_not_listed_by_hand():
    root = pathlib.Path(migsim.__file__).parent
    registering = {".".join(("migsim",) + p.relative_to(root).with_suffix("").parts)
                   for p in root.rglob("*.py") if "kfile(" in p.read_text() and p.name != "kbuild.py"}
    assert "migsim.include.linux.swapops" in registering
    assert registering <= set(machine.KERNEL_MODULES)


@pytest.mark.parametrize("typo, meant", [("swaples-core", "'swapless-core'"), ("fork-race", "'fork-race-fix'"),
                                         ("cowfix", "'cow-fix'"), ("Reorg", "'reorg'")])
def test_a_typod_step_id_gets_did_you_mean_with_the_closest_ids(typo, meant):
    with pytest.raises(migsim.UnknownStep, match=f"unknown step '{typo}': did you mean {meant}") as e:
        migsim.Kernel(at=typo)
    assert "swapon-fix" in str(e.value)                # and still every valid id
    with pytest.raises(migsim.UnknownStep, match="did you mean"):
        migsim.series.diff(typo)


def test_a_far_off_step_id_gets_no_suggestion():
    with pytest.raises(migsim.UnknownStep) as e:
        migsim.Kernel(at="zzz")
    assert "did you mean" not in str(e.value)


def test_registration_requires_since():
    reg = kbuild.kfile("mm/nowhere.c")
    with pytest.raises(TypeError, match="since"):
        reg.function()
    with pytest.raises(TypeError, match="since"):
        reg.const("NOPE", 1)


def test_relinking_a_name_nobody_registered_says_what_to_import():
    with pytest.raises(migsim.MigsimError, match="relink no_such_function at reorg: no earlier version"):
        kbuild.kfile("mm/nowhere.c").relink("no_such_function", since="reorg")
    assert "no_such_function" not in kbuild.REGISTRY
