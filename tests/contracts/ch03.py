"""The contract of chapter 03's graders: 03.1 (the count it expects) and 03.2 (a reference that pins a page)."""

from . import Row, chapter_cells, kernel_copy, run_cells, student_for

CHAPTER = "03-the-reference-count-rule.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
FIX = SOLUTION["fix_remove_references"]
NAME = "migrate_page_remove_references"
COUNT = "expected = 2 + (1 if PagePrivate(page) else 0)"


def with_count(expr):
    if FIX.count(COUNT) != 1:
        raise AssertionError(COUNT)
    return {NAME: run_cells(SETUP, FIX.replace(COUNT, f"expected = {expr}"), names=NAME)}


def setup(body, student=None, args="k", **more):
    """A setup of `body` for exercise 03.2, graded as `student`'s (by default the one whose variant it fits)."""
    fn = run_cells(SETUP, f"def setup({args}):\n" + "".join("    " + line + "\n" for line in body.splitlines()),
                   names="setup")
    return {"setup": fn, "student": ANON_2 if student is None else student, **more}


# Students by their variant of 03.2 (the seed is the id): two anonymous pages; two listfs pages; three, ext2.
ANON_2, LISTFS_2, EXT2_3 = (student_for("03.2", kind="anon", pages=2), student_for("03.2", kind="listfs", pages=2),
                            student_for("03.2", kind="ext2", pages=3))
SOLVED = run_cells(SETUP, SOLUTION["student_id"], names="student")


BASE = """k.sys_swapon(8)
p = k.spawn("dd")
a = p.mmap(2)
p.write(a, b"one")
p.write(a + 4096, b"two")
page = k.page(p, a)
"""
LISTFS = """k.sys_swapon(4)
f = k.create_file("log", 2, fs="listfs")
p = k.spawn("tail")
a = p.mmap(2, file=f, shared=True)
p.read(a, 1)
p.read(a + 4096, 1)
pinned = [k.page(p, a + 4096)]
for page in pinned:
    get_page(page)
def release():
    while pinned:
        put_page(pinned.pop())
return p.pid, release"""
RAISES_ITSELF = BASE + """from migsim.errors import KernelBug
raise KernelBug("nothing moves")"""

# Section 4's machine: gcc with one ext2 page, a reference held on it (the chapter's demo, as a setup).
CHAPTERS_DEMO = """k.sys_swapon(8)
p = k.spawn("gcc")
a = p.mmap(1, file=k.create_file("notes", 1, fs="ext2"), shared=True)
p.write(a, b"notes")
page = k.page(p, a)
get_page(page)
return p.pid, lambda: put_page(page)"""
# Any variant: the held page of the variant's kind, the others anonymous.
GENERAL = """k.sys_swapon(8)
p = k.spawn("dd")
kinds = [variant.kind] + ["anon"] * (variant.pages - 1)
addrs = []
for i, kind in enumerate(kinds):
    if kind == "anon":
        a = p.mmap(1)
    else:
        a = p.mmap(1, file=k.create_file(f"f{i}", 1, fs=kind), shared=True)
    p.write(a, b"page")
    addrs.append(a)
page = k.page(p, addrs[0])
get_page(page)
return p.pid, lambda: put_page(page)"""

ROWS = [
    Row("03.1", "untouched", "the cell as given", {NAME: run_cells(SETUP, STUDENT["fix_remove_references"], names=NAME)},
        False, "not answered yet"),
    Row("03.1", "solution", "2, and 3 with buffers", {NAME: run_cells(SETUP, FIX, names=NAME), "hidden": True}, True),
    Row("03.1", "historical", "2, what migrate_page passed before the patch", with_count("2"), False,
        "pages of every kind move"),
    Row("03.1", "wrong", "3 for every page", with_count("3"), False, "the anon page on node 1"),
    Row("03.1", "wrong", "the private field, which a swap entry fills too", with_count("2 + (1 if page.private else 0)"),
        False, "the anon page on node 1"),
    Row("03.1", "wrong", "whatever count it sees", with_count("page._count"), False,
        "with a reference held, the anon page stays"),
    Row("03.1", "correct", "3 with buffers, else 2", with_count("3 if PagePrivate(page) else 2"), True),
    Row("03.1", "correct", "the mapcount (none left) + 2 + buffers",
        with_count("page_mapcount(page) + 2 + (PagePrivate(page) and 1 or 0)"), True),
    Row("03.1", "correct", "the patch, typed in", {NAME: kernel_copy(NAME, "drop-nr-refs")}, True),
    Row("03.1", "hostile", "keeps the nr_refs parameter",
        {NAME: run_cells(SETUP, FIX.replace("(k, newpage, page):", "(k, newpage, page, nr_refs):", 1), names=NAME)},
        False, "must take (k, newpage, page)"),
    Row("03.1", "hostile", "returns nonsense",
        {NAME: run_cells(SETUP, FIX[:FIX.rindex("return 0")] + "return 'moved'", names=NAME)}, False,
        "expected 0, -EAGAIN or -EPERM"),
    # 03.2
    Row("03.2", "untouched", "the cell as given",
        {"setup": run_cells(SETUP, STUDENT["find_setup"], names="setup"),
         "student": run_cells(SETUP, STUDENT["student_id"], names="student")}, False, "not answered yet"),
    Row("03.2", "solution", "a reference held on the variant's page",
        {"setup": run_cells(SETUP, SOLUTION["find_setup"], names="setup"), "student": SOLVED, "hidden": True}, True),
    Row("03.2", "wrong", "the chapter's demo: gcc's one ext2 page held", setup(CHAPTERS_DEMO, EXT2_3), False,
        "to have 3 pages mapped on node 0"),
    Row("03.2", "wrong", "a right answer for another student's variant (two anonymous pages)", setup(
        BASE + "get_page(page)\nreturn p.pid, lambda: put_page(page)", EXT2_3), False, "to have 3 pages mapped"),
    Row("03.2", "wrong", "the right number of pages, the wrong kind held", setup(
        BASE + "get_page(page)\nreturn p.pid, lambda: put_page(page)", LISTFS_2), False, "a page of a listfs file"),
    Row("03.2", "wrong", "its own variant written in: the hidden checks try others", setup(
        BASE + "get_page(page)\nreturn p.pid, lambda: put_page(page)", hidden=True), False, "another variant"),
    Row("03.2", "wrong", "holds nothing", setup(BASE + "return p.pid, lambda: None"), False, "leave a page behind"),
    Row("03.2", "wrong", "never lets go", setup(BASE + "get_page(page)\nreturn p.pid, lambda: None"), False, "count"),
    Row("03.2", "wrong", "lets go of one of two",
        setup(BASE + "get_page(page)\nget_page(page)\nreturn p.pid, lambda: put_page(page)"), False, "count"),
    Row("03.2", "wrong", "no way to let go", setup(BASE + "get_page(page)\nreturn p.pid"), False,
        "return (pid, release)"),
    Row("03.2", "correct", "a listfs page pinned from a list", setup(LISTFS, LISTFS_2), True),
    Row("03.2", "correct", "an anonymous page, released by a lambda",
        setup(BASE + "get_page(page)\nreturn p.pid, lambda: put_page(page)"), True),
    Row("03.2", "correct", "any variant, read from the variant (hidden checks too)",
        setup(GENERAL, EXT2_3, args="k, variant", hidden=True), True),
    Row("03.2", "hostile", "raises", setup("return 1 / 0"), False, "ZeroDivisionError"),
    Row("03.2", "hostile", "raises a KernelBug itself", setup(RAISES_ITSELF), False, "raised KernelBug itself"),
]
