"""Contracts of 06.2 (migrate_page_move_mapping), 06.3 (migrate_pages) and 06.4 (a setup).

Answers are cells a student could write: each runs after the chapter's
setup cell (solutions/06-dropping-swap.ipynb), as in the notebook.
"""

import nbformat

import chapter_cells
from contracts import Row, run_cells, student_for

CHAPTER = "06-dropping-swap.ipynb"
SOLUTION, STUDENT = chapter_cells.cells(CHAPTER, "solutions"), chapter_cells.cells(CHAPTER, "exercises")
MOVE, PAGES, FIND = "fix_migrate_page_move_mapping", "fix_migrate_pages", "find_swap_cache"


def fn(source, name):
    """The function `name` that `source` defines, run as a cell after the chapter's setup cell."""
    return chapter_cells.answer(SOLUTION["setup"], source, name)


def region(cell, body):
    """The solution of `cell` with its solution region replaced by `body` (indented as the region)."""
    source = SOLUTION[cell]
    start = source.index("### BEGIN SOLUTION")
    start = source.rindex("\n", 0, start) + 1
    end = source.index("### END SOLUTION\n") + len("### END SOLUTION\n")
    return source[:start] + body + source[end:]


def move(body):
    return {"migrate_page_move_mapping": fn(region(MOVE, body), "migrate_page_move_mapping")}


def pages(body):
    return {"migrate_pages": fn(region(PAGES, body), "migrate_pages")}


def setup(source, student=None, **more):
    """A setup for 06.4 (a cell's source), graded as `student`'s: by default the one whose variant is 3 pages, 1 cached."""
    return {"setup": fn(source, "setup"), "student": THREE_ONE if student is None else student, **more}


# --- 06.2 ---------------------------------------------------------------------------------------

ROWS = [
    Row("06.2", "untouched", "the student's copy as given",
        {"migrate_page_move_mapping": fn(STUDENT[MOVE], "migrate_page_move_mapping")}, False, "not answered yet"),
    Row("06.2", "solution", "the solution",
        {"migrate_page_move_mapping": fn(SOLUTION[MOVE], "migrate_page_move_mapping")}, True),
    Row("06.2", "historical", "as at rip-out-swap: a page without a mapping never moves",
        move("    if mapping is None:\n        return -EAGAIN\n"), False, "return 0"),
    Row("06.2", "wrong", "the count of a page with a mapping (2)",
        move("    if mapping is None:\n        return 0 if page._count == 2 else -EAGAIN\n"), False, "return 0"),
    Row("06.2", "wrong", "no count looked at: it always moves",
        move("    if mapping is None:\n        return 0\n"), False, "pinned page"),
    Row("06.2", "wrong", "a count of 2 allowed, for a fault that waits",
        move("    if mapping is None:\n        return 0 if page._count <= 2 else -EAGAIN\n"), False, "pinned page"),
    Row("06.2", "wrong", "the tree's reference dropped as with a mapping",
        move("    if mapping is None:\n        if page._count != 1:\n            return -EAGAIN\n"
             "        page._count -= 1\n        return 0\n"), False, "Bad page state"),
    Row("06.2", "wrong", "a reference taken on the new page as the tree would",
        move("    if mapping is None:\n        if page._count != 1:\n            return -EAGAIN\n"
             "        get_page(newpage)\n        return 0\n"), False, "references exist"),
    Row("06.2", "correct", "page_count() and an early -EAGAIN",
        move("    if not mapping:\n        from migsim.include.linux.mm import page_count\n"
             "        if page_count(page) > 1:\n            return -EAGAIN   # someone else still holds it\n"
             "        return 0\n"), True),
    Row("06.2", "correct", "a test on the references beyond the isolation one",
        move("    if mapping is None:\n        others = page._count - 1             # beyond isolate_lru_page's\n"
             "        return -EAGAIN if others else 0\n"), True),
    Row("06.2", "hostile", "an answer that allocates without end (1 KB a line: the line budget stops it)",
        move("    junk = []\n    while True:\n        junk.append(bytearray(1024))\n"), False, "does a loop never end"),
]


# --- 06.3 ---------------------------------------------------------------------------------------

def as_the_statement_shows():
    """The part as it read at rip-out-swap: the python block of 06.3's statement, indented as the region."""
    nb = nbformat.read(chapter_cells.ROOT / "solutions" / CHAPTER, as_version=4)
    text = next(c.source for c in nb.cells if c.cell_type == "markdown" and "At rip-out-swap that part" in c.source)
    block = text.split("```python\n", 1)[1].split("```", 1)[0]
    return "".join(f"        {line}\n" if line else "\n" for line in block.splitlines())


AS_AT_RIP_OUT_SWAP = as_the_statement_shows()


def body(on_fail="yield from k.remove_migration_ptes(page, page)", eperm_restores=True, mapped_restores=True,
         unlock_first=False):
    """06.3's region in the early-return style, its failure paths made as asked."""
    def fail(rc, new, restores=True):
        lines = []
        if restores and not unlock_first:
            lines.append(f"            {on_fail}\n")
        lines.append("            k.unlock_page(page)\n")
        if restores and unlock_first:
            lines.append(f"            {on_fail}\n")
        return "".join(lines) + f"            return {rc}, {new}\n"

    return ("        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:\n" + fail("-EPERM", "None", eperm_restores)
            + "        if page_mapped(page):\n" + fail("rc", "None", mapped_restores)
            + '''\
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        mapping = page_mapping(page)
        if mapping is None:
            rc = yield from k.migrate_page(None, newpage, page)
        elif mapping.a_ops.migratepage:
            rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
        else:
            rc = yield from k.fallback_migrate_page(mapping, newpage, page)
        if rc == 0:
            yield from k.remove_migration_ptes(page, newpage)
            k.unlock_page(newpage)
            k.unlock_page(page)
            return 0, newpage
        k.unlock_page(newpage)
''' + fail("rc", "newpage").replace("            ", "        "))


ALWAYS_BOTH = '''\
        newpage = None
        ret = yield from k.try_to_unmap(page, 1)
        if ret == SWAP_FAIL:
            rc = -EPERM
        elif not page_mapped(page):
            newpage = next(reversed(to))
            yield from k.lock_page(newpage)
            newpage.index, newpage.mapping = page.index, page.mapping
            mapping = page_mapping(page)
            method = "migrate_page" if mapping is None else mapping.a_ops.migratepage
            if method:
                rc = yield from getattr(k, method)(mapping, newpage, page)
            else:
                rc = yield from k.fallback_migrate_page(mapping, newpage, page)
            if rc == 0:
                yield from k.remove_migration_ptes(page, newpage)
            k.unlock_page(newpage)
        # Whatever happened: an entry still naming the old page goes back to it (none after a move).
        yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc, newpage
'''

ROWS += [
    Row("06.3", "untouched", "the student's copy as given",
        {"migrate_pages": fn(STUDENT[PAGES], "migrate_pages")}, False, "not answered yet"),
    Row("06.3", "solution", "the solution", {"migrate_pages": fn(SOLUTION[PAGES], "migrate_pages")}, True),
    Row("06.3", "historical", "as at rip-out-swap: nothing gives the ptes back", pages(AS_AT_RIP_OUT_SWAP), False,
        "for unlocked pfn"),
    Row("06.3", "wrong", "the new page's ptes on success, nothing on failure",
        pages(body(eperm_restores=False, mapped_restores=False, on_fail="pass")), False, "pinned page"),
    Row("06.3", "wrong", "on failure the ptes given to the new page",
        pages(body(on_fail="yield from k.remove_migration_ptes(page, next(reversed(to)))")), False),
    Row("06.3", "wrong", "the ptes given back only when migration said no, not for SWAP_FAIL",
        pages(body(eperm_restores=False)), False, "mlocked"),
    Row("06.3", "wrong", "the old page unlocked first, its ptes given back after",
        pages(body(unlock_first=True)), False),
    Row("06.3", "correct", "early returns, each failure giving the old page its ptes back", pages(body()), True),
    Row("06.3", "correct", "the old page's entries given back every time, moved or not", pages(ALWAYS_BOTH), True),
    Row("06.3", "hostile", "nonsense for every page: the page left locked, a made-up return code",
        pages("        return \"no\", None\n"), False, "left locked"),
]


# --- 06.4 ---------------------------------------------------------------------------------------

CHAPTERS_DEMO = '''
def setup(k):
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(1)
    p.write(a, b"hello")
    k.reclaim(16)
    p.read(a, 5)
    return p, a, 1
'''

THREE_VMAS = '''
def setup(k):
    k.sys_swapon(4)
    p = k.spawn("db")
    first = p.mmap(1)
    p.write(first, b"to swap and back")
    k.reclaim(8)
    p.read(first, 1)                      # in the swap cache again
    second = p.mmap(1)                    # the next vma, right after the first
    p.write(second, b"fresh")
    third = p.mmap(1)
    p.write(third, b"fresh too")
    return p, first, 3
'''

ONE_VMA_MANY = '''
def setup(k):
    k.sys_swapon(32)
    p = k.spawn("big")
    base = p.mmap(6)
    for i in range(0, 6, 2):
        p.write(base + i * 4096, bytes([65 + i]) * 100)
    k.reclaim(64)
    for i in range(0, 6, 2):
        p.read(base + i * 4096, 1)
    for i in range(1, 6, 2):
        p.write(base + i * 4096, b"after")
    return (p, base, 6)
'''

NONE_CACHED = '''
def setup(k):
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * 4096, b"one")
    return p, a, 3
'''

ALL_CACHED = '''
def setup(k):
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(3)
    for i in range(3):
        p.write(a + i * 4096, b"one")
    k.reclaim(16)
    for i in range(3):
        p.read(a + i * 4096, 1)
    return p, a, 3
'''

LEFT_OUT = '''
def setup(k):
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(3)
    p.write(a, b"one")
    k.reclaim(16)                         # out on swap, never read back
    p.write(a + 4096, b"two")
    p.write(a + 2 * 4096, b"three")
    return p, a, 3
'''

# Any variant: the first `cached` pages through swap and back, the rest written after the reclaim.
GENERAL = '''
def setup(k, variant):
    k.sys_swapon(16)
    p = k.spawn("app")
    a = p.mmap(variant.pages)
    for i in range(variant.pages):
        if i < variant.cached:
            p.write(a + i * 4096, b"old")
    k.reclaim(32)
    for i in range(variant.pages):
        if i < variant.cached:
            p.read(a + i * 4096, 1)
        else:
            p.write(a + i * 4096, b"new")
    return p, a, variant.pages
'''


FAKE_OOPS = '''
def setup(k):
    from migsim.errors import KernelBug
    if k.at == "rip-out-swap":
        raise KernelBug("mm/migrate.c: migrate_page: undefined reference to `remove_from_swap'")
    p = k.spawn("app")
    a = p.mmap(2)
    p.write(a, b"x")
    p.write(a + 4096, b"y")
    return p, a, 2
'''

def mixed(then):
    """A right setup for 3 pages, 1 cached (one page in the swap cache, two not) that does `then` (lines) before it returns."""
    return ('''
def setup(k):
    from migsim.errors import KernelBug
    k.sys_swapon(8)
    p = k.spawn("app")
    a = p.mmap(3)
    p.write(a, b"one")
    k.reclaim(16)
    p.read(a, 1)
    p.write(a + 4096, b"two")
    p.write(a + 2 * 4096, b"three")
''' + then + "    return p, a, 3\n")


PLANTED = mixed('''\
    if k.at == "rip-out-swap":
        def migrate_page(*args):
            raise KernelBug("undefined reference to `remove_from_swap'")
        k.migrate_page = migrate_page
''')

LEFT_A_TASK = mixed('''\
    helper = k.spawn("helper")
    b = helper.mmap(1)
    helper.write(b, b"h")
    k.start(helper.read, b, 1)                # left for the grader to run
''')

# Students by their variant of 06.4 (the seed is the id).
THREE_ONE, SIX_THREE = student_for("06.4", pages=3, cached=1), student_for("06.4", pages=6, cached=3)

ROWS += [
    Row("06.4", "untouched", "the student's copy as given",
        setup(STUDENT[FIND], run_cells(SOLUTION["setup"], STUDENT["student_id"], names="student")), False, "not answered yet"),
    Row("06.4", "solution", "the solution", setup(SOLUTION[FIND], fn(SOLUTION["student_id"], "student"),
                                                  hidden=True), True),
    Row("06.4", "wrong", "the chapter's demo: one page, alone in its range", setup(CHAPTERS_DEMO), False,
        "a range of 3 pages (your variant)"),
    Row("06.4", "wrong", "a right answer for another student's variant (6 pages, 3 cached)", setup(ONE_VMA_MANY),
        False, "a range of 3 pages (your variant)"),
    Row("06.4", "wrong", "its own variant written in: the hidden checks try others", setup(ONE_VMA_MANY, SIX_THREE,
                                                                                          hidden=True),
        False, "another variant"),
    Row("06.4", "wrong", "no page in the swap cache", setup(NONE_CACHED), False,
        "exactly 1 page of the range in the swap cache"),
    Row("06.4", "wrong", "every page in the swap cache", setup(ALL_CACHED), False, "got 3 in it"),
    Row("06.4", "wrong", "a page left out on swap, not in memory", setup(LEFT_OUT), False, "present in memory"),
    Row("06.4", "correct", "three vmas, one page each", setup(THREE_VMAS), True),
    Row("06.4", "correct", "six pages, every other one through swap", setup(ONE_VMA_MANY, SIX_THREE), True),
    Row("06.4", "correct", "any variant, read from the variant (hidden checks too)", setup(GENERAL, SIX_THREE,
                                                                                           hidden=True), True),
    Row("06.4", "hostile", "the oops raised by the setup itself", setup(FAKE_OOPS), False, "your code raised KernelBug itself"),
    Row("06.4", "hostile", "migrate_page replaced on the machine by one that oopses", setup(PLANTED), False,
        "your setup replaced k.migrate_page"),
    Row("06.4", "hostile", "a task of its own left running for the grader to step", setup(LEFT_A_TASK), False,
        "no task of the setup's left running"),
]
