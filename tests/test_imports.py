"""Imports go one way: every module imports only modules of its own layer or the layers below.

The layers, lowest first (a module may import its own layer, but no cycle):

0. errors, steps, sched, text, and the include/ headers that hold no kernel code
1. kbuild (the registry)
2. kernel code: mm/, kernel/, fs/, and the include/ headers that register
   kernel functions (they import kbuild)
3. machine, process, uapi, check, views
4. series, scenarios, explore, soak, and the package's face (migsim/__init__)
5. draw, widgets, grading, practice
6. the terminal demo (migsim/__main__), tools/

Imports inside function bodies count like any other. A module is also
imported first, alone, with nothing of migsim loaded and the package's
__init__ not run: it must bring everything it needs (a kernel module that
relinks a function imports the module that registered it).
"""

import ast
import json
import os
import pathlib
import shutil
import subprocess
import sys


ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "migsim"


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
TOOLS = {f"tools.{p.stem}": p for p in sorted((ROOT / "tools").glob("*.py"))}


def imported(name, path):
    """The migsim modules that module `name` (file `path`) imports, anywhere in its text."""
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{alias.name}" for alias in node.names}
    # a package's own __init__ runs before any of its modules: not an import of theirs
    return {m for m in out if m in MODULES and m != name and not name.startswith(m + ".")}


def registers_kernel_code(path):
    return "kfile(" in path.read_text()


def layer(name):
    """The layer of migsim module `name` (see the module docstring)."""
    parts = name.split(".")
    if name in ("migsim.errors", "migsim.steps", "migsim.sched", "migsim.text"):
        return 0
    if parts[:2] == ["migsim", "include"]:
        return 2 if registers_kernel_code(MODULES[name]) else 0
    if name == "migsim.kbuild":
        return 1
    if parts[1:2] and parts[1] in ("mm", "kernel", "fs"):
        return 2
    if name in ("migsim.machine", "migsim.process", "migsim.uapi", "migsim.check", "migsim.views"):
        return 3
    if name in ("migsim", "migsim.series", "migsim.scenarios", "migsim.explore") or parts[1:2] == ["soak"]:
        return 4
    if parts[1:2] and parts[1] in ("draw", "widgets", "grading", "practice"):
        return 5
    if name == "migsim.__main__" or name.startswith("tools."):
        return 6
    raise AssertionError(f"{name} has no layer: add it to tests/test_imports.py")


def graph():
    return {name: imported(name, path) for name, path in {**MODULES, **TOOLS}.items()}


def test_every_module_has_a_layer():
    for name in {**MODULES, **TOOLS}:
        layer(name)


def upward(edges):
    """'a (layer i) imports b (layer j)' for each import of a higher layer."""
    return [f"{name} (layer {layer(name)}) imports {dep} (layer {layer(dep)})"
            for name, deps in sorted(edges.items()) for dep in sorted(deps) if layer(dep) > layer(name)]


def test_no_module_imports_a_higher_layer():
    bad = upward(graph())
    assert not bad, "\n".join(bad)


def test_the_layer_check_sees_the_registry_importing_the_machine():
    assert upward({"migsim.kbuild": {"migsim.machine", "migsim.steps"}}) == [
        "migsim.kbuild (layer 1) imports migsim.machine (layer 3)"]


def cycles(edges):
    """Every strongly connected component of more than one module (Tarjan), each sorted."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_there_is_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_imports_inside_functions_are_seen(tmp_path):
    fake = PACKAGE / "mm" / "vmscan.py"
    deps = imported("migsim.mm.vmscan", fake)
    assert "migsim.kbuild" in deps
    body = tmp_path / "x.py"
    body.write_text("def f():\n    from ..machine import Kernel\n    from . import migrate\n")
    assert imported("migsim.mm.x", body) >= {"migsim.machine", "migsim.mm.migrate"}


# Imports each module in turn with nothing of migsim loaded before it, and the package's own __init__
# (which loads every kernel module) not run: a stub stands for the package, so only what the module
# imports itself, and the __init__ of its own subpackage, runs. One interpreter for all modules.
ALONE = r"""
import importlib, json, pathlib, sys, types
root, names = pathlib.Path(sys.argv[1]), sys.argv[2:]
failures = {}
for name in names:
    for loaded in [m for m in sys.modules if m == "migsim" or m.startswith("migsim.")]:
        del sys.modules[loaded]
    if name != "migsim":
        package = types.ModuleType("migsim")
        package.__path__ = [str(root / "migsim")]
        sys.modules["migsim"] = package
    try:
        importlib.import_module(name)
    except BaseException as e:
        failures[name] = f"{type(e).__name__}: {e}"
print(json.dumps(failures))
"""


def first_imports(root, names):
    """{module: error} for each module of `names` that fails to import alone from the tree at `root`."""
    run = subprocess.run([sys.executable, "-c", ALONE, str(root), *names], cwd=root, capture_output=True,
                         text=True, env={**os.environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_each_module_imports_first_alone():
    failures = first_imports(ROOT, sorted(MODULES))
    assert not failures, "\n".join(f"{name}: {error}" for name, error in failures.items())


def test_a_module_that_relies_on_another_to_register_what_it_relinks_fails_alone(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "migsim", ignore=shutil.ignore_patterns("__pycache__"))
    migrate = tmp_path / "migsim" / "mm" / "migrate.py"
    text = migrate.read_text()
    line = next(x for x in text.splitlines(keepends=True) if x.startswith("from ..fs import buffer"))
    migrate.write_text(text.replace(line, ""))
    failures = first_imports(tmp_path, ["migsim.mm.migrate", "migsim.mm.vmscan"])
    assert list(failures) == ["migsim.mm.migrate"]
    assert "relink buffer_migrate_page at reorg: no earlier version is registered" in failures["migsim.mm.migrate"]
