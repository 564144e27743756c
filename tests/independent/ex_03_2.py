"""Exercise 03.2 (find): setup(k, variant) pins the variant's page of a process (get_page) so it stays on node 0; release() drops the pin."""

from migsim.include.linux.mm import get_page, put_page

STUDENT = "s1234567"


def held_page(k, p, variant, name="buf"):
    """Map one page of the variant's kind in `p`, touched: its address."""
    if variant.kind == "anon":
        a = p.mmap(1)
    else:
        a = p.mmap(1, file=k.create_file(name, 1, fs=variant.kind), shared=True)
    p.write(a, b"buffer")
    return a


# CORRECT 1: one pinned page of the variant's number.
def setup_one(k, variant):
    k.sys_swapon(8)
    p = k.spawn("dd")
    a = held_page(k, p, variant)
    rest = p.mmap(variant.pages - 1)
    for i in range(variant.pages - 1):
        p.write(rest + i * 4096, b"other")
    page = k.page(p, a)
    get_page(page)
    return p.pid, lambda: put_page(page)


# CORRECT 2: two references on the variant's page, both dropped by release.
def setup_file_two_refs(k, variant):
    k.sys_swapon(8)
    p = k.spawn("io")
    m = held_page(k, p, variant, "data")
    others = p.mmap(variant.pages - 1)
    for i in range(variant.pages - 1):
        p.read(others + i * 4096, 1)
        p.write(others + i * 4096, b"dma")
    page = k.page(p, m)
    held = []
    for _ in range(2):
        get_page(page)
        held.append(page)

    def release():
        while held:
            put_page(held.pop())
    return p.pid, release


CORRECT = {
    "pin_anon_page": {"student": STUDENT, "setup": setup_one},
    "pin_file_page_twice": {"student": STUDENT, "setup": setup_file_two_refs},
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
    "release_drops_two": {"student": STUDENT, "setup": setup_release_twice},
    "release_drops_none": {"student": STUDENT, "setup": setup_release_nothing},
    "no_swap_area": {"student": STUDENT, "setup": setup_no_swap},
}


def setup_exit(k):
    raise SystemExit(3)


HOSTILE = {"system_exit": {"student": STUDENT, "setup": setup_exit}}
