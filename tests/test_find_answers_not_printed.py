"""No find exercise is answered by what the course prints (issue 20, §2).

Every schedule-like string in the chapters' text, in every output of the
built chapters and exercise notebooks, in the exercise notebooks' own cells,
and every schedule a registered
scenario carries (`schedule`, `schedule_for(at)`) is graded as an answer to
07.1, for the students the notebooks use and a few more: none may pass. The
setup finds are graded with the chapters' own demo machines, made into
setups from the chapters' code and the scenario builders they use: none may
pass either. Grades run in this process (`exercise.grade`), without the
sandbox: the answers are the course's own.
"""

import inspect
import re
import textwrap
from pathlib import Path

import nbformat
import pytest

from migsim import scenarios, sched, steps
from migsim.errors import MigsimError
from migsim.grading import EXERCISES

ROOT = Path(__file__).resolve().parent.parent
FINDS = ("02.2", "03.2", "06.4", "07.1", "09.2")
# The students the notebooks use (the solutions' id; the exercise copies give none), and a few more.
STUDENTS = ("instructor", "s1234567", "s0000001", "s2006001", "a.student", "s9999999")

# A move of a schedule: a task letter, then a count, or a point (M@name#n, F:name), or nothing.
MOVE = r"[MF](?:\d+|[@:][A-Za-z_]\w*(?:#\d+)?)?"
SCHEDULE = re.compile(rf"(?<![\w@#:]){MOVE}(?:\s?{MOVE})+(?![\w@#:])")


def schedules_in(text):
    """The schedule-like strings of `text` that `sched.parse` accepts."""
    found = set()
    for m in SCHEDULE.finditer(text):
        try:
            sched.parse(m.group(0))
        except MigsimError:
            continue
        found.add(m.group(0))
    return found


def outputs(path):
    """The text of every output of the notebook at `path`."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                yield out["text"]
            for value in out.get("data", {}).values():
                if isinstance(value, str):
                    yield value


def printed_schedules():
    """Every schedule the course shows: chapter texts, built chapters' and exercise copies' outputs, the exercise
    copies' own cells, scenarios."""
    found = set()
    for md in sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.md")):
        found |= schedules_in(md.read_text())
    for folder in ("notebooks", "exercises"):
        for nb in sorted((ROOT / folder).glob("[0-9][0-9]-*.ipynb")):
            for text in outputs(nb):
                found |= schedules_in(text)
    for nb in sorted((ROOT / "exercises").glob("[0-9][0-9]-*.ipynb")):     # the student's copy: its text too
        for cell in nbformat.read(nb, as_version=4).cells:
            found |= schedules_in(cell.source)
    for sc in scenarios.ALL.values():
        if sc.schedule:
            found.add(sc.schedule)
        for at in {*sc.lives, "swapless-core", "fork-race-fix"}:
            s = sc.schedule_for(at)
            if s:
                found.add(s)
    return found


PRINTED = sorted(printed_schedules())


def answer(exercise, student, **given):
    """The answer's keywords as the exercise takes them (a student id only where it has variants)."""
    return {**({"student": student} if getattr(EXERCISES[exercise], "variants", ()) else {}), **given}


def test_the_collection_sees_what_the_chapters_print():
    """The collector finds the schedules chapter 07 prints, in both forms (so an empty list proves nothing)."""
    assert {"M85F7M6F2M", "M@remove_migration_ptes#10 F@copy_one_pte M F"} <= set(PRINTED)
    assert schedules_in("run `M3F2M` or 'M@lock_page F:copy_one_pte M F'") == {
        "M3F2M", "M@lock_page F:copy_one_pte M F"}
    assert schedules_in("MPOL_MF_MOVE, MF_MOVE_ALL, a CPU M") == set()


def students_of_every_variant(exercise):
    """STUDENTS, and for each variant of `exercise` the first id "v0", "v1", ... that has it."""
    ex, found = EXERCISES[exercise], {}
    if not getattr(ex, "variants", ()):
        return STUDENTS
    for n in range(20_000):
        if len(found) == len(ex.variants):
            break
        params = ex.variant(f"v{n}").params
        found.setdefault(tuple(sorted(params.items())), f"v{n}")
    assert len(found) == len(ex.variants), f"ids that reach every variant of {exercise}"
    return (*STUDENTS, *found.values())


@pytest.mark.parametrize("student", students_of_every_variant("07.1"))
def test_no_printed_schedule_answers_07_1(student):
    ex = EXERCISES["07.1"]
    passing = [s for s in PRINTED if ex.grade(answer("07.1", student, schedule=s)).passed]
    assert passing == [], f"printed schedules that answer 07.1 for {student!r} ({ex.variant(student)}): {passing}"


# --- the setup finds: the chapters' demo machines, as setups ---------------------------------------

def builder_setup(build):
    """A scenario builder's machine as a setup: its lines but the kernel it makes and what it returns."""
    lines = textwrap.dedent(inspect.getsource(build)).splitlines()[1:]
    body = []
    for line in textwrap.dedent("\n".join(lines)).splitlines():
        if re.match(r"k = _kernel\(", line) or line.startswith('"""'):
            continue
        body.append(re.sub(r"^return k, ", "_ = ", line))
    return make_setup("k", "\n".join(body), scenarios.__dict__)


def make_setup(params, body, namespace=None):
    ns = dict(namespace or {})
    exec(f"def setup({params}):\n" + textwrap.indent(body, "    "), ns)
    return ns["setup"]


def chapter_cell(chapter, marker):
    """The code of the first code cell of notebooks/`chapter` that contains `marker`."""
    text = (ROOT / "notebooks" / chapter).read_text()
    cells = re.findall(r"```\{code-cell\}\n(?::tags:.*\n\n)?(.*?)```", text, re.S)
    return next(c for c in cells if marker in c)


def demo_03():
    """Chapter 03, section 4: gcc_with_ext2's machine, a reference taken on its ext2 page."""
    cell = chapter_cell("03-the-reference-count-rule.md", "def gcc_with_ext2(at):")
    fn, rest = cell.split("\n\n", 1)
    body = [line for line in textwrap.dedent("\n".join(fn.splitlines()[1:])).splitlines()
            if "migsim.Kernel(" not in line and not line.startswith("return")]
    body += [line for line in rest.splitlines() if line and not line.startswith(("k, p, a =", "print("))]
    return make_setup("k", "\n".join(body + ["return p.pid, lambda: put_page(page)"]), _mm())


def demo_06():
    """Chapter 06, section 2: one page swapped out and read back in, then migrated."""
    cell = chapter_cell("06-dropping-swap.md", "k.reclaim(16)")
    body = [line for line in cell.split("try:")[0].splitlines()
            if line and "migsim.Kernel(" not in line and not line.startswith("print(")]
    return make_setup("k", "\n".join(body + ["return p, a, 1"]))


def demo_09():
    """Chapter 09, section 1: as many swapons as swap_info[] has slots, and one more."""
    cell = chapter_cell("09-the-swapon-overflow.md", "old.MAX_SWAPFILES + 1")
    line = next(line for line in cell.splitlines() if "sys_swapon" in line)
    return make_setup("k", line.replace("old", "k"))


def _mm():
    from migsim.include.linux import mm
    return vars(mm)


DEMOS = {
    "02.2": [builder_setup(scenarios._build_dirty_fallback)],
    "03.2": [demo_03()],
    "06.4": [demo_06()],
    "09.2": [builder_setup(scenarios._build_swapon), demo_09()],
}


@pytest.mark.parametrize("exercise", sorted(DEMOS))
def test_no_chapter_demo_answers_a_setup_find(exercise):
    """For every variant of a seeded find (and the notebooks' students), none of the chapter's demos passes."""
    ex = EXERCISES[exercise]
    for student in students_of_every_variant(exercise):
        for setup in DEMOS[exercise]:
            v = ex.grade(answer(exercise, student, setup=setup))
            assert v.total > 0 and not v.passed, f"the chapter's demo answers {exercise} for {student}: {v.details()}"


def test_the_demos_are_the_chapters_and_do_show_their_bugs():
    """Each demo setup is a real one: the machine it makes fails before its fix (so it fails 02.2/09.2 for
    being the chapter's case, not for being broken)."""
    v = EXERCISES["02.2"].grade({"setup": DEMOS["02.2"][0]})
    assert v.results[0].passed and v.results[1].passed, v.details()
    for setup in DEMOS["09.2"]:
        v = EXERCISES["09.2"].grade({"student": "instructor", "setup": setup})
        assert v.results[0].passed and "swapon" in v.message, v.details()


def test_every_find_is_covered():
    """Each find exercise of the course is judged here: by schedules (07.1) or by the demos."""
    finds = {e for e, ex in EXERCISES.items() if ex.kind == "find"}
    assert finds == set(FINDS) == {"07.1", *DEMOS}
    assert steps.INDEX["fork-race-fix"] > steps.INDEX["swapless-core"]
