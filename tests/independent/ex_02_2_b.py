"""02.2, second independent set: shapes unlike a model answer (see README.md). No variant: grade(setup=...)."""
import migsim


def _reader_writer(k):
    # CORRECT: two separate processes; the reader (migrated, its pte clean) and the writer
    # (not migrated, its pte dirty) share a two-page listfs file; only the second page is dirtied.
    f = k.create_file("shared.log", 2, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(2, file=f, shared=True)
    aw = w.mmap(2, file=f, shared=True)
    r.read(ar, 1)
    r.read(ar + 4096, 1)
    w.write(aw + 4096, b"written by the other one")
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


def _fork_child_writes(k):
    # CORRECT: swap first, an ext2 file mapped too, processes on node 1 migrated to node 0;
    # the other process is a fork child that writes the shared listfs page its parent only read.
    k.sys_swapon(4)
    other = k.create_file("notes", 1, fs="ext2")
    f = k.create_file("spool", 3, fs="listfs")
    parent = k.spawn("daemon", node=1)
    parent.mmap(1, file=other, shared=True)
    a = parent.mmap(3, file=f, shared=True)
    for i in range(3):
        parent.read(a + i * 4096, 1)
    child = parent.fork(comm="worker")
    child.write(a + 2 * 4096, b"the worker's line")
    k.sys_migrate_pages(parent.pid, [1], [0])


def _chapter_editor(k):
    # WRONG: the chapter's own case, the page dirty in the migrated process's own pte.
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    a = p.mmap(1, file=f, shared=True)
    p.write(a, b"x")
    k.sys_swapon(8)
    k.sys_migrate_pages(p.pid, [0], [1])


def _both_write(k):
    # WRONG: another process dirties the page, but so does the migrated one.
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(1, file=f, shared=True)
    aw = w.mmap(1, file=f, shared=True)
    r.write(ar, b"me too")
    w.write(aw, b"x")
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


def _self_migrate(k):
    # WRONG: the reader migrates itself (MPOL_MF_MOVE): a page mapped twice is not its alone,
    # it is never isolated, bug A cannot show.
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(1, file=f, shared=True)
    aw = w.mmap(1, file=f, shared=True)
    r.read(ar, 1)
    w.write(aw, b"x")
    k.sys_swapon(8)
    r.migrate_pages(r.pid, [0], [1])


def _writer_munmaps(k):
    # WRONG: the writer unmaps before the migration: munmap moves the dirty bit into PG_dirty,
    # so the fallback path sees a dirty page and writes it out, even before the fix.
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(1, file=f, shared=True)
    aw = w.mmap(1, file=f, shared=True)
    r.read(ar, 1)
    w.write(aw, b"x")
    w.munmap(aw, 1)
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


def _private_writer(k):
    # WRONG: the writer maps privately: its write is a COW copy, the file page stays clean.
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(1, file=f, shared=True)
    aw = w.mmap(1, file=f)
    r.read(ar, 1)
    w.write(aw, b"x")
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


def _own_write_after_start(k):
    # WRONG: nothing dirty when the migration is started, then the migrated process writes
    # itself while it runs: still the migrated process's pte (the grader watches beyond the start).
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    w = k.spawn("writer")
    ar = r.mmap(1, file=f, shared=True)
    w.mmap(1, file=f, shared=True)
    r.read(ar, 1)
    k.sys_swapon(8)
    m = k.start(k.sys_migrate_pages, r.pid, [0], [1], label="M")
    m.step()
    r.write(ar, b"mine, late")
    while not m.done:
        m.step()


def _raise_bug(k):
    # HOSTILE: raises the kernel's own exception type itself: only a failure the kernel finds counts.
    raise migsim.KernelBug("listfs: private_list points at a freed page")


def _forge_list(k):
    # HOSTILE: puts a free frame on listfs's list by hand. Fails: migration then allocates that very
    # frame as its new page, so nothing is left pointing at a free page ("machine stayed sane"), and
    # in any case it would fail at dirty-fallback too.
    f = k.create_file("shared.log", 1, fs="listfs")
    r = k.spawn("reader")
    a = r.mmap(1, file=f, shared=True)
    r.read(a, 1)
    free = next(pg for pg in k.nodes[1].pages if pg._count == 0)
    f.i_mapping.private_list.append(free)
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


def _patch_cached_build(k):
    # HOSTILE: swaps the buggy migrate_pages into the kernel's class so that the fixed step fails
    # too; the cached build refuses the write (MigsimError), so the verdict names that.
    buggy = migsim.Kernel(at="unexport-swap-page")
    type(k).migrate_pages = type(buggy).migrate_pages
    r = k.spawn("r")
    w = k.spawn("w")
    f = k.create_file("x", 1, fs="listfs")
    a = r.mmap(1, file=f, shared=True)
    b = w.mmap(1, file=f, shared=True)
    r.read(a, 1)
    w.write(b, b"x")
    k.sys_swapon(8)
    k.sys_migrate_pages(r.pid, [0], [1])


CORRECT = {
    "b_reader_writer": {"setup": _reader_writer},
    "b_fork_child_writes": {"setup": _fork_child_writes},
}
WRONG = {
    "b_chapter_editor": {"setup": _chapter_editor},
    "b_both_write": {"setup": _both_write},
    "b_self_migrate": {"setup": _self_migrate},
    "b_writer_munmaps": {"setup": _writer_munmaps},
    "b_private_writer": {"setup": _private_writer},
    "b_own_write_after_start": {"setup": _own_write_after_start},
}
HOSTILE = {
    "b_raise_kernelbug": {"setup": _raise_bug},
    "b_forge_private_list": {"setup": _forge_list},
    "b_patch_cached_build": {"setup": _patch_cached_build},
}
