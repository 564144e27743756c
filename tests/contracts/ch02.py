"""Chapter 02's contract rows. STAND-IN: a small example table; the full one replaces it."""

from migsim import kbuild

from . import Row


def _writer(fs, shared, migrate=True):
    """A setup: a process writes a one-page file map (dirty in the pte only), then root migrates it."""
    def setup(k):
        f = k.create_file("f", 1, fs=fs)
        p = k.spawn("p")
        a = p.mmap(1, file=f, shared=shared)
        p.write(a, b"x")
        k.sys_swapon(8)
        if migrate:
            k.sys_migrate_pages(p.pid, [0], [1])
    return setup


def _untouched(k):
    raise NotImplementedError()


def _registered(name, since):
    return next(v.obj for v in kbuild.REGISTRY[name] if v.since == since)


ROWS = [
    Row("02.1", "historical", "migrate_pages as at 2.6.16 (tests PageDirty before unmapping)",
        {"migrate_pages": _registered("migrate_pages", "v2.6.16")}, False, says="bug A"),
    Row("02.2", "untouched", "the student copy as handed out", {"setup": _untouched}, False,
        says="not answered yet"),
    Row("02.2", "solution", "a listfs file, shared, written, migrated by root", {"setup": _writer("listfs", True)}, True),
    Row("02.2", "wrong", "an ext2 file: ext2 has a migratepage method", {"setup": _writer("ext2", True)}, False,
        says="the machine stayed sane"),
    Row("02.2", "wrong", "a private mapping of the listfs file", {"setup": _writer("listfs", False)}, False,
        says="the machine stayed sane"),
    Row("02.2", "wrong", "no migration at all", {"setup": _writer("listfs", True, migrate=False)}, False,
        says="the machine stayed sane"),
]
