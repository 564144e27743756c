"""A student's generator closed by the garbage collector is no tampering with the guard.

A task of an abandoned kernel (a deadlock the explorer gave up on) stays
suspended in the student's generator until the cyclic collector frees the
kernel; freeing it closes the generator, and the guard's wrapper enters and
leaves a student call for that. The collector runs at any allocation, so
that can happen while the guard is itself leaving another student call, in
the moment after it counted the call done and before it put the outer trace
function back. The inner leave then put the outer trace back too early, the
outer leave found "the tracer switched off" and the verdict called the answer
tampering: whether a grade said so depended on when the collector ran, so on
what the process had done before (the instructor guide's 07.2 row "the
anon_vma lock taken inside the pte locks (ABBA)" got 0/9 checks instead of
6/9 when the guide was built under pytest-xdist).
"""

import sys

from migsim.grading.guard import Guard


def student_gen():
    yield "suspended"
    yield "never reached"


def student_fn():
    return "done"


def test_a_generator_closed_while_the_guard_leaves_a_call_is_not_tampering():
    guard = Guard([student_gen, student_fn])
    gen_fn, fn = guard.wrap(student_gen), guard.wrap(student_fn)
    closed = []

    def work():
        it = gen_fn()
        assert next(it) == "suspended"          # suspended in the student's generator, like a deadlocked task
        leave_check = guard._recheck

        def recheck(tracing):                   # the collector closes `it` at this moment of fn's leave
            guard._recheck = leave_check
            it.close()
            closed.append(True)
            leave_check(tracing)

        guard._recheck = recheck
        return fn()

    before = sys.gettrace()
    assert guard.run(work) == "done" and closed
    assert guard.tampered is None and sys.gettrace() is before


def test_switching_the_tracer_off_is_still_tampering():
    def student_off():
        sys.settrace(None)
        return "off"

    guard = Guard([student_off])
    off = guard.wrap(student_off)
    try:
        guard.run(off)
    except Exception as e:                      # StudentError: the verdict says what the code did
        assert "switched off the grader's tracer" in str(e)
    else:
        raise AssertionError("a student function that calls sys.settrace(None) passed as untouched")
