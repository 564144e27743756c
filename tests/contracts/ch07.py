"""The contract of chapter 07's graders: 07.1 (find a schedule) and 07.2 (fix the fork race)."""

from . import Row, chapter_cells, edited, kernel_source, run_cells, student_for

CHAPTER = "07-the-fork-race.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]


def fn(source, name):
    """`name` as a student's cell defines it: the chapter's setup cell, then `source`."""
    return run_cells(SETUP, source, names=name)


# --- 07.2's answers, each as a student would write it --------------------------------------------

HEAD_SECOND = """\
def anon_vma_link(k, vma):
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        yield from spin_lock(anon_vma.lock, k.who())
        anon_vma.head.insert(1, vma)        # behind the first: right after the parent?
        spin_unlock(anon_vma.lock)
"""

TAIL_BY_SLICE = """\
def anon_vma_link(k, vma):
    av = vma.anon_vma
    if av is None:
        return
    yield from spin_lock(av.lock, k.who())
    av.head[len(av.head):] = [vma]          # the end of the list: walked last
    spin_unlock(av.lock)
"""

LINK = "        yield from k.anon_vma_link(tmp)\n"
COPY = "        retval = yield from k.copy_page_range(mm, oldmm, tmp)\n"
VMA_LINK = "        yield from k.vma_link(mm, tmp, after=mpnt)   # file vmas: vma_prio_tree_add after the parent's\n"

BEHIND_PARENT = """\
        if tmp.anon_vma is not None:             # link the child right behind its parent
            yield from spin_lock(tmp.anon_vma.lock, k.who())
            head = tmp.anon_vma.head
            head.insert(head.index(mpnt) + 1, tmp)
            spin_unlock(tmp.anon_vma.lock)
"""

ONE_SECTION = """\
        av = tmp.anon_vma
        if av is not None:                       # link and copy under one hold of the anon_vma lock
            yield from spin_lock(av.lock, k.who())
            av.head.insert(0, tmp)
        yield from k.vma_link(mm, tmp, after=mpnt)
        retval = yield from k.copy_page_range(mm, oldmm, tmp)
        if av is not None:
            spin_unlock(av.lock)
"""

REVERSED_WALK = kernel_source("remove_migration_ptes", "migration-entries").replace(
    "for vma in list(anon_vma.head):", "for vma in reversed(anon_vma.head):   # the newest vma last")
REVERSED_SWAP_WALK = kernel_source("remove_from_swap", "v2.6.16").replace(
    "for vma in list(anon_vma.head):", "for vma in list(anon_vma.head)[::-1]:")

COPY_PAGE_RANGE_LOCKED = """\
def copy_page_range(k, dst_mm, src_mm, vma):
    if not vma.vm_flags & (VM_HUGETLB | VM_PFNMAP) and vma.anon_vma is None:
        return 0
    av = vma.anon_vma
    if av is not None:
        yield from spin_lock(av.lock, k.who())    # no rmap walk while the ptes are copied
    try:
        yield from k.copy_pte_range(dst_mm, src_mm, vma, vma.vm_start, vma.vm_end)
    finally:
        if av is not None:
            spin_unlock(av.lock)
    return 0
"""

COPY_PTE_RANGE_LOCKED = edited(
    "copy_pte_range", "v2.6.16",
    ("    rss = [0, 0]\n", "    rss = [0, 0]\n    if vma.anon_vma is not None:\n"
                         "        yield from spin_lock(vma.anon_vma.lock, k.who())   # before the pte locks\n"),
    ("    dst_mm.file_rss += rss[0]\n", "    if vma.anon_vma is not None:\n        spin_unlock(vma.anon_vma.lock)\n"
                                      "    dst_mm.file_rss += rss[0]\n"))

# The lock inside the pte locks: M takes the anon_vma lock then a pte lock, F the other way (ABBA).
COPY_PTE_RANGE_ABBA = edited(
    "copy_pte_range", "v2.6.16",
    ("    yield from spin_lock(src_mm.page_table_lock, k.who())\n",
     "    yield from spin_lock(src_mm.page_table_lock, k.who())\n    if vma.anon_vma is not None:\n"
     "        yield from spin_lock(vma.anon_vma.lock, k.who())\n"),
    ("    spin_unlock(src_mm.page_table_lock)\n", "    if vma.anon_vma is not None:\n"
                                                "        spin_unlock(vma.anon_vma.lock)\n"
                                                "    spin_unlock(src_mm.page_table_lock)\n"))

LOOPS = """\
def anon_vma_link(k, vma):
    n = 0
    while True:
        n += 1
    yield
"""

PREPARE_TAIL = """\
def anon_vma_prepare(k, vma):                    # a new anon_vma: no fork involved, so no help
    if vma.anon_vma is None:
        from migsim.include.linux.rmap import AnonVma
        vma.anon_vma = AnonVma(k.new_id("anon_vma"))
        vma.anon_vma.head.append(vma)
    return 0
"""


def _registered(name, since):
    from migsim import kbuild
    return next(v.obj for v in kbuild.REGISTRY[name] if v.since == since)


PARENT = student_for("07.1", forker="parent", own=3, shared=2)
CHILD = student_for("07.1", forker="child", own=2, shared=2)
VARIANT = 'from migsim import grading\nvariant = grading.variant("07.1", student=student)\n'   # the notebook's cell

ROWS = [
    # 07.1: PARENT's variant is the parent forking (3 pages of the child's own, 2 shared), CHILD's the child forking.
    Row("07.1", "untouched", "empty schedule, no student id",
        {"student": run_cells(SETUP, STUDENT["student_id"], names="student"),
         "schedule": run_cells(SETUP, STUDENT["find_schedule"], names="schedule")}, False, "not answered yet"),
    Row("07.1", "untouched", "a student id, the schedule still empty",
        {"student": PARENT, "schedule": run_cells(SETUP, STUDENT["find_schedule"], names="schedule")}, False,
        "not answered yet"),
    Row("07.1", "solution", "the notebook's schedule, worked out from the variant",
        dict(zip(("student", "schedule"), run_cells(SETUP, SOLUTION["student_id"], VARIANT, SOLUTION["find_schedule"],
                                                    names=("student", "schedule")))), True),
    Row("07.1", "wrong", "the chapter's letters (LOUD.schedule)", {"student": PARENT, "schedule": "M85F7M6F2M"},
        False, "does not apply"),
    Row("07.1", "wrong", "the chapter's B_POINTS", {"student": PARENT,
                                                    "schedule": "M@remove_migration_ptes#10 F@copy_one_pte M F"},
        False, "without reaching remove_migration_ptes 10 times"),
    Row("07.1", "wrong", "a right answer for another student's variant (the child forks)",
        {"student": PARENT, "schedule": "M@remove_migration_ptes#2 F@copy_one_pte#2 M F"}, False,
        "without reaching copy_one_pte 2 times"),
    Row("07.1", "wrong", "fork first", {"student": PARENT, "schedule": "F M"}, False, "stayed sane"),
    Row("07.1", "wrong", "a point too early", {"student": PARENT,
                                               "schedule": "M@remove_migration_ptes#1 F@copy_one_pte M F"},
        False, "(call 1 of it)"),
    Row("07.1", "correct", "by scheduling points", {"student": PARENT,
                                                    "schedule": "M@remove_migration_ptes#5 F@copy_one_pte M F"}, True),
    Row("07.1", "correct", "letters, F stops inside its copy", {"student": PARENT, "schedule": "M40F7M6F2M"}, True),
    Row("07.1", "correct", "the child forks: F holds the child's page-table lock while M's walk waits",
        {"student": CHILD, "schedule": "M@remove_migration_ptes#2 F@copy_one_pte#2 M F"}, True),
    Row("07.1", "hostile", "not a string", {"student": PARENT, "schedule": 85}, False, "must be a string"),
    # 07.2
    Row("07.2", "untouched", "the cell as given", {"anon_vma_link": fn(STUDENT["fix_anon_vma_link"],
                                                                       "anon_vma_link")},
        False, "not answered"),
    Row("07.2", "solution", "append at the tail", {"anon_vma_link": fn(SOLUTION["fix_anon_vma_link"],
                                                                       "anon_vma_link")}, True),
    Row("07.2", "historical", "insert at the head (2.6.16 to swapless-core)",
        {"anon_vma_link": fn(kernel_source("anon_vma_link", "v2.6.16"), "anon_vma_link")}, False,
        "explorer finds no failing"),
    Row("07.2", "wrong", "insert second, behind the list's first",
        {"anon_vma_link": fn(HEAD_SECOND, "anon_vma_link")}, False, "the child forks"),
    Row("07.2", "wrong", "copy the ptes before linking",
        {"dup_mmap": fn(edited("dup_mmap", "v2.6.16", (LINK + VMA_LINK + COPY,
                                                       "        yield from k.vma_link(mm, tmp, after=mpnt)\n"
                                                       + COPY + LINK)), "dup_mmap")},
        False, "explorer finds no failing"),
    Row("07.2", "wrong", "tail only for a new anon_vma", {"anon_vma_prepare": fn(PREPARE_TAIL, "anon_vma_prepare")},
        False, "explorer finds no failing"),
    Row("07.2", "wrong", "the reverse walk for the loud form only",
        {"remove_migration_ptes": fn(REVERSED_WALK, "remove_migration_ptes")}, False, "quiet form"),
    Row("07.2", "wrong", "the anon_vma lock taken inside the pte locks (ABBA)",
        {"copy_pte_range": fn(COPY_PTE_RANGE_ABBA, "copy_pte_range")}, False, "deadlock"),
    Row("07.2", "correct", "tail by slice assignment", {"anon_vma_link": fn(TAIL_BY_SLICE, "anon_vma_link")}, True),
    Row("07.2", "correct", "dup_mmap links the child right behind its parent",
        {"dup_mmap": fn(edited("dup_mmap", "v2.6.16", (LINK, BEHIND_PARENT)), "dup_mmap")}, True),
    Row("07.2", "correct", "walk the list the other way, in both walks",
        {"remove_migration_ptes": fn(REVERSED_WALK, "remove_migration_ptes"),
         "remove_from_swap": fn(REVERSED_SWAP_WALK, "remove_from_swap")}, True),
    Row("07.2", "correct", "the anon_vma lock across copy_page_range",
        {"copy_page_range": fn(COPY_PAGE_RANGE_LOCKED, "copy_page_range")}, True),
    Row("07.2", "correct", "the anon_vma lock in copy_pte_range, before the pte locks",
        {"copy_pte_range": fn(COPY_PTE_RANGE_LOCKED, "copy_pte_range")}, True),
    Row("07.2", "correct", "dup_mmap links and copies in one lock section",
        {"dup_mmap": fn(edited("dup_mmap", "v2.6.16", (LINK + VMA_LINK + COPY, ONE_SECTION)), "dup_mmap")}, True),
    Row("07.2", "hostile", "a loop that never ends", {"anon_vma_link": fn(LOOPS, "anon_vma_link")}, False, "stopped"),
    Row("07.2", "hostile", "the kernel's own fixed function, from the registry",
        {"anon_vma_link": _registered("anon_vma_link", "fork-race-fix")}, False, "the kernel's own"),
]

PATCHES_THE_GRADER = """\
def anon_vma_link(k, vma):
    import migsim.grading.core as core
    core.expect = lambda *args, **kwargs: None      # every check passes?
    anon_vma = vma.anon_vma
    if anon_vma is not None:
        anon_vma.head.insert(0, vma)
    yield from ()
"""
ROWS.append(Row("07.2", "hostile", "patches the grader's expect", {"anon_vma_link": fn(PATCHES_THE_GRADER,
                                                                                         "anon_vma_link")},
                False, "changed the grader"))


class _ExitsWhenRead(str):
    """A schedule whose own methods end the interpreter: the grader must read it as a plain string."""

    def __iter__(self):
        raise SystemExit(0)

    def __contains__(self, item):
        raise SystemExit(0)


ROWS.append(Row("07.1", "correct", "the right schedule in a str subclass that exits when read",
                {"student": PARENT, "schedule": _ExitsWhenRead("M40F7M6F2M")}, True))
