"""The code as a newcomer meets it: lint-clean, one page size, each import block without repeats."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import migsim

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sorted(p for d in ("migsim", "tests", "tools", "benchmarks") for p in (ROOT / d).rglob("*.py"))
SOURCES = PYTHON + sorted(p for d in ("notebooks", "solutions") for p in (ROOT / d).glob("*.md"))


def ruff():
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.skip("ruff is not installed: pip install -e '.[test]'")
    return found


def test_ruff_finds_nothing():
    run = subprocess.run([ruff(), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]


def test_the_page_size_is_written_once():
    assert migsim.PAGE_SIZE == 4096
    typed = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if re.match(r"\s*PAGE(_SIZE)?\s*=\s*4096\b", line)]
    assert not typed, typed


def repeated_imports(tree):
    """Modules that two top-level `from X import ...` statements of one file import from."""
    seen, twice = set(), []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            key = ("." * node.level) + (node.module or "")
            if key in seen and node.module is not None:
                twice.append(key)
            seen.add(key)
    return twice


def test_no_file_imports_from_one_module_in_two_statements():
    found = {str(p.relative_to(ROOT)): repeated_imports(ast.parse(p.read_text())) for p in PYTHON}
    assert not {p: t for p, t in found.items() if t}


def test_the_repeat_finder_sees_a_repeat():
    assert repeated_imports(ast.parse("from errno import EIO\nfrom . import a\nfrom errno import EPERM\n")) == ["errno"]


def test_slow_patterns_match_by_name_and_parameters():
    from conftest import matches
    assert matches("tests/a.py::test_x[three]", "tests/a.py::test_x[three]")
    assert matches("tests/a.py::test_x[new0-fork]", "tests/a.py::test_x[new0-*]")
    assert not matches("tests/a.py::test_x[new1-fork]", "tests/a.py::test_x[new0-*]")
    assert matches("tests/a.py::test_x[new1-fork]", "tests/a.py::test_x")
    assert matches("tests/test_stateful.py::TestMigsim::runTest", "tests/test_stateful.py::*")
