"""The instructor's guide (docs/instructors.md) is what tools/build_guide.py makes now.

Its wrong answers and their verdicts come from the grader contract tables
(tests/contracts/) graded afresh, its predictions from the chapters: a
changed grader message, table or chapter makes the checked-in guide stale,
and this test says so.
"""

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("tomllib")                # tools/build_guide.py reads TOML: Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_guide", ROOT / "tools" / "build_guide.py")
guide = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(guide)


@pytest.fixture(scope="module")
def fresh():
    return guide.build()


def test_the_checked_in_guide_is_a_fresh_generation(fresh):
    assert guide.GUIDE.read_text() == fresh, "docs/instructors.md is stale: run python tools/build_guide.py"


def test_every_wrong_and_historical_row_shows_with_the_verdict_grade_gives_it(fresh):
    rows = [r for r in guide.contract_rows() if r.kind in guide.SHOWN_KINDS]
    assert rows
    for row in rows:
        message = guide.verdict(row).message          # graded once for the whole module (they can be slow)
        assert f"| {row.kind} | {guide.cell(row.label)} | fails: {guide.cell(message)} |" in fresh


def test_rows_of_other_kinds_stay_out(fresh):
    for row in guide.contract_rows():
        if row.kind not in guide.SHOWN_KINDS:
            assert f"| {guide.cell(row.label)} |" not in fresh


def test_each_chapter_has_its_section_objectives_and_predictions(fresh):
    for nn, md in guide.chapters().items():
        assert f"## {guide.title(md)}\n" in fresh
        for question, answer in guide.predictions(md):
            assert answer.splitlines()[0] in fresh
    assert fresh.count("**Objectives.**") == len(guide.chapters())
    assert "never `solutions/`" in fresh and "JupyterHub" in fresh and "JupyterLite" in fresh


def test_check_reports_a_stale_guide_and_writes_nothing(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "instructors.md"
    stale.write_text("old\n")
    monkeypatch.setattr(guide, "GUIDE", stale)
    monkeypatch.setattr(guide, "ROOT", tmp_path)
    assert guide.main(["--check"]) == 1
    assert stale.read_text() == "old\n" and "is stale" in capsys.readouterr().err


def test_the_readme_links_the_guide():
    assert "(docs/instructors.md)" in (ROOT / "README.md").read_text()
