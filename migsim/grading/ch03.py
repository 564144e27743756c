"""Chapter 03, the reference-count rule (step drop-nr-refs): its two exercises.

03.1 (fix): migrate_page_remove_references works out for itself how many
references an unmapped page may have when its mapping is switched (2, and 3
with buffers), instead of trusting its callers' nr_refs. Graded at
remove-definitions, with the patched callers' way of calling it. 03.2
(find): a setup that holds a reference which keeps a page from migrating,
judged by its effect: the student's variant (seeded by their id) says how
many pages the process has and what kind of page must stay; exactly that
page stays on node 0, the others move, and it moves once the reference is
released. The hidden checks judge the same setup on other variants.
"""

from errno import EAGAIN, EPERM

from ..include.linux.mm import PageAnon, get_page, put_page
from .checks import run_to_end, workload_check
from .core import FindEffect, Fix, check, expect

from ..include.asm_i386.pgtable import PAGE_SIZE as PAGE
KINDS = ("anon", "ext2", "listfs")


def machine(make, seed=3):
    """gcc with one page of each kind on node 0: anonymous, ext2 (with buffers), listfs; swap on."""
    k = make(nodes=2, frames_per_node=16, seed=seed)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    addrs = {"anon": p.mmap(1)}
    p.write(addrs["anon"], b"anon data")
    for kind, fs in (("ext2", "ext2"), ("listfs", "listfs")):
        f = k.create_file(kind + "-file", 1, fs=fs)
        addrs[kind] = p.mmap(1, file=f, shared=True)
        p.read(addrs[kind], 1)
    data = {kind: p.read(a, 16) for kind, a in addrs.items()}
    return k, p, addrs, data


def node_of(k, p, addr):
    """The node of the page `p` reads at `addr` (faulting it in again if the migration unmapped it)."""
    page = k.page(p, addr, default=None)
    if page is None:
        p.read(addr, 1)
        page = k.page(p, addr)
    return page.node


def all_moved(k, p, addrs, data, ret, skip=()):
    """Every page of `addrs` on node 1 but those of `skip` (on node 0), all intact; `ret` says so."""
    for kind, addr in addrs.items():
        node = node_of(k, p, addr)
        want = 0 if kind in skip else 1
        expect(node == want, f"the {kind} page on node {want}", f"it is on node {node}")
        got = p.read(addr, len(data[kind]))
        expect(got == data[kind], f"the {kind} page to read {data[kind]!r}", repr(got))
    expect(ret == len(skip), f"sys_migrate_pages to return {len(skip)} (pages not moved)", repr(ret))


@check("pages of every kind move (anonymous in swap cache, ext2 with buffers, listfs)")
def check_all_move(make):
    k, p, addrs, data = machine(make)
    ret = run_to_end(k, k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M"))
    k.check()
    all_moved(k, p, addrs, data, ret)


def check_held(kind):
    """A reference taken on one page (say, by a driver) keeps it on node 0; released, it moves."""
    @check(f"with a reference held, the {kind} page stays; released, it moves")
    def holds(make):
        k, p, addrs, data = machine(make)
        held = k.page(p, addrs[kind])
        get_page(held)
        ret = run_to_end(k, k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M"))
        expect(held._count > 0, f"the held {kind} page still allocated", "it was freed")
        all_moved(k, p, addrs, data, ret, skip=(kind,))
        put_page(held)                        # the holder lets go
        k.check()
        ret = run_to_end(k, k.start(k.sys_migrate_pages, p.pid, [0], [1], label="N"))
        k.check()
        all_moved(k, p, addrs, data, ret)
    return holds


@check("an ext2 page mapped by two processes moves")
def check_two_mappers(make):
    """An ext2 page mapped by two processes: both ptes go, and the page moves (count 5 down to 3)."""
    k, p, addrs, data = machine(make)
    q = k.spawn("ld")
    b = q.mmap(1, file=k.files["ext2-file"], shared=True)
    q.read(b, 1)
    ret = run_to_end(k, k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M"))
    k.check()
    all_moved(k, p, addrs, data, ret)
    expect(node_of(k, q, b) == 1, "ld's view of the ext2 page on node 1", f"node {node_of(k, q, b)}")


@check("a fault holding the page keeps it on node 0; it moves later")
def check_racing_fault(make):
    """gcc faults on its anonymous page while it is unmapped: the fault's reference keeps it on node 0."""
    k = make(nodes=2, frames_per_node=16, seed=3)
    k.sys_swapon(8)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"anon")
    m = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    r = k.start(p.read, a, 4, label="R")
    k.replay("M:try_to_unmap R@lock_page")
    r.step()
    expect(r.blocked, "the fault to wait for the page lock (set up)", r.state)
    ret = run_to_end(k, m)
    expect(ret == 1, "sys_migrate_pages to return 1 (the faulting page not moved)", repr(ret))
    got = run_to_end(k, r)
    expect(got == b"anon", "the fault to read b'anon'", repr(got))
    k.check()
    expect(k.page(p, a).node == 0, "the page left on node 0", f"node {k.page(p, a).node}")
    ret = run_to_end(k, k.start(k.sys_migrate_pages, p.pid, [0], [1], label="N"))
    expect(ret == 0 and k.page(p, a).node == 1, "a second migration to move it",
           f"returned {ret!r}, page on node {k.page(p, a).node}")


def _without_nr_refs(fn):
    """The answer as the callers at remove-definitions call it: they still pass nr_refs."""
    def migrate_page_remove_references(k, newpage, page, nr_refs):
        # Simplified: the patch drops the argument from migrate_page and buffer_migrate_page; here it is ignored.
        return (yield from fn(k, newpage, page))
    return migrate_page_remove_references


FIX_03_1 = Fix(
    "03.1", "drop-nr-refs", "migrate_page_remove_references works out the count it expects",
    functions=["migrate_page_remove_references"],
    checks=[check_all_move]
    + [check_held(kind) for kind in KINDS]
    + [check_two_mappers,
       check_racing_fault]
    + [workload_check(seed) for seed in (1, 2)],
    hidden=[workload_check(seed) for seed in range(3, 7)],
    results={"migrate_page_remove_references": (lambda v: v in (0, -EAGAIN, -EPERM) and not isinstance(v, bool),
                                                "0, -EAGAIN or -EPERM")},
    adapt={"migrate_page_remove_references": (("k", "newpage", "page"), _without_nr_refs)})


KIND_WORDS = {"anon": "an anonymous page", "ext2": "a page of an ext2 file (it has buffers)",
              "listfs": "a page of a listfs file (no buffers)"}


def kind_of(page):
    """"anon", or the name of the filesystem whose file the page caches ("ext2", "listfs")."""
    if PageAnon(page):
        return "anon"
    host = getattr(page.mapping, "host", None)
    return getattr(getattr(host, "fs", None), "name", "no mapping")


def stays_then_moves(k, returned, variant):
    """The effect of 03.2: a migration leaves the variant's page behind; released, every page moves."""
    ok = isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[0], int) \
        and callable(returned[1])
    expect(ok, "setup to return (pid, release)", repr(returned))
    pid, release = returned
    expect(pid in k.tasks_by_pid, "the pid of a process of yours", repr(pid))
    p = k.tasks_by_pid[pid]
    before = {a: page for a, page in _pages(k, p)}
    expect(len(before) == variant.pages, f"{p.comm} to have {variant.pages} pages mapped on node 0 "
           f"(your variant)", f"{len(before)}")
    ret = run_to_end(k, k.start(k.sys_migrate_pages, pid, [0], [1], label="M"))
    expect(isinstance(ret, int) and ret > 0, "sys_migrate_pages to leave a page behind (a count > 0)",
           f"{ret!r}: every page moved")
    stuck = [a for a in before if node_of(k, p, a) == 0]
    kinds = sorted(kind_of(k.page(p, a)) for a in stuck)
    expect(kinds == [variant.kind], f"exactly one page left on node 0, {KIND_WORDS[variant.kind]} (your variant)",
           f"{len(stuck)} left behind: {', '.join(kinds) or 'none'}")
    release()
    k.check()                                 # the setup's extra references are gone now, and only they
    ret = run_to_end(k, k.start(k.sys_migrate_pages, pid, [0], [1], label="N"))
    k.check()
    nodes = sorted({node_of(k, p, a) for a in before})
    expect(ret == 0 and nodes == [1], "after release(), every page to move to node 1",
           f"returned {ret!r}, pages on nodes {nodes} (is something else than a reference stopping it?)")


def _pages(k, p):
    for vma in p.mm.mmap:
        for a in range(vma.vm_start, vma.vm_end, PAGE):
            page = k.page(p, a, default=None)
            if page is not None and page.node == 0:
                yield a, page


def _describe_03_2(v):
    return (f"the process you return has {v['pages']} pages present on node 0, and the page a reference "
            f"must keep there is {KIND_WORDS[v['kind']]}; its other pages must all move")


FIND_03_2 = FindEffect(
    "03.2", "drop-nr-refs", "hold a reference that keeps your variant's page from migrating",
    machine={"nodes": 2, "frames_per_node": 16, "seed": 2006}, effect=stays_then_moves,
    what="a held reference keeps your variant's page on node 0, and released it moves",
    at=("remove-definitions", "drop-nr-refs")).seeded(
        [{"kind": kind, "pages": n} for kind in KINDS for n in (2, 3, 4, 5)], _describe_03_2)

EXERCISES = (FIX_03_1, FIND_03_2)
