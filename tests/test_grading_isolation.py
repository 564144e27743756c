"""Nothing an answer does can hang the grader or outlive its grade (issue 18 §3).

Each hostile answer is the solution of 02.1 with a few lines put first in
its body. After it, honest answers (the solution, the historical bug, the
find's solution) must get the verdicts they got in a fresh process. Both
places a grade can run are tried: the child process (Linux, macOS) and this
process with the guard alone (as in Pyodide, `sandbox.ISOLATE = False`).
"""

import signal
import sys
import time

import pytest

import migsim
from migsim import machine
from migsim.grading import grade, sandbox
import chapter_cells

CHAPTER = "02-the-dirty-page.ipynb"
SOLUTION = chapter_cells.cells(CHAPTER, "solutions")
BODY = "    swapwrite = k.current.flags & PF_SWAPWRITE\n"


def migrate_pages(first=""):
    """02.1's solution with `first` (lines of code) run first in its body."""
    source = SOLUTION["fix_migrate_pages"]
    assert source.count(BODY) == 1
    lines = "".join(f"    {line}\n" for line in first.splitlines())
    return chapter_cells.answer(SOLUTION["setup"], source.replace(BODY, lines + BODY), "migrate_pages")


def honest():
    """(message, score) of the solution, the historical bug and the find's solution."""
    from contracts import kernel_copy          # the registered function itself is refused: a typed-in copy
    bug = kernel_copy("migrate_pages", "v2.6.16")
    setup = chapter_cells.answer(SOLUTION["setup"], SOLUTION["find_setup"], "setup")
    return [(v.message, v.score) for v in (grade("02.1", migrate_pages=migrate_pages()),
                                           grade("02.1", migrate_pages=bug), grade("02.2", setup=setup))]


@pytest.fixture(scope="module")
def fresh():
    verdicts = honest()
    assert verdicts[0][0].startswith("Exercise 02.1: correct (") and "bug A" in verdicts[1][0]
    return verdicts


@pytest.fixture(params=["child", "in-process"])
def where(request, monkeypatch):
    if request.param == "child" and not sandbox.can_fork():
        pytest.skip("no child processes here")
    monkeypatch.setattr(sandbox, "ISOLATE", request.param == "child")
    return request.param


def hostile(first):
    """The verdict of the hostile answer, and the time it took (wall clock)."""
    t0 = time.perf_counter()
    v = grade("02.1", migrate_pages=migrate_pages(first))
    return v, time.perf_counter() - t0


def state():
    return sys.gettrace(), signal.getsignal(signal.SIGVTALRM), signal.getitimer(signal.ITIMER_VIRTUAL)


# --- it cannot hang the grader -------------------------------------------------------------------

CATCHES_THE_ALARM = """import sys
sys.settrace(None)
while True:
    try:
        while True:
            pass
    except BaseException:
        pass"""

STOPS_THE_TIMER = """import sys, signal
sys.settrace(None)
signal.setitimer(signal.ITIMER_VIRTUAL, 0)
signal.signal(signal.SIGXCPU, signal.SIG_IGN)
while True:
    pass"""


@pytest.mark.skipif(not sandbox.can_fork(), reason="no child processes here")
@pytest.mark.parametrize("first", [CATCHES_THE_ALARM, STOPS_THE_TIMER], ids=["catches-the-alarm", "stops-the-timer"])
def test_an_answer_that_switches_the_guard_off_and_loops_is_stopped_by_the_cpu_limit(first, fresh, monkeypatch):
    monkeypatch.setattr(sandbox, "CPU_LIMIT_S", 2)
    before = state()
    v, took = hostile(first)
    assert not v.passed and v.score == 0 and v.credit(2) == 0
    assert v.message.startswith("Exercise 02.1: stopped: your code used more than 2 s of CPU time")
    assert took < 30
    assert state() == before and honest() == fresh


def test_an_answer_that_switches_the_tracer_off_and_returns_is_caught_and_the_tracer_put_back(where, fresh):
    before = state()
    v, _ = hostile("import sys\nsys.settrace(None)")
    assert not v.passed
    assert "your code switched off the grader's tracer (sys.settrace)" in v.message
    assert state() == before and honest() == fresh


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="no timer here")
def test_an_answer_that_stops_the_timer_and_returns_is_caught_and_the_timer_put_back(where, fresh):
    before = state()
    v, _ = hostile("import signal\nsignal.setitimer(signal.ITIMER_VIRTUAL, 0)")
    assert not v.passed and "your code switched off the grader's timer (setitimer)" in v.message
    v, _ = hostile("import signal\nsignal.signal(signal.SIGVTALRM, signal.SIG_IGN)")
    assert not v.passed and "your code replaced the grader's timer signal handler" in v.message
    assert state() == before and honest() == fresh


@pytest.mark.skipif(not sandbox.can_fork(), reason="no child processes here")
def test_an_answer_that_sleeps_is_stopped_by_the_parent(fresh, monkeypatch):
    monkeypatch.setattr(sandbox, "STALL_S", 1)
    v, took = hostile("import time\ntime.sleep(60)")
    assert v.message.startswith("Exercise 02.1: stopped: your code waited 1 s without running")
    assert took < 20 and honest() == fresh


# --- it cannot change later grades --------------------------------------------------------------

REPLACES_THE_GRADER = """import migsim.grading.core as core, migsim.grading.verdict as verdict
class Always(verdict.Verdict):
    def __init__(self, exercise, results, total, problem=None):
        super().__init__(exercise, [], total, None)
        self.passed, self.score = True, total
core.Verdict = verdict.Verdict = Always
core.expect = lambda *args, **kwargs: None
verdict.Result.line = lambda self: "ok"
import migsim.grading
migsim.grading.EXERCISES["02.1"].checks.clear()"""


def test_an_answer_that_replaces_the_graders_code_changes_no_later_grade(where, fresh):
    hostile(REPLACES_THE_GRADER)             # its own grade is its own business (out of scope: cheating)
    assert honest() == fresh


def test_an_answer_cannot_assign_to_a_cached_build(where, fresh):
    before = machine.build("fixups").migrate_pages
    v, _ = hostile("import migsim.machine as m\nm.build('fixups').migrate_pages = m.build('dirty-fallback').migrate_pages")
    assert not v.passed and "MigsimError: cannot change 'migrate_pages' of Kernel_fixups" in v.message
    assert machine.build("fixups").migrate_pages is before
    assert honest() == fresh


def test_a_cached_build_refuses_assignment_with_a_clear_error():
    cls = machine.build("cow-fix")
    before = cls.sys_swapon
    with pytest.raises(migsim.MigsimError, match=r"cannot change 'sys_swapon' of Kernel_cow_fix, the cached build "
                                                r"of step cow-fix: .* patch=\{'sys_swapon': \.\.\.\}"):
        cls.sys_swapon = None
    with pytest.raises(migsim.MigsimError, match="cannot change 'check'"):
        del cls.check
    assert cls.sys_swapon is before and migsim.Kernel(at="cow-fix").sys_swapon.__func__ is before
    patched = migsim.Kernel(at="cow-fix", patch={"sys_swapon": before.kernel_function})
    type(patched).extra = 1                   # a patched kernel's class is its own: it may be changed


@pytest.mark.skipif(not sandbox.can_fork(), reason="no child processes here (Pyodide limits memory itself)")
def test_an_answer_that_allocates_too_much_is_stopped_by_the_memory_limit(fresh):
    v, took = hostile("hog = bytearray(1_500_000_000)")
    assert not v.passed and "your code used more memory than the grader allows" in v.message
    v, took = hostile("import migsim\nmigsim.hog = [bytearray(100_000_000) for _ in range(15)]")
    assert not v.passed and "memory" in v.message
    assert took < 20 and honest() == fresh


# --- an exit is a verdict; an interrupt interrupts ----------------------------------------------

@pytest.mark.parametrize("first, words", [
    ("raise SystemExit(0)", "your code raised SystemExit"),
    ("import sys\nsys.exit('bye')", "your code raised SystemExit: bye"),
    ("raise GeneratorExit", "your code raised GeneratorExit"),
], ids=["SystemExit", "sys.exit", "GeneratorExit"])
def test_an_exit_becomes_a_verdict(where, fresh, first, words):
    v, _ = hostile(first)
    assert not v.passed and words in v.message and v.credit(2) == 0
    assert honest() == fresh


@pytest.mark.skipif(not sandbox.can_fork(), reason="no child processes here")
def test_an_answer_that_ends_its_process_gets_a_verdict(fresh):
    v, _ = hostile("import os\nos._exit(0)")
    assert v.message.startswith("Exercise 02.1: the grade ended without a verdict (exit status 0)")
    assert honest() == fresh


def test_keyboard_interrupt_still_interrupts(where, fresh):
    first = ("import os, signal\nos.kill(os.getpid(), signal.SIGINT)\nimport time\ntime.sleep(5)"
             if where == "child" else "raise KeyboardInterrupt")
    with pytest.raises(KeyboardInterrupt):
        hostile(first)
    assert honest() == fresh


# --- what the child sends back is data, checked -----------------------------------------------

def test_a_verdict_crosses_the_process_boundary_as_checked_data():
    from migsim.grading.verdict import Result, Verdict
    v = Verdict("02.1", [Result("a", True), Result("b", False, "x", "y", points=2)], 4)
    back = Verdict.from_data(v.to_data())
    assert (back.message, back.score, back.total, back.details()) == (v.message, 1, 4, v.details())
    data = v.to_data()
    data["results"][0]["passed"] = "yes"
    with pytest.raises(ValueError):
        Verdict.from_data(data)


def test_what_an_answer_prints_reaches_the_cell(where, capsys):
    v, _ = hostile("import sys\nprint('from the answer')\nprint('to stderr', file=sys.stderr)")
    assert v.passed, v.details()
    out, err = capsys.readouterr()
    assert "from the answer" in out and "to stderr" in err
