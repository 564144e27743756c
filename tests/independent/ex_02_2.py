"""Exercise 02.2 (find): a setup(k) where a listfs page dirty only in another process's pte migrates on the fallback path (bug A)."""


# CORRECT 1: one listfs page, shared mapping, written by the editor (dirty only in its pte); the
# viewer, which only read it, is the one migrated.
def setup_one_page(k):
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    v = k.spawn("viewer")
    q = p.mmap(1, file=f, shared=True)
    r = v.mmap(1, file=f, shared=True)
    v.read(r, 1)
    p.write(q, b"unsaved")
    k.sys_swapon(8)
    k.sys_migrate_pages(v.pid, [0], [1])


# CORRECT 2: several pages, some anonymous, the process migrates itself (root), swap first; the
# file's pages are written by another process.
def setup_mixed(k):
    k.sys_swapon(16)
    f = k.create_file("log", 3, fs="listfs")
    p = k.spawn("logger", uid=0)
    w = k.spawn("writer")
    anon = p.mmap(2)
    p.write(anon, b"anon")
    m = p.mmap(3, file=f, shared=True)
    n = w.mmap(3, file=f, shared=True)
    for i in range(3):
        p.read(m + i * 4096, 1)
        w.write(n + i * 4096, b"line %d" % i)
    p.migrate_pages(p.pid, [0], [1])


CORRECT = {
    "one_listfs_page": {"setup": setup_one_page},
    "mixed_self_migrate": {"setup": setup_mixed},
}


# WRONG 1: ext2 has buffer_migrate_page: the page never reaches the fallback path.
def setup_ext2(k):
    f = k.create_file("journal", 1, fs="ext2")
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=True)
    p.write(q, b"unsaved")
    k.sys_swapon(8)
    k.sys_migrate_pages(p.pid, [0], [1])


# WRONG 2: only read, never written: the page is clean, nothing goes on listfs's dirty list.
def setup_clean(k):
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("reader")
    q = p.mmap(1, file=f, shared=True)
    p.read(q, 4)
    k.sys_swapon(8)
    k.sys_migrate_pages(p.pid, [0], [1])


# WRONG 3: a private file mapping: the write COWs into an anonymous page, the file page stays clean.
def setup_private(k):
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    q = p.mmap(1, file=f)
    p.write(q, b"unsaved")
    k.sys_swapon(8)
    k.sys_migrate_pages(p.pid, [0], [1])


# WRONG 4: builds the machine but forgets to migrate.
def setup_no_migrate(k):
    f = k.create_file("journal", 1, fs="listfs")
    p = k.spawn("editor")
    q = p.mmap(1, file=f, shared=True)
    p.write(q, b"unsaved")
    k.sys_swapon(8)


WRONG = {
    "ext2_not_listfs": {"setup": setup_ext2},
    "page_never_dirtied": {"setup": setup_clean},
    "private_mapping": {"setup": setup_private},
    "no_migration": {"setup": setup_no_migrate},
}


# HOSTILE: eat memory.
def setup_hog(k):
    hog = []
    while True:
        hog.append(bytearray(1 << 24))


# HOSTILE 2: pretend to be the sane kernel by replacing the machine check.
def setup_fake_check(k):
    type(k).check = lambda self, *a, **kw: None
    import migsim.check
    migsim.check.check = lambda *a, **kw: None
    setup_one_page(k)


HOSTILE = {
    "memory_hog": {"setup": setup_hog},
    "replace_check": {"setup": setup_fake_check},
}
