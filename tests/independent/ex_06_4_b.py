"""06.4, second independent set (see README.md): student u7654321 (3 pages, 1 cached) and
u1112223 (5 pages, 4 cached)."""
import migsim

PAGE = migsim.PAGE_SIZE


def _cached_first(k, variant):
    # CORRECT: the first `cached` pages written, swapped out and read back (they stay in the swap
    # cache); the rest first touched afterwards (never in it).
    k.sys_swapon(16)
    p = k.spawn("app")
    a = p.mmap(variant.pages)
    for i in range(variant.cached):
        p.write(a + i * PAGE, b"to swap %d" % i)
    k.reclaim(48)
    for i in range(variant.cached):
        p.read(a + i * PAGE, 9)
    for i in range(variant.cached, variant.pages):
        p.write(a + i * PAGE, b"fresh %d" % i)
    return p, a, variant.pages


def _cached_last(swap_slots):
    def setup(k, variant):
        # A neighbour's pages are swapped too; the cached pages are the last of the range and
        # come back by write faults. With a swap area more than half full, each fault drops the
        # page from the swap cache (vm_swap_full() -> remove_exclusive_swap_page, as in 2.6.16).
        other = k.spawn("neighbour")
        b = other.mmap(2)
        other.write(b, b"n0")
        other.write(b + PAGE, b"n1")
        p = k.spawn("db")
        a = p.mmap(variant.pages)
        for i in range(variant.pages - variant.cached, variant.pages):
            p.write(a + i * PAGE, b"row %d" % i)
        k.sys_swapon(swap_slots(variant))
        k.reclaim(64)
        for i in range(variant.pages):
            p.write(a + i * PAGE, b"ROW %d" % i)
        return p, a, variant.pages
    return setup


def _fork_shares(k, variant):
    # WRONG: the right counts, but a fork child shares every page: MPOL_MF_MOVE moves only what
    # the process has to itself, so nothing reaches migrate_page and nothing oopses.
    p, a, n = _cached_first(k, variant)
    p.fork(comm="child")
    return p, a, n


def _chapter_one_page(k, variant):
    # WRONG: the chapter's machine, one page swapped out and back in.
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(1)
    p.write(a, b"hello")
    k.reclaim(16)
    p.read(a, 5)
    return p, a, 1


def _all_cached(k, variant):
    # WRONG: every page of the range in the swap cache.
    k.sys_swapon(16)
    p = k.spawn("app")
    a = p.mmap(variant.pages)
    for i in range(variant.pages):
        p.write(a + i * PAGE, b"x")
    k.reclaim(48)
    for i in range(variant.pages):
        p.read(a + i * PAGE, 1)
    return p, a, variant.pages


def _off_by_one_start(k, variant):
    # WRONG: the range starts one page late, so its last page is not mapped.
    p, a, n = _cached_first(k, variant)
    return p, a + PAGE, n


def _oops_in_setup(k, variant):
    # HOSTILE: the setup calls mbind itself, so at rip-out-swap the oops is the setup's own.
    p, a, n = _cached_first(k, variant)
    p.mbind(a, n, "bind", [1], migsim.MPOL_MF_MOVE)
    return p, a, n


def _calls_remove_from_swap(k, variant):
    # HOSTILE: calls the deleted function itself to make the oops.
    p, a, n = _cached_first(k, variant)
    k.remove_from_swap(k.page(p, a))
    return p, a, n


A, B = "u7654321", "u1112223"
CORRECT = {
    "b_cached_first": {"student": A, "setup": _cached_first},
    "b_cached_first_other": {"student": B, "setup": _cached_first},
    "b_cached_last_big_swap": {"student": A, "setup": _cached_last(lambda v: 4 * (v.pages + 2))},
    "b_cached_last_big_swap_other": {"student": B, "setup": _cached_last(lambda v: 4 * (v.pages + 2))},
}
WRONG = {
    # Written first as a CORRECT answer: it was mine that was wrong (a swap area of pages + 4
    # slots is over half full, so the write faults dropped pages from the swap cache).
    "b_cached_last_small_swap": {"student": B, "setup": _cached_last(lambda v: v.pages + 4)},
    "b_fork_shares": {"student": A, "setup": _fork_shares},
    "b_chapter_one_page": {"student": A, "setup": _chapter_one_page},
    "b_all_cached": {"student": A, "setup": _all_cached},
    "b_off_by_one_start": {"student": A, "setup": _off_by_one_start},
}
HOSTILE = {
    "b_oops_in_setup": {"student": A, "setup": _oops_in_setup},
    "b_calls_remove_from_swap": {"student": A, "setup": _calls_remove_from_swap},
}
