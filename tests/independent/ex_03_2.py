"""Exercise 03.2 (find): setup(k) pins one page of a process (get_page) so it stays on node 0; release() drops the pin."""

from migsim.include.linux.mm import get_page, put_page


# CORRECT 1: one pinned page of two.
def setup_one(k):
    k.sys_swapon(8)
    p = k.spawn("dd")
    a = p.mmap(2)
    p.write(a, b"buffer")
    p.write(a + 4096, b"other")
    page = k.page(p, a)
    get_page(page)
    return p.pid, lambda: put_page(page)


# CORRECT 2: two references on one page of a file mapping, both dropped by release.
def setup_file_two_refs(k):
    k.sys_swapon(8)
    f = k.create_file("data", 2, fs="ext2")
    p = k.spawn("io")
    m = p.mmap(2, file=f, shared=True)
    p.write(m, b"dma")
    p.read(m + 4096, 1)
    page = k.page(p, m + 4096)
    held = []
    for _ in range(2):
        get_page(page)
        held.append(page)

    def release():
        while held:
            put_page(held.pop())
    return p.pid, release


CORRECT = {
    "pin_anon_page": {"setup": setup_one},
    "pin_file_page_twice": {"setup": setup_file_two_refs},
}


# WRONG 1: release drops one reference too many (the page's own).
def setup_release_twice(k):
    k.sys_swapon(8)
    p = k.spawn("dd")
    a = p.mmap(1)
    p.write(a, b"x")
    page = k.page(p, a)
    get_page(page)

    def release():
        put_page(page)
        put_page(page)
    return p.pid, release


# WRONG 2: release forgets to drop the reference: the page can never move.
def setup_release_nothing(k):
    k.sys_swapon(8)
    p = k.spawn("dd")
    a = p.mmap(1)
    p.write(a, b"x")
    get_page(k.page(p, a))
    return p.pid, lambda: None


# WRONG 3: no swap area: at remove-definitions anonymous pages cannot migrate at all.
def setup_no_swap(k):
    p = k.spawn("dd")
    a = p.mmap(2)
    p.write(a, b"x")
    p.write(a + 4096, b"y")
    page = k.page(p, a)
    get_page(page)
    return p.pid, lambda: put_page(page)


WRONG = {
    "release_drops_two": {"setup": setup_release_twice},
    "release_drops_none": {"setup": setup_release_nothing},
    "no_swap_area": {"setup": setup_no_swap},
}


def setup_exit(k):
    raise SystemExit(3)


HOSTILE = {"system_exit": {"setup": setup_exit}}
