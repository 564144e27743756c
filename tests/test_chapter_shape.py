"""Issue 20 §4 and §5: every chapter is a lesson with a beginning and an end.

It opens (after its title and badge) with an estimated time and three
learning objectives, asks at least two predictions, each answered inside a
`<details>` that comes before the cell which shows the answer, and ends with
"What to remember" and a "Next:" line. The time is the instructor guide's
(docs/guide.toml) and the README's course table gives the same.
"""

import re
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")      # Python 3.11+; the guide's source is TOML

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.md"))
TIME = re.compile(r"\*\*Estimated time:\*\* ([^.]+)\. \*\*After this chapter you can:\*\*")


def guide_times():
    """{"00": "60-75 min", ...} from the instructor guide's [chapter.NN] tables."""
    data = tomllib.loads((ROOT / "docs" / "guide.toml").read_text())
    return {n: notes["time"] for n, notes in data["chapter"].items() if "time" in notes}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_opens_with_time_and_three_objectives(path):
    text = path.read_text()
    body = text.split("\n# ", 1)[1]
    head = body.split("```{code-cell}", 1)[0]             # before the first cell: title, badge, intro
    m = TIME.search(head)
    assert m, "an estimated time and objectives before the first cell"
    objectives = re.findall(r"^([0-9])\. ", head[m.end():], re.M)
    assert objectives == ["1", "2", "3"], objectives


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_ends_with_what_to_remember_and_next(path):
    text = path.read_text()
    assert "\n## What to remember\n" in text
    tail = text.rsplit("\n## What to remember\n", 1)[1]
    assert "\n## " not in tail, "What to remember is the last section"
    assert re.search(r"^Next: ", tail, re.M), "a Next: line at the end"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_predictions_are_answered_in_details_before_the_cell_that_shows_it(path):
    text = path.read_text()
    asked = 0
    for m in re.finditer(r"\*Predict first:\*|\*\*Warm-up\.\*\*", text):
        rest = text[m.end():]
        details = rest.find("<details>")
        # a warm-up's own cell poses the problem; a prediction's answer must come before any cell
        limit = rest.find("```{code-cell}", rest.find("```{code-cell}") + 1 if "Warm-up" in m.group() else 0)
        assert details != -1 and (limit == -1 or details < limit), f"no <details> answer after {m.group()}"
        asked += 1
    assert asked >= 2, f"{asked} prediction(s)"


def test_times_agree_with_the_guide_and_the_readme():
    readme = (ROOT / "README.md").read_text()
    guide = guide_times()
    for path in CHAPTERS:
        n = path.name[:2]
        time = TIME.search(path.read_text()).group(1)
        assert re.search(rf"^\| {n} \| \[[^]]+\]\([^)]+\) \| {re.escape(time)} \|", readme, re.M), n
        if n in guide:
            assert guide[n] == time, (n, guide[n], time)
    assert len(guide) >= 11, guide
