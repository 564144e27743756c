"""migsim.process: what a process does, as its user sees it."""

import migsim


def test_fork_gives_the_child_the_parents_name_unless_told_otherwise():
    k = migsim.Kernel(at="v2.6.16", seed=1)
    p = k.spawn("shell")
    assert p.fork().comm == "shell"                    # fork copies comm
    c = p.fork(comm="worker")
    assert (c.comm, p.comm) == ("worker", "shell")
    assert "process 102 worker" in k.dump()
