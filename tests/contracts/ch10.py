"""The contract of chapter 10's grader: 10.1 (do_move_pages, each page's status)."""

from . import Row, chapter_cells, kernel_copy, run_cells, solved, predict

CHAPTER = "10-what-2.6.18-shipped.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
NAME = "do_move_pages"
CELL = SOLUTION["fix_do_move_pages"]


def fn(source):
    return {NAME: run_cells(SETUP, source, names=NAME)}


def edited(old, new):
    if CELL.count(old) != 1:
        raise AssertionError(old)
    return fn(CELL.replace(old, new))


DIFFERENT = '''\
vma = k.find_vma(mm, pp.addr)
page = None if vma is None else (yield from k.follow_page(vma, pp.addr, FOLL_GET))
if vma is None:
    pp.status = -EFAULT
    continue
if page is None:
    pp.status = -ENOENT
    continue
pp.page = page
if page.node == pp.node:
    pp.status = pp.node               # already where it should be
elif page_mapcount(page) > 1 and not migrate_all:
    pp.status = -EACCES               # someone else's too
else:
    pp.status = yield from k.isolate_lru_page(page, pagelist)
put_page(page)
'''

NO_HISTORICAL = {"10.1": "sys_move_pages arrived whole in 2.6.18 (move-pages): no earlier version to show"}

ROWS = [
    Row("10.1", "untouched", "the cell as given", fn(STUDENT["fix_do_move_pages"]), False, "not answered yet"),
    Row("10.1", "solution", "each page's status", fn(CELL), True),
    Row("10.1", "wrong", "moves pages shared with another process",
        edited("if page_mapcount(page) <= 1 or migrate_all:", "if True:"), False, "-EACCES without MPOL_MF_MOVE_ALL"),
    Row("10.1", "wrong", "ignores -EBUSY", edited("err = yield from k.isolate_lru_page(page, pagelist)",
                                                  "yield from k.isolate_lru_page(page, pagelist)\n"
                                                  "                        err = pp.node"), False, "-EBUSY"),
    Row("10.1", "wrong", "-ENOENT for an address without a vma", edited("err = -EFAULT\n", "err = -ENOENT\n"),
        False, "-EFAULT"),
    Row("10.1", "wrong", "forgets follow_page's reference",
        edited("                put_page(page)                # follow_page's reference\n", ""), False, None),
    Row("10.1", "correct", "status by status, early continues", fn(solved(CELL, DIFFERENT)), True),
    Row("10.1", "correct", "2.6.18's own, typed in", {NAME: kernel_copy(NAME, "move-pages")}, True),
    Row("10.1", "hostile", "the kernel's own function",
        {NAME: __import__("migsim").kbuild.REGISTRY[NAME][0].obj}, False, "the kernel's own"),
]

ROWS += predict.rows(CHAPTER, "10.2", "no", correct=["NO", False], wrong=["yes", True],
                     wrong_type=0.5, expected_words="one of 'yes', 'no'")
