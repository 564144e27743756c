"""Build the instructor's guide, docs/instructors.md, from the course itself and one hand-written file.

    python tools/build_guide.py            # write docs/instructors.md
    python tools/build_guide.py --check    # compare, write nothing; exit 1 if the guide is stale

What is written by hand (objectives, time, what to discuss, how to run a
class) is in docs/guide.toml. Everything else is read where it lives, so it
cannot drift: each chapter's title, warm-up and predictions with their
answers from notebooks/NN-*.md (the paragraph before each <details> block,
and the block), its exercises from migsim.grading, and, from the grader
contract tables (tests/contracts/chNN.py, `ROWS` of `Row(exercise, kind,
label, answer, passes, says)`), every "historical" and "wrong" answer with
the verdict `grade(exercise, **answer)` gives it now.
"""

import argparse
import importlib
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]      # this checkout's migsim; the tables as tests.contracts

from migsim import practice  # noqa: E402  (after the path)
from migsim.grading import EXERCISES, grade  # noqa: E402

GUIDE = ROOT / "docs" / "instructors.md"
SOURCE = ROOT / "docs" / "guide.toml"
SHOWN_KINDS = ("historical", "wrong")                # the answers a teacher meets in class
PREDICT = re.compile(r"^(\*Predict first:\*.*?)\n\s*\n", re.S | re.M)       # a paragraph
DETAILS = re.compile(r"\s*<details>\s*<summary>.*?</summary>\s*(.*?)\s*</details>", re.S)
WARMUP = re.compile(r"warmup = (practice\.\w+\([^)]*\))")


def chapters():
    """{NN: the chapter's source path}, in course order."""
    return {md.name[:2]: md for md in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md"))}


def title(md):
    """The chapter's title: its first '# ' heading."""
    return next(line[2:].strip() for line in md.read_text().splitlines() if line.startswith("# "))


def predictions(md):
    """[(question, answer)] of a chapter: each '*Predict first:*' paragraph and the <details> after it."""
    text = md.read_text()
    found = []
    for m in PREDICT.finditer(text):
        after = DETAILS.match(text, m.end())
        answer = after.group(1).strip() if after else "(No folded answer: the cell after the question shows it.)"
        found.append((m.group(1).strip(), answer))
    return found


def warmup(md):
    """The warm-up problem's expression in a chapter, or None."""
    m = WARMUP.search(md.read_text())
    return m.group(1) if m else None


def contract_rows():
    """Every Row of every table in tests/contracts/, in file order."""
    rows = []
    for path in sorted((ROOT / "tests" / "contracts").glob("ch[0-9][0-9].py")):
        rows += importlib.import_module(f"contracts.{path.stem}").ROWS
    return rows


def one_line(text):
    return " ".join(str(text).split())


def cell(text):
    """Text fit for a Markdown table cell."""
    return one_line(text).replace("|", "\\|")


_VERDICTS = {}


def verdict(row):
    """The Verdict `grade` gives the row's answer now (graded once per run of this module)."""
    key = (row.exercise, row.kind, row.label)
    if key not in _VERDICTS:
        _VERDICTS[key] = grade(row.exercise, **row.answer)
    return _VERDICTS[key]


def wrong_answers(rows, exercise):
    """Table lines: each historical and wrong answer of `exercise` and the verdict it gets now."""
    lines = []
    for row in rows:
        if row.exercise == exercise and row.kind in SHOWN_KINDS:
            v = verdict(row)
            mark = "passes (!)" if v.passed else "fails"
            lines.append(f"| {row.kind} | {cell(row.label)} | {mark}: {cell(v.message)} |")
    if not lines:
        return ["No contract rows yet for this exercise."]
    return ["| kind | the answer | its verdict |", "|---|---|---|", *lines]


def graded_where(ex):
    """Where an exercise is graded, in one sentence."""
    if ex.kind == "predict":
        return f"Predict, worth {ex.points} point: its answer is computed by running the simulator at `{ex.step}`."
    return f"{type(ex).__name__}, graded at `{ex.before}` (the step before `{ex.step}`)."


def chapter_section(nn, md, notes, rows):
    out = [f"## {title(md)}", "", f"Notebook: [`notebooks/{md.stem}.ipynb`](../notebooks/{md.stem}.ipynb). "
           f"Time: **{notes.get('time', '(not given)')}**.", "", "**Objectives.**", ""]
    out += [f"{i}. {o}" for i, o in enumerate(notes.get("objectives", []), 1)] + [""]
    expr = warmup(md)
    if expr:
        answers = [line for line in str(eval(expr, {"practice": practice}).reveal()).splitlines()
                   if line.startswith("Q")]
        out += ["**Warm-up.** `" + expr + "`; its answers (`.reveal()` adds the reasoning; other seeds "
                "pose other problems):", "", "```text", *answers, "```", ""]
    preds = predictions(md)
    if preds:
        out += ["**Predictions and their answers.**", ""]
        for q, a in preds:
            out += ["> " + line if line else ">" for line in q.splitlines()]
            out += [""] + a.splitlines() + [""]
    exercises = [ex for ex in EXERCISES.values() if ex.id.startswith(nn + ".")]
    if exercises:
        out += ["**Exercises.**", ""]
        for ex in exercises:
            out += [f"### Exercise {ex.id}: {ex.title}", "",
                    graded_where(ex) + " The answers students get wrong, with the verdict each gets:", ""]
            out += wrong_answers(rows, ex.id) + [""]
    if notes.get("discuss"):
        out += ["**What to discuss.**", "", notes["discuss"].strip(), ""]
    return out


def build():
    """The guide's text."""
    src = tomllib.loads(SOURCE.read_text())
    course, notes = src["course"], src.get("chapter", {})
    rows = contract_rows()
    out = ["# Instructor's guide", "",
           "<!-- Generated by tools/build_guide.py from docs/guide.toml, the chapters' sources and the "
           "grader contract tables (tests/contracts/). Do not edit: edit those and run "
           "python tools/build_guide.py. -->", "",
           course["intro"].strip(), "", "## Running the course", "", course["running"].strip(), "",
           "## The chapters at a glance", "", "| chapter | time | exercises |", "|---|---|---|"]
    chs = chapters()
    for nn, md in chs.items():
        ids = ", ".join(ex.id for ex in EXERCISES.values() if ex.id.startswith(nn + ".")) or "-"
        out.append(f"| {cell(title(md))} | {notes.get(nn, {}).get('time', '-')} | {ids} |")
    out.append("")
    for nn, md in chs.items():
        out += chapter_section(nn, md, notes.get(nn, {}), rows)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with docs/instructors.md, write nothing")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        if not GUIDE.exists() or GUIDE.read_text() != text:
            print(f"{GUIDE.relative_to(ROOT)} is stale: run python tools/build_guide.py", file=sys.stderr)
            return 1
        return 0
    GUIDE.parent.mkdir(exist_ok=True)
    GUIDE.write_text(text)
    print(f"wrote {GUIDE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
