"""The site's front page (tools/lite/welcome.py) tells a student what the course is today: each
chapter with the time it states and every graded exercise of its student copy, with its kind and
points, as the graders register them (no browser: the page is built from the repository)."""

import re
import sys
from pathlib import Path

import nbformat

from migsim.grading import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools" / "lite"))
import welcome  # noqa: E402

SHIPPED = sorted(str(p.relative_to(ROOT)) for d in ("notebooks", "exercises") for p in (ROOT / d).glob("*.ipynb"))
KINDS = {"build": "fix"}                     # 01.1 builds a module: a fix, by the grader's kind


def rows():
    """{chapter number: (time text, graded-exercises text)} of the page's table."""
    html = welcome.page("migsim", ROOT, SHIPPED)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row) for row in re.findall(r"<tr><td>.*?</tr>", html)]
    return {c[0]: (c[2], re.sub(r"<[^>]+>", "", c[3])) for c in cells}


def test_every_chapter_shows_the_time_it_states():
    table = rows()
    for md in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md")):
        stated = re.search(r"\*\*Estimated time:\*\* ([\d-]+ min)", md.read_text())
        assert stated, f"{md.name} states no time"
        assert table[md.name[:2]][0] == stated[1], (md.name, table[md.name[:2]])


def test_every_graded_exercise_is_listed_with_its_kind():
    table = rows()
    listed = {}
    for number, (_, work) in table.items():
        for ex, kind in re.findall(r"(\d\d\.\d+) \((\w+)", work):
            assert ex.startswith(number), (number, ex)
            listed[ex] = KINDS.get(kind, kind)
    assert listed == {ex: e.kind for ex, e in EXERCISES.items()}


def test_the_points_are_those_nbgrader_gives():
    """Each exercise's points are those of the autograded cell of the solutions notebook that grades it."""
    cells = [c for nb in sorted((ROOT / "solutions").glob("*.ipynb")) for c in nbformat.read(nb, 4).cells
             if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    given = {re.search(r'grade\("(\d\d\.\d+)"', c.source)[1]: c.metadata.nbgrader.points for c in cells}
    shown = {ex: int(points) for _, work in rows().values()
             for ex, points in re.findall(r"(\d\d\.\d+) \(\w+, (\d+) pts?\)", work)}
    assert shown == given
