"""What reference count migration expects of a page at a step (chapter 03's rule, and 06's).

Once the ptes are down, migration compares the page's `_count` with the
references it accounts for: the isolation one, the radix tree's (the page
cache, or the swap cache for an anonymous page) and the buffers'
(PagePrivate): 2, or 3 with buffers, seen under the mapping's tree_lock.
From swapless-core an anonymous page need not be in the swap cache: it has
no mapping, and only the isolation reference may be left (1). Before
swapless-core migration gives an anonymous page a swap slot first, so it has
a mapping (swapper_space) and the rule of 2 applies.
"""

import inspect

from ..include.linux.mm import get_page, page_mapping
from ..include.linux.page_flags import PagePrivate, PageSwapCache
from ..machine import Kernel
from .. import steps
from ..views import describe_page
from .entries import COMMS
from .problem import Problem, Question, choose_step, rng_for, steps_from, yes

# rip-out-swap is broken on purpose (chapter 06): an anonymous page oopses there.
STEPS = steps_from("v2.6.16", but=("rip-out-swap",))
KINDS = ("anonymous", "anonymous, in the swap cache", "ext2 file (buffers)", "listfs file")
HOLDERS = ("nobody else", "a driver that pinned it for I/O (get_page), and keeps it")


def swapless(at):
    """From swapless-core an anonymous page migrates without a swap slot."""
    return steps.INDEX[at] >= steps.INDEX["swapless-core"]


def early_test(k):
    """Does this step's check also compare page_mapcount + nr_refs with _count first, unlocked, before unmapping?"""
    fn = getattr(type(k), "migrate_page_remove_references", None)
    return fn is not None and "nr_refs" in inspect.signature(fn).parameters


def checker(k):
    """The function that compares the count at this step."""
    return "migrate_page_move_mapping" if hasattr(k, "migrate_page_move_mapping") \
        else "migrate_page_remove_references"


def build(at, seed, kind, holders, node, **patch):
    """The machine: one page of `kind` mapped once by a process on `node`; `holders` extra references.

    `patch` ({"patch": {name: function}}) builds it with functions in place (the tests spy with it).
    """
    k = Kernel(at=at, nodes=2, frames_per_node=16, seed=seed, **patch)
    if not swapless(at) or kind == KINDS[1]:
        k.sys_swapon(8)
    p = k.spawn(COMMS[seed % len(COMMS)], node=node)
    if kind.startswith("anonymous"):
        a = p.mmap(1)
        p.write(a, b"anon")
        if kind == KINDS[1]:
            k.reclaim(16)                     # out to swap ...
            p.read(a, 1)                      # ... and faulted back in: it stays in the swap cache
    else:
        fs = "ext2" if kind.startswith("ext2") else "listfs"
        a = p.mmap(1, file=k.create_file(f"{fs}-file", 1, fs=fs), shared=True)
        p.read(a, 1)
    page = k.page(p, a)
    for _ in range(holders):
        get_page(page)
    return k, p, a, page


def expected(at, page):
    """(count, [the references it is made of]) that migration must see, once the page is unmapped."""
    refs = ["the isolation reference (isolate_lru_page put it on migration's list)"]
    if page_mapping(page) is None and swapless(at):
        return 1, refs
    if PageSwapCache(page):
        refs.append("the swap cache's radix tree (swapper_space)")
    elif page_mapping(page) is None:
        refs.append("the swap cache's radix tree: before swapless-core migrate_pages gives an anonymous "
                    "page a swap slot first (add_to_swap)")
    else:
        refs.append("the radix tree of its file's page cache")
    if PagePrivate(page):
        refs.append("its buffer heads (PagePrivate)")
    return len(refs), refs


def refcount(seed=0, at=None):
    """The count migration expects of a page under tree_lock at a step, and whether the page moves."""
    rng = rng_for("refcount", seed)
    at = choose_step(rng, at, STEPS, "refcount")
    kind, holders, node = rng.choice(KINDS), rng.choice((0, 0, 1)), rng.randrange(2)
    k, p, a, page = build(at, seed, kind, holders, node)
    n, refs = expected(at, page)
    fn = checker(k)
    unlocked = n == 1
    seen = n + holders
    facts = {"pfn": page.pfn, "node": node, "expected": n, "holders": holders, "moves": holders == 0,
             "checker": fn, "early_test": early_test(k), "kind": kind, "pid": p.pid, "address": a,
             "tree_lock": not unlocked}
    where = "with no lock (there is no mapping, so no tree_lock)" if unlocked else "under the mapping's tree_lock"
    qs = [Question("Which function compares the count?", fn,
                   (f"at {at} the count is compared in {fn}" + ("" if fn == "migrate_page_move_mapping" else
                    ", which also takes the ptes down itself"),)),
          Question("The _count it must see to move the page?", str(n),
                   (f"once the ptes are down, {where}: " + "; ".join(refs),
                    "each pte held one more; try_to_unmap has dropped them all")),
          Question("Does the page move (see who holds it)?", yes(holders == 0),
                   (f"_count is {seen} when compared: " + ("as expected, so the slot is switched and the page "
                    "copied" if not holders else f"one more than {n}, so -EAGAIN on every pass (11 in all); "
                    "sys_migrate_pages returns 1, the page stays"),)
                   + (("at this step a first test, before the unmap and without a lock, already finds "
                       f"page_mapcount + nr_refs ({n}) short of _count and gives up: the ptes stay",)
                      if holders and early_test(k) else ()))]
    shown = [f"A machine at {at}: root migrates {p.comm} (pid {p.pid}) from node {node} to node {1 - node}.",
             f"  its page at 0x{a:08x} ({kind}), mapped by one pte, before migration:",
             f"  {describe_page(page)}",
             f"  also holding it: {HOLDERS[holders]}"]
    start = f"q.machine.start(q.machine.sys_migrate_pages, {p.pid}, [{node}], [{1 - node}], label='M')"
    look = f"q.machine.pfn_to_page(0x{page.pfn:x})"
    if holders and early_test(k):             # refused before any unmap: run it all, the page stays
        check = f"{start}.run()    # 1: one page not moved\n{look}"
    else:
        check = f"{start}\nq.machine.replay('M:try_to_unmap')\n{look}"
    return Problem("refcount", seed, at, shown, qs, facts, machine=k, process=p, check=check)
