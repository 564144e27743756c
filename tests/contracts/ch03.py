"""The contract of chapter 03's graders: 03.1 (the count it expects) and 03.2 (a reference that pins a page)."""

from . import Row, chapter_cells, kernel_copy, run_cells, predict

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


def setup(body):
    return {"setup": run_cells(SETUP, "def setup(k):\n" + "".join("    " + line + "\n" for line in body.splitlines()),
                               names="setup")}


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
    Row("03.2", "untouched", "the cell as given", {"setup": run_cells(SETUP, STUDENT["find_setup"], names="setup")},
        False, "not answered yet"),
    Row("03.2", "solution", "a reference held on one page",
        {"setup": run_cells(SETUP, SOLUTION["find_setup"], names="setup")}, True),
    Row("03.2", "wrong", "holds nothing", setup(BASE + "return p.pid, lambda: None"), False, "leave a page behind"),
    Row("03.2", "wrong", "never lets go", setup(BASE + "get_page(page)\nreturn p.pid, lambda: None"), False, "count"),
    Row("03.2", "wrong", "lets go of one of two",
        setup(BASE + "get_page(page)\nget_page(page)\nreturn p.pid, lambda: put_page(page)"), False, "count"),
    Row("03.2", "wrong", "no way to let go", setup(BASE + "get_page(page)\nreturn p.pid"), False,
        "return (pid, release)"),
    Row("03.2", "correct", "a listfs page pinned from a list", setup(LISTFS), True),
    Row("03.2", "correct", "an anonymous page, released by a lambda",
        setup(BASE + "get_page(page)\nreturn p.pid, lambda: put_page(page)"), True),
    Row("03.2", "hostile", "raises", setup("return 1 / 0"), False, "ZeroDivisionError"),
    Row("03.2", "hostile", "raises a KernelBug itself", setup(RAISES_ITSELF), False, "raised KernelBug itself"),
]

ROWS += predict.rows(CHAPTER, "03.3", "empty", correct=["Empty", " empty"], wrong=["present", "swap entry",
                     "migration entry"], wrong_type=0, expected_words="one of 'present', 'empty'")
