"""The graders of chapter 02, judged on the answers students can give.

The solution and the untouched student functions come from the built
notebooks: solutions/02-the-dirty-page.ipynb and its student copy
exercises/02-the-dirty-page.ipynb (tests/test_course.py keeps both in sync
with solutions/02-the-dirty-page.md), so these tests check what students see.
Each answer is compiled as a cell of its own ("<cell NAME>"), so line numbers
in verdicts are lines of that cell.
"""

import signal
import sys
import time
from pathlib import Path

import pytest

import migsim
from migsim import kbuild, scenarios
from migsim.grading import EXERCISES, FindSchedule, grade
from migsim.grading.guard import Guard, StudentError
import chapter_cells

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "02-the-dirty-page.ipynb"


def cells(folder):
    """{grade_id: source} of the chapter's nbgrader code cells in `folder` ("solutions" or "exercises")."""
    return chapter_cells.cells(CHAPTER, folder)


SOLUTION, STUDENT = cells("solutions"), cells("exercises")


def answer(source, name, cell="answer"):
    """Run the chapter's setup cell, then `source` as a cell called `cell`: the function `name`."""
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    exec(compile(source, f"<cell {cell}>", "exec"), ns)
    return ns[name]


def edited(old, new, source=None):
    """The solution's migrate_pages with `old` replaced by `new` (which must occur once)."""
    source = SOLUTION["fix_migrate_pages"] if source is None else source
    assert source.count(old) == 1, old
    return answer(source.replace(old, new), "migrate_pages")


def registered(since):
    """migrate_pages as registered at `since`, typed into a cell (the registered function itself is refused)."""
    from contracts import kernel_copy
    return kernel_copy("migrate_pages", since)


def one_line(verdict):
    text = verdict.message
    assert "\n" not in text and "Traceback" not in text and repr(verdict) == str(verdict) == text
    return text


# --- 02.1, the fix ---------------------------------------------------------------------------------

def test_the_untouched_fix_exercise_fails_with_a_helpful_line():
    v = grade("02.1", migrate_pages=answer(STUDENT["fix_migrate_pages"], "migrate_pages"))
    assert not v.passed and v.score == 0 and v.total == 12
    assert one_line(v).startswith("Exercise 02.1: not answered yet: your cell still raises NotImplementedError")


def test_the_solution_passes_every_check_and_the_hidden_ones():
    v = grade("02.1", migrate_pages=answer(SOLUTION["fix_migrate_pages"], "migrate_pages"))
    assert v.passed and (v.score, v.total) == (12, 12)
    assert one_line(v) == "Exercise 02.1: correct (12/12 checks)"
    assert grade("02.1", hidden=True, migrate_pages=answer(SOLUTION["fix_migrate_pages"], "migrate_pages")).passed


def test_the_patch_as_registered_passes():
    assert grade("02.1", migrate_pages=registered("dirty-fallback")).passed


def test_the_historical_bug_fails_on_bug_as_own_words():
    v = grade("02.1", migrate_pages=registered("v2.6.16"))
    assert not v.passed and 0 < v.score < v.total
    assert one_line(v) .startswith("Exercise 02.1: bug A's scenario (a page dirty only in its pte, on listfs): "
                                   "expected no failure; got Bad page state: journal: its own dirty list "
                                   "points at pfn 0x1000, which is free")
    details = v.details()
    assert details.count("FAIL") == v.total - v.score and "random workload (seed 1)" in details


UNMAP = "if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:"
WRITE_OUT = "result = k.pageout(page, mapping)"


@pytest.mark.parametrize("old, new, failing", [
    # unmaps first, but drops the dirty bit instead of writing the page out: the write is lost
    (WRITE_OUT, "page.flags &= ~(1 << 4); result = PAGE_CLEAN", "bug A's scenario"),
    # writes nothing and waits for a clean page that never comes: dirty pages never move
    (WRITE_OUT, "result = 0  # PAGE_KEEP", "is written out, then moves"),
    # unmaps, but only after asking PageDirty (the bug, written another way)
    (UNMAP, "was_dirty = PageDirty(page)\n            if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:",
     "bug A's scenario"),
], ids=["drops-the-dirty-bit", "never-writes", "asks-before-unmapping"])
def test_plausible_wrong_answers_fail(old, new, failing):
    if "was_dirty" in new:
        fn = edited("if PageDirty(page):", "if was_dirty:",
                    SOLUTION["fix_migrate_pages"].replace(old, new))
    else:
        fn = edited(old, new)
    v = grade("02.1", migrate_pages=fn)
    assert not v.passed
    assert failing in one_line(v), v.details()


DIFFERENT = '''\
            # Take the ptes down, then look; the order is the whole fix.
            unmapped = yield from k.try_to_unmap(page, 1)
            if unmapped == SWAP_FAIL:
                rc = -EPERM
            elif not page_mapped(page):
                written = k.pageout(page, mapping) if PageDirty(page) else PAGE_CLEAN
                if written == PAGE_SUCCESS:
                    k.unlock_page(newpage)
                    return rc, None
                if written == PAGE_CLEAN:
                    if not PagePrivate(page) or k.try_to_release_page(page):
                        rc = yield from k.migrate_page(newpage, page)
                    elif pass_ > 4:
                        k.unlock_page(newpage)
                        return (yield from k.swap_page(page)), None
'''


def test_a_differently_written_correct_answer_passes():
    source = SOLUTION["fix_migrate_pages"]
    start = source.index("            ### BEGIN SOLUTION")
    end = source.index("            ### END SOLUTION\n") + len("            ### END SOLUTION\n")
    v = grade("02.1", migrate_pages=answer(source[:start] + DIFFERENT + source[end:], "migrate_pages"))
    assert v.passed, v.details()


# --- untrusted code ----------------------------------------------------------------------------------

def test_an_answer_that_raises_gets_the_exception_and_its_line():
    fn = edited(UNMAP, "if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL / 0:")
    line = 1 + SOLUTION["fix_migrate_pages"].splitlines().index("            " + UNMAP)
    v = grade("02.1", migrate_pages=fn)
    assert not v.passed
    assert one_line(v).startswith(f"Exercise 02.1: your code raised ZeroDivisionError: division by zero "
                                  f"(line {line} of your cell, in migrate_one)")


def test_an_answer_that_passes_bad_arguments_on_is_named():
    v = grade("02.1", migrate_pages=edited(UNMAP, "if (yield from k.try_to_unmap(page)) == SWAP_FAIL:"))
    assert "TypeError" in one_line(v) and "of your cell, in migrate_one" in v.message


@pytest.mark.parametrize("with_signal", [True, False], ids=["time-limit", "step-budget-only"])
def test_an_answer_that_loops_is_stopped_and_the_tracer_and_alarm_are_put_back(monkeypatch, with_signal):
    if not with_signal:                              # as in Pyodide: no setitimer at all
        monkeypatch.delattr(signal, "setitimer")
    before = sys.gettrace(), signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGVTALRM)
    fn = edited(UNMAP, "while True:\n                pass\n            " + UNMAP)
    t0 = time.perf_counter()
    v = grade("02.1", migrate_pages=fn)
    assert time.perf_counter() - t0 < 10
    assert not v.passed and v.score == 0 and len(v.results) == 1        # no use running the others
    assert one_line(v).startswith("Exercise 02.1: stopped: your code ran more than 200,000 lines")
    assert (sys.gettrace(), signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGVTALRM)) == before
    if with_signal:
        assert signal.getitimer(signal.ITIMER_REAL) == signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def busy():
    """A loop the guard does not trace: it is not the student's code."""
    while True:
        pass


def test_the_cpu_limit_stops_what_no_tracer_sees_after_extending_it():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no setitimer here: only the step budget can stop a loop")

    def student(k):
        busy()                                   # one line of the student's: the time goes elsewhere

    t0 = time.process_time()
    with pytest.raises(StudentError, match=r"stopped: your code ran longer than 1.2 s of CPU time") as e:
        Guard([student], seconds=0.3).run(student, None)
    assert e.value.kind == "loops"
    assert 1.1 < time.process_time() - t0 < 5    # 0.3 s, extended three times: few lines ran


def test_time_used_outside_the_students_code_is_not_blamed_on_it():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no setitimer here: only the step budget can stop a loop")

    def student(k):
        return 1

    with pytest.raises(StudentError, match=r"the grader ran out of time: .* not in your code .* "
                                           r"the machine is too slow") as e:
        Guard([student], seconds=0.2).run(busy)
    assert e.value.kind == "slow"


def test_the_limit_counts_cpu_time_not_the_wall_clock():
    def student(k):
        time.sleep(0.5)                          # waiting uses no CPU time
        return "woke"

    assert Guard([student], seconds=0.2).run(student, None) == "woke"


def test_the_budget_sees_the_copy_a_patched_kernel_installs():
    from migsim.machine import _renamed

    def spin(k):
        while True:
            pass

    with pytest.raises(StudentError, match="stopped: your code ran more than 1,000 lines"):
        Guard([spin], budget=1000).run(_renamed(spin, "migrate_pages"), None)


def test_an_answer_that_catches_everything_is_still_stopped():
    fn = edited(UNMAP, "while True:\n                try:\n                    pass\n"
                       "                except BaseException:\n                    pass\n            " + UNMAP)
    assert "stopped" in grade("02.1", migrate_pages=fn).message


def test_an_answer_that_returns_nonsense_gets_a_verdict():
    source = SOLUTION["fix_migrate_pages"].replace("    return nr_failed + retry", "    return 'all done'")
    v = grade("02.1", migrate_pages=answer(source, "migrate_pages"))
    assert not v.passed
    assert "your migrate_pages returned 'all done'; expected the number of pages not moved" in one_line(v)


@pytest.mark.parametrize("fn, words", [
    (None, "migrate_pages must be a function"),
    (lambda k, from_, to, moved, failed: 0, "migrate_pages must be a generator"),
], ids=["not-a-function", "not-a-generator"])
def test_answers_that_are_not_usable_get_a_verdict(fn, words):
    v = grade("02.1", migrate_pages=fn)
    assert not v.passed and v.score == 0 and words in one_line(v)


def test_grading_changes_no_registry_and_no_later_kernel():
    def snapshot():
        return {name: [(v.since, v.obj) for v in vs] for name, vs in kbuild.REGISTRY.items()}
    before = snapshot()
    for fn in (registered("v2.6.16"), answer(SOLUTION["fix_migrate_pages"], "migrate_pages"),
               edited(UNMAP, "while True:\n                pass\n            " + UNMAP)):
        grade("02.1", migrate_pages=fn)
    grade("02.2", setup=answer(SOLUTION["find_setup"], "setup"))
    assert snapshot() == before
    k = migsim.Kernel(at="fixups")
    assert type(k).migrate_pages is next(v.obj for v in kbuild.REGISTRY["migrate_pages"] if v.since == "v2.6.16")
    assert scenarios.shows_bug(scenarios.DIRTY_FALLBACK, scenarios.run(scenarios.DIRTY_FALLBACK, "fixups"))


def test_bad_use_of_grade_is_a_migsim_error():
    with pytest.raises(migsim.MigsimError, match="unknown exercise '02.9'"):
        grade("02.9", migrate_pages=None)
    with pytest.raises(migsim.MigsimError, match=r"expected grade\('02.1', migrate_pages=...\)"):
        grade("02.1", migrate_page=None)
    with pytest.raises(migsim.MigsimError, match=r"expected grade\('02.2', setup=...\)"):
        grade("02.2", schedule="M3")


def test_a_verdict_shows_as_one_line_and_details_on_request():
    v = grade("02.1", migrate_pages=registered("v2.6.16"))
    pretty = []
    v._repr_pretty_(type("P", (), {"text": lambda self, s: pretty.append(s)})(), False)
    assert pretty == [v.message]
    lines = v.details().splitlines()
    assert lines[0] == v.message and len(lines) == 2 + v.total
    assert repr(v.details()) == str(v.details())              # shows as text, not an escaped string


# --- 02.2, the find ------------------------------------------------------------------------------------

def setup_source(body):
    return "def setup(k):\n" + "".join(f"    {line}\n" for line in body.splitlines())


def test_the_untouched_find_exercise_fails_with_a_helpful_line():
    v = grade("02.2", setup=answer(STUDENT["find_setup"], "setup"))
    assert not v.passed and v.score == 0
    assert one_line(v).startswith("Exercise 02.2: at unexport-swap-page: not answered yet")


def test_the_find_solution_passes():
    v = grade("02.2", setup=answer(SOLUTION["find_setup"], "setup"))
    assert v.passed and one_line(v) == "Exercise 02.2: correct (3/3 checks)"


WRITER = """f = k.create_file("f", 1, fs={fs!r})
p = k.spawn("p")
a = p.mmap(1, file=f, shared={shared})
p.write(a, b"x")
k.sys_swapon(8)
{migrate}"""
ROOT_MIGRATES = "k.sys_migrate_pages(p.pid, [0], [1])"


@pytest.mark.parametrize("body, words", [
    (WRITER.format(fs="ext2", shared=True, migrate=ROOT_MIGRATES), "the machine stayed sane"),
    (WRITER.format(fs="listfs", shared=False, migrate=ROOT_MIGRATES), "the machine stayed sane"),
    (WRITER.format(fs="listfs", shared=True, migrate=""), "the machine stayed sane"),
    (WRITER.format(fs="listfs", shared=True, migrate="p.write(a + 4096, b'y')"), "another failure: SegmentationFault"),
], ids=["ext2-has-migratepage", "private-mapping", "no-migration", "fails-another-way"])
def test_wrong_setups_fail(body, words):
    v = grade("02.2", setup=answer(setup_source(body), "setup"))
    assert not v.passed and words in one_line(v), v.details()


# 02.2's case: the page is dirty in another process's pte (w's), never in the migrated process's.
OTHER_WRITES = """f = k.create_file("f", 1, fs="listfs")
p, w = k.spawn("p", uid=0), k.spawn("w")
a = p.mmap(1, file=f, shared=True)
p.read(a, 1)
w.write(w.mmap(1, file=f, shared=True), b"x")
k.sys_swapon(8)
{migrate}"""


def test_the_chapters_own_case_fails_for_02_2():
    """The migrated process dirtied the page itself (the chapter's editor): bug A shows, but it is not the case asked."""
    v = grade("02.2", setup=answer(setup_source(WRITER.format(fs="listfs", shared=True, migrate=ROOT_MIGRATES)),
                                   "setup"))
    assert not v.passed and v.score == 2 and "dirty in the pte of the process you migrate" in one_line(v)


def test_differently_written_setups_pass():
    by_mbind = OTHER_WRITES.format(migrate="p.mbind(a, 1, 'bind', [1], migsim.MPOL_MF_MOVE_ALL)")
    as_a_task = OTHER_WRITES.format(migrate="k.start(p.migrate_pages, p.pid, [0], [1])")
    for body in (by_mbind, as_a_task):
        v = grade("02.2", setup=answer("import migsim\n" + setup_source(body), "setup"))
        assert v.passed, v.details()


def test_a_setup_that_loops_or_raises_gets_a_verdict():
    v = grade("02.2", setup=answer(setup_source("while True:\n    pass"), "setup"))
    assert one_line(v).startswith("Exercise 02.2: at unexport-swap-page: stopped: your code ran more than")
    v = grade("02.2", setup=answer(setup_source("k.spawn(42)"), "setup"))
    assert "MigsimError: bad comm (process name): 42" in one_line(v) and "line 2 of your cell, in setup" in v.message


# --- a find by schedule (no chapter uses one yet) -----------------------------------------------------

def test_a_schedule_find_replays_before_and_at_the_fix():
    ex = FindSchedule("07.x", "fork-race-fix", "the fork race", scenarios.FORK_RACE, bug="B")
    assert ex.before == "swapless-core"
    assert ex.grade({"schedule": scenarios.FORK_RACE.schedule}).passed
    v = ex.grade({"schedule": "M2"})
    assert not v.passed and "expected bug B to show" in v.message
    assert "schedule must be a string" in ex.grade({"schedule": 7}).message


def test_every_exercise_is_about_a_step_and_the_one_before():
    for ex in EXERCISES.values():
        at = getattr(ex, "at", None)
        if isinstance(at, str) and migsim.steps.INDEX[at] != migsim.steps.INDEX[ex.step] - 1:
            assert ex.before == at                   # Fix(at=...): judged where the function is first called
            continue
        assert migsim.steps.INDEX[ex.step] == migsim.steps.INDEX[ex.before] + 1


# --- progress while a grade runs ------------------------------------------------------------------

def test_progress_shows_after_a_second_and_leaves_an_empty_display(monkeypatch):
    from migsim.grading import progress
    shown = []

    class Handle:
        def update(self, data, raw):
            shown.append(data["text/plain"])

    monkeypatch.setattr(progress, "_kernel_display", lambda: lambda data, raw, display_id: Handle())
    now = [0.0]
    d = progress.Display("08.1", clock=lambda: now[0])
    d("08.1", "the fork at cow-fix", 0, 3)
    assert shown == []                                   # within the first second: nothing
    now[0] = 1.5
    d.tick()                                             # the parent's poll shows the check that runs
    d("08.1", "the explorer", 1, 3)
    assert shown == ["grading 08.1: check 1 of 3 (2 left after it): the fork at cow-fix ...",
                     "grading 08.1: check 2 of 3 (1 left after it): the explorer ..."]
    d.close()
    assert shown[-1] == ""                               # what the stored notebook keeps, whatever the timing


def test_a_grade_reports_each_check_from_the_child(monkeypatch):
    from migsim.grading import progress
    reports = []

    class Recorder(progress.Display):
        def __call__(self, *report):
            reports.append(report)

    monkeypatch.setattr(progress, "Display", Recorder)
    v = grade("02.1", migrate_pages=answer(SOLUTION["fix_migrate_pages"], "migrate_pages"))
    n = len(v.results)
    assert v.passed and n >= 10 and [r[2:] for r in reports] == [(i, n) for i in range(n)]
    assert reports[0][:2] == ("02.1", v.results[0].name)


def test_strict_nbval_passes_on_a_solution_notebook_that_shows_progress(tmp_path):
    """With progress shown at once, every grade updates its display; the stored (empty) one still matches."""
    import os
    import subprocess
    env = dict(os.environ, MIGSIM_PROGRESS_AFTER="0", MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--nbval", "--nbval-current-env", "-q", "-s", str(ROOT / "solutions" / CHAPTER)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "update_display_data" in done.stdout          # nbval saw the updates (and ignores them)
