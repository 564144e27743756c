"""Set-ups the package tests share: a process with written pages, a task stepped to a point, draw helpers."""

import migsim

PAGE = migsim.PAGE_SIZE


def written_pages(k, n, text=b"page %d", comm="gcc", mapped=None, **spawn):
    """A new process `comm` with `mapped` (default `n`) anonymous pages mapped, the first `n` written.

    Page i holds ``text % i``. Returns (process, address of the first page).
    """
    p = k.spawn(comm, **spawn)
    a = p.mmap(n if mapped is None else mapped)
    for i in range(n):
        p.write(a + i * PAGE, text % i)
    return p, a


def step_until(task, function, point):
    """Step `task` until it stops at a scheduling point called `point...` inside kernel function `function`."""
    while True:
        p = task.step()
        assert not task.done, f"{task} finished before reaching {point} in {function}"
        if task.where()[0] == function and p.name.startswith(point):
            return


def texts(ax):
    """Every text drawn on axes `ax`."""
    return [t.get_text() for t in ax.texts]
