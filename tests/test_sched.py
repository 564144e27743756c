"""Tasks, scheduling points, blocking and replay."""

import pytest

import migsim
from helpers import written_pages

PAGE = migsim.PAGE_SIZE


def machine():
    k = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=24, seed=3)
    p, a = written_pages(k, 3, b"data %d")
    k.sys_swapon(16)
    return k, p, a


def test_a_task_stops_at_named_points_and_finishes_with_the_syscall_result():
    k, p, a = machine()
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    assert t.state == "ready" and t.point is None
    names = []
    while not t.done:
        point = t.step()
        if point is not None:
            names.append(point.name)
    assert t.result == 0 and t.state == "done"
    assert {"down_read", "cond_resched", "rmap_walk_vma", "remove_from_swap_vma"} <= set(names)
    assert k.schedule == t.label * t.steps


def test_where_names_the_kernel_function_not_the_lock_helper():
    k, p, a = machine()
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1])
    t.step()
    assert t.where() == ("do_migrate_pages", f"down_read &mm{p.pid}->mmap_sem")


def test_a_writer_waits_for_mmap_sem_and_says_so():
    k, p, a = machine()
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    m.step()
    m.step()                                   # M now holds mmap_sem for reading
    f = k.start(p.fork, label="F")
    f.step()
    f.step()
    assert f.blocked and "mmap_sem" in f.waits_on()
    with pytest.raises(migsim.TaskError, match="blocked"):
        f.step()
    assert k.runnable_labels() == "M"
    m.run()
    assert not f.blocked
    child = f.run()
    assert child.read(a, 6) == b"data 0"
    k.check()


def test_the_same_schedule_replays_to_the_same_machine():
    def run(schedule):
        k, p, a = machine()
        k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
        k.start(p.fork, label="F")
        k.replay(schedule)
        k.run_tasks()
        k.check()
        return k.dump()

    schedule = "MMMFMMMMFMMM"
    assert run(schedule) == run(schedule)
    assert "schedule MMMFMMMMFMMM" in run(schedule)


def test_a_direct_call_that_must_wait_lets_the_paused_task_run():
    k, p, a = machine()
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    m.step()
    m.step()                                   # holds mmap_sem for reading
    assert p.munmap(a, 1) == 0                 # needs mmap_sem for writing: M runs to the end first
    assert m.done and m.result == 0
    assert k.schedule.startswith("MM") and len(k.schedule) > 2
    k.check()


def test_one_task_per_process():
    k, p, a = machine()
    k.start(p.fork)
    with pytest.raises(migsim.TaskError, match="one task per process"):
        k.start(p.write, a, b"x")


def test_only_sleeping_kernel_functions_can_be_started():
    k, p, a = machine()
    with pytest.raises(migsim.MigsimError, match="may sleep"):
        k.start(k.get_swap_page)
    t = k.start(k.try_to_free_pages, 4)
    t.run()
    assert t.done and isinstance(t.result, int)
