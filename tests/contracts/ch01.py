"""The contract of chapter 01's graders: 01.1 (buffer_migrate_page as a module) and 01.2 (retry, not fail)."""

from . import Row, chapter_cells, kernel_copy, run_cells, solved, predict

CHAPTER = "01-centralize.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
CELL, FIX = "build_buffer_migrate_page", "fix_remove_references"


def fn(source, name="buffer_migrate_page"):
    return run_cells(SETUP, source, names=name)


def edited(old, new, cell=CELL, name="buffer_migrate_page"):
    source = SOLUTION[cell]
    if source.count(old) != 1:
        raise AssertionError(old)
    return fn(source.replace(old, new), name)


RING_BY_HAND = '''\
def buffer_migrate_page(k, newpage, page):
    if page.mapping is None:
        return -EAGAIN
    if not PagePrivate(page):
        return (yield from k.migrate_page(newpage, page))
    ring, bh = [], page.private               # walk the ring by hand
    while bh not in ring:
        ring.append(bh)
        bh = bh.b_this_page
    err = yield from k.migrate_page_remove_references(newpage, page, 3)
    if err == 0:
        for bh in ring:
            bh.b_count, bh.b_state = bh.b_count + 1, bh.b_state | BH_Lock
            bh.b_page = newpage
        newpage.private = page.private
        page.private = 0
        ClearPagePrivate(page)
        SetPagePrivate(newpage)
        get_page(newpage)
        put_page(page)
        k.migrate_page_copy(newpage, page)
        for bh in ring:
            bh.b_count, bh.b_state = bh.b_count - 1, bh.b_state & ~BH_Lock
    return err
'''

LOOPS = '''\
def buffer_migrate_page(k, newpage, page):
    while page is not None:
        pass
    yield
'''


def remove_references(text):
    return fn(solved(SOLUTION[FIX], text), "migrate_page_remove_references")


NO_HISTORICAL = {"01.1": "a build exercise: the function as fs/buffer.c had it, no bug to show"}

ROWS = [
    Row("01.1", "untouched", "the cell as given", {"buffer_migrate_page": fn(STUDENT[CELL])}, False, "not answered yet"),
    Row("01.1", "solution", "as fs/buffer.c had it", {"buffer_migrate_page": fn(SOLUTION[CELL]), "hidden": True}, True),
    Row("01.1", "correct", "the ring walked by hand", {"buffer_migrate_page": fn(RING_BY_HAND)}, True),
    Row("01.1", "correct", "fs/buffer.c's own, typed in",
        {"buffer_migrate_page": kernel_copy("buffer_migrate_page", "v2.6.16")}, True),
    Row("01.1", "wrong", "buffers left pointing at the old page",
        {"buffer_migrate_page": edited("        bh.b_page = newpage\n", "        pass\n")}, False, "buffers"),
    Row("01.1", "wrong", "the count of a page without buffers",
        {"buffer_migrate_page": edited("remove_references(newpage, page, 3)", "remove_references(newpage, page, 2)")},
        False, "a clean ext2 page moves"),
    Row("01.1", "wrong", "calls try_to_unmap, which is not exported",
        {"buffer_migrate_page": edited("    bhs = page_buffers(page)\n",
                                       "    yield from k.try_to_unmap(page, 1)\n    bhs = page_buffers(page)\n")},
        False, "Unknown symbol"),
    Row("01.1", "hostile", "a loop", {"buffer_migrate_page": fn(LOOPS)}, False, "stopped"),
    # 01.2: graded at reorg; a reference too many under tree_lock must mean "try again"
    Row("01.2", "untouched", "the cell as given",
        {"migrate_page_remove_references": fn(STUDENT[FIX], "migrate_page_remove_references")}, False,
        "not answered yet"),
    Row("01.2", "solution", "-EAGAIN after letting go of tree_lock",
        {"migrate_page_remove_references": fn(SOLUTION[FIX], "migrate_page_remove_references"), "hidden": True}, True),
    Row("01.2", "historical", "1, a permanent failure (reorg)",
        {"migrate_page_remove_references": kernel_copy("migrate_page_remove_references", "reorg")}, False,
        "made the page stay for good"),
    Row("01.2", "wrong", "-EPERM: another permanent failure",
        {"migrate_page_remove_references": remove_references("spin_unlock(mapping.tree_lock)\nreturn -EPERM\n")},
        False, "moves on a later pass"),
    Row("01.2", "wrong", "carries on as if nobody held the page",
        {"migrate_page_remove_references": remove_references("pass\n")}, False, "a reference that stays"),
    Row("01.2", "wrong", "retries but keeps tree_lock",
        {"migrate_page_remove_references": remove_references("return -EAGAIN\n")}, False,
        "a fault's passing reference"),
    Row("01.2", "correct", "the error through a variable",
        {"migrate_page_remove_references": remove_references(
            "spin_unlock(mapping.tree_lock)\nerr = -EAGAIN\nreturn err\n")}, True),
    Row("01.2", "correct", "the count tested on its own first",
        {"migrate_page_remove_references": fn(SOLUTION[FIX].replace(
            "    if page_mapping(page) is None or page._count != nr_refs or "
            "mapping.page_tree.get(index) is not page:\n",
            "    if page._count != nr_refs:                # a reference more: held, perhaps only for now\n"
            "        spin_unlock(mapping.tree_lock)\n        return -EAGAIN\n"
            "    if page_mapping(page) is None or mapping.page_tree.get(index) is not page:\n"),
            "migrate_page_remove_references")}, True),
    Row("01.2", "correct", "the fixups patch, typed in",
        {"migrate_page_remove_references": kernel_copy("migrate_page_remove_references", "fixups")}, True),
    Row("01.2", "hostile", "the kernel's own fixed function",
        {"migrate_page_remove_references": next(
            v.obj for v in __import__("migsim").kbuild.REGISTRY["migrate_page_remove_references"]
            if v.since == "fixups")}, False, "the kernel's own"),
]

ROWS += predict.rows(CHAPTER, "01.3", "unexport-swap-page", correct=["Unexport-Swap-Page", " unexport-swap-page"], wrong=["remove-definitions", "reorg", "fixups"],
                     wrong_type=2, expected_words="one of 'v2.6.16'")
