"""03.2, second independent set (see README.md): student u7654321 (5 pages, the held page ext2)
and u1112223 (5 pages, the held page anonymous)."""
import migsim
from migsim.include.linux.mm import get_page, put_page

PAGE = migsim.PAGE_SIZE


def _one_vma_each(k, variant):
    # CORRECT: every page its own mmap, swap area first; the held page is the last one mapped.
    k.sys_swapon(8)
    p = k.spawn("driver-user")
    for i in range(variant.pages - 1):
        a = p.mmap(1)
        p.write(a, b"anon %d" % i)
    if variant.kind == "anon":
        held = p.mmap(1)
        p.write(held, b"pinned for I/O")
    else:
        held = p.mmap(1, file=k.create_file("dma-" + variant.kind, 1, fs=variant.kind), shared=True)
        p.read(held, 1)
    page = k.page(p, held)
    get_page(page)
    return p.pid, lambda: put_page(page)


def _files_first_two_refs(k, variant):
    # CORRECT: the held page mapped first, the others pages of one file of the other fs, the swap
    # area made last, and two references taken (and both dropped by release).
    p = k.spawn("io", node=0)
    other_fs = "ext2" if variant.kind != "ext2" else "listfs"
    if variant.kind == "anon":
        held = p.mmap(1)
        p.write(held, b"x")
    else:
        held = p.mmap(1, file=k.create_file("target", 1, fs=variant.kind), shared=True)
        p.write(held, b"dirty target")
    rest = p.mmap(variant.pages - 1, file=k.create_file("rest", variant.pages - 1, fs=other_fs), shared=True)
    for i in range(variant.pages - 1):
        p.read(rest + i * PAGE, 1)
    k.sys_swapon(16)
    page = k.page(p, held)
    get_page(page)
    get_page(page)

    def release():
        put_page(page)
        put_page(page)
    return p.pid, release


def _always_anon_five(k, variant):
    # WRONG: 5 anonymous pages written in, right for u1112223's own variant but not read from
    # `variant`: the hidden test's other variant (2 pages, listfs) fails it.
    k.sys_swapon(8)
    p = k.spawn("a")
    a = p.mmap(5)
    for i in range(5):
        p.write(a + i * PAGE, b"y")
    page = k.page(p, a)
    get_page(page)
    return p.pid, lambda: put_page(page)


def _chapter_gcc(k, variant):
    # WRONG: the chapter's section 4, gcc with one ext2 page.
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1, file=k.create_file("notes", 1, fs="ext2"), shared=True)
    p.write(a, b"notes")
    page = k.page(p, a)
    get_page(page)
    return p.pid, lambda: put_page(page)


def _one_page_too_many(k, variant):
    # WRONG: off by one for a file kind: `pages` anonymous pages plus the file page (6, not 5).
    k.sys_swapon(8)
    p = k.spawn("a")
    a = p.mmap(variant.pages)
    for i in range(variant.pages):
        p.write(a + i * PAGE, b"y")
    if variant.kind == "anon":
        held = a
    else:
        held = p.mmap(1, file=k.create_file("t", 1, fs=variant.kind), shared=True)
        p.read(held, 1)
    page = k.page(p, held)
    get_page(page)
    return p.pid, lambda: put_page(page)


def _leaky(k, variant):
    # WRONG: two references taken, one dropped: after release() the count is one too high.
    k.sys_swapon(8)
    p = k.spawn("a")
    if variant.kind == "anon":
        held = p.mmap(1)
    else:
        held = p.mmap(1, file=k.create_file("t", 1, fs=variant.kind), shared=True)
    p.write(held, b"z")
    rest = p.mmap(variant.pages - 1)
    for i in range(variant.pages - 1):
        p.write(rest + i * PAGE, b"y")
    page = k.page(p, held)
    get_page(page)
    get_page(page)
    return p.pid, lambda: put_page(page)


def _release_spins(k, variant):
    # HOSTILE: release() lets go, then loops: the line budget stops it.
    pid, release = _one_vma_each(k, variant)

    def spin():
        release()
        while True:
            pass
    return pid, spin


def _noop_migration(k, variant):
    # HOSTILE: replaces the kernel's sys_migrate_pages on the instance by a no-op that says 0.
    pid, release = _one_vma_each(k, variant)
    k.sys_migrate_pages = lambda *a, **kw: 0
    return pid, release


A, B = "u7654321", "u1112223"
CORRECT = {
    "b_one_vma_each_ext2": {"student": A, "setup": _one_vma_each},
    "b_one_vma_each_anon": {"student": B, "setup": _one_vma_each},
    "b_files_first_two_refs_ext2": {"student": A, "setup": _files_first_two_refs},
    "b_files_first_two_refs_anon": {"student": B, "setup": _files_first_two_refs},
}
WRONG = {
    "b_always_anon_five_own_variant": {"student": B, "setup": _always_anon_five},
    "b_always_anon_five": {"student": A, "setup": _always_anon_five},
    "b_chapter_gcc": {"student": A, "setup": _chapter_gcc},
    "b_one_page_too_many": {"student": A, "setup": _one_page_too_many},
    "b_leaky_release": {"student": A, "setup": _leaky},
}
HOSTILE = {
    "b_release_spins": {"student": A, "setup": _release_spins},
    "b_noop_migration": {"student": A, "setup": _noop_migration},
}
