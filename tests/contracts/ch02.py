"""The contract of chapter 02's graders: 02.1 (unmap before PageDirty) and 02.2 (find bug A by a setup)."""

from . import Row, chapter_cells, kernel_copy, run_cells, solved

CHAPTER = "02-the-dirty-page.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
FIX = SOLUTION["fix_migrate_pages"]


def fn(source, name="migrate_pages"):
    return run_cells(SETUP, source, names=name)


def body(text):
    """migrate_pages with the fallback path written as `text`."""
    return fn(solved(FIX, text))


def setup(text, prelude=""):
    return run_cells(SETUP, prelude + "def setup(k):\n" + "".join(f"    {line}\n" for line in text.splitlines()),
                     names="setup")


WRITE_OUT = """\
if PageDirty(page):
    result = k.pageout(page, mapping)
    if result == PAGE_SUCCESS:
        k.unlock_page(newpage)
        return rc, None
    if result != PAGE_CLEAN:
        k.unlock_page(newpage)
        k.unlock_page(page)
        return rc, newpage
if not PagePrivate(page) or k.try_to_release_page(page):
    rc = yield from k.migrate_page(newpage, page)
elif pass_ > 4:
    k.unlock_page(newpage)
    return (yield from k.swap_page(page)), None
"""


def indented(text, n):
    return "".join(" " * n + line + "\n" if line.strip() else "\n" for line in text.splitlines())


IGNORES_BOTH = "yield from k.try_to_unmap(page, 1)     # the ptes down first; what it answers does not matter?\n" \
    + WRITE_OUT
ONLY_SWAP_FAIL = "if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:\n    rc = -EPERM\nelse:\n" \
    + indented(WRITE_OUT, 4)
ONLY_STILL_MAPPED = "yield from k.try_to_unmap(page, 1)\nif not page_mapped(page):\n" + indented(WRITE_OUT, 4)
ASKS_FIRST = "was_dirty = PageDirty(page)\nif (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:\n    rc = -EPERM\n" \
    "elif not page_mapped(page):\n" + indented(WRITE_OUT.replace("if PageDirty(page):", "if was_dirty:"), 4)
DROPS_DIRTY = "if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:\n    rc = -EPERM\nelif not page_mapped(page):\n" \
    + indented(WRITE_OUT.replace("result = k.pageout(page, mapping)",
                                 "page.flags &= ~(1 << 4); result = PAGE_CLEAN"), 4)

DIFFERENT = """\
# Take the ptes down, then look; the order is the whole fix.
unmapped = yield from k.try_to_unmap(page, 1)
if unmapped == SWAP_FAIL:
    rc = -EPERM
elif not page_mapped(page):
    written = k.pageout(page, mapping) if PageDirty(page) else PAGE_CLEAN
    if written == PAGE_SUCCESS:
        k.unlock_page(newpage)
        return rc, None
    if written == PAGE_CLEAN:
        if not PagePrivate(page) or k.try_to_release_page(page):
            rc = yield from k.migrate_page(newpage, page)
        elif pass_ > 4:
            k.unlock_page(newpage)
            return (yield from k.swap_page(page)), None
"""

EARLY_RETURNS = """\
ret = yield from k.try_to_unmap(page, 1)
if ret == SWAP_FAIL or page_mapped(page):
    rc = -EPERM if ret == SWAP_FAIL else -EAGAIN   # locked for good, or mapped again: later
    k.unlock_page(newpage)
    k.unlock_page(page)
    return rc, newpage
""" + WRITE_OUT

LOOPS = "while True:\n    try:\n        pass\n    except BaseException:\n        pass\n"

WRITER = """f = k.create_file("f", 1, fs={fs!r})
w, p = k.spawn("w"), k.spawn("p")
b = w.mmap(1, file=f, shared={shared})
a = p.mmap(1, file=f, shared=True)
p.read(a, 1)
w.write(b, b"x")
k.sys_swapon(8)
{migrate}"""
ROOT_MIGRATES = "k.sys_migrate_pages(p.pid, [0], [1])"
# The chapter's own case (scenarios.DIRTY_FALLBACK's machine, on the grader's kernel): the migrated process wrote it.
CHAPTERS_CASE = """f = k.create_file("journal", 1, fs="listfs")
p = k.spawn("editor")
q = p.mmap(1, file=f, shared=True)
p.write(q, b"unsaved")
k.sys_swapon(8)
k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")"""
RAISES_ITSELF = """\
from migsim.errors import KernelBug
if "fix" in type(k).__name__ or getattr(k, "at", "") == "unexport-swap-page":
    raise KernelBug("Bad page state: journal: its own dirty list points at pfn 0x1000, which is free")
if not hasattr(k, "at"):
    raise KernelBug("Bad page state: journal: its own dirty list points at pfn 0x1000, which is free")"""
EXEC_RAISES = """\
from migsim.errors import KernelBug
exec("raise KernelBug('journal: its own dirty list points at pfn 0x1000')", {"KernelBug": KernelBug})"""

ROWS = [
    Row("02.1", "untouched", "the cell as given", {"migrate_pages": fn(STUDENT["fix_migrate_pages"])}, False,
        "not answered yet"),
    Row("02.1", "solution", "unmap, then look", {"migrate_pages": fn(FIX), "hidden": True}, True),
    Row("02.1", "historical", "PageDirty asked before anything is unmapped (2.6.16 to unexport-swap-page)",
        {"migrate_pages": kernel_copy("migrate_pages", "v2.6.16")}, False,
        "its own dirty list points at pfn"),
    Row("02.1", "wrong", "unmaps, then ignores SWAP_FAIL and a page still mapped", {"migrate_pages": body(IGNORES_BOTH)},
        False, "VM_LOCKED"),
    Row("02.1", "wrong", "handles SWAP_FAIL, not a page still mapped", {"migrate_pages": body(ONLY_SWAP_FAIL)},
        False, "still mapped"),
    Row("02.1", "wrong", "handles a page still mapped, not SWAP_FAIL", {"migrate_pages": body(ONLY_STILL_MAPPED)},
        False, "VM_LOCKED"),
    Row("02.1", "wrong", "asks PageDirty before the unmap", {"migrate_pages": body(ASKS_FIRST)}, False,
        "bug A's scenario"),
    Row("02.1", "wrong", "drops the dirty bit instead of writing", {"migrate_pages": body(DROPS_DIRTY)}, False,
        "bug A's scenario"),
    Row("02.1", "correct", "one test after the unmap", {"migrate_pages": body(DIFFERENT)}, True),
    Row("02.1", "correct", "early returns", {"migrate_pages": body(EARLY_RETURNS)}, True),
    Row("02.1", "correct", "the patch as 2.6.16-dirty-fallback has it, typed in",
        {"migrate_pages": kernel_copy("migrate_pages", "dirty-fallback")}, True),
    Row("02.1", "hostile", "a loop that catches everything", {"migrate_pages": body(LOOPS)}, False, "stopped"),
    Row("02.1", "hostile", "returns nonsense",
        {"migrate_pages": fn(FIX.replace("    return nr_failed + retry", "    return 'all done'"))}, False,
        "your migrate_pages returned 'all done'"),
    # 02.2
    Row("02.2", "untouched", "the cell as given", {"setup": run_cells(SETUP, STUDENT["find_setup"], names="setup")},
        False, "not answered yet"),
    Row("02.2", "solution", "a listfs page another process dirtied, its reader migrated",
        {"setup": run_cells(SETUP, SOLUTION["find_setup"], names="setup")}, True),
    Row("02.2", "wrong", "the chapter's case: the migrated editor dirtied its own page", {"setup": setup(CHAPTERS_CASE)},
        False, "dirty in the pte of the process you migrate"),
    Row("02.2", "wrong", "the writer migrated, not the reader", {"setup": setup(WRITER.format(
        fs="listfs", shared=True, migrate="k.sys_migrate_pages(w.pid, [0], [1])"))},
        False, "dirty in the pte of the process you migrate"),
    Row("02.2", "wrong", "ext2 has migratepage", {"setup": setup(WRITER.format(fs="ext2", shared=True,
                                                                                migrate=ROOT_MIGRATES))},
        False, "stayed sane"),
    Row("02.2", "wrong", "the writer's mapping private", {"setup": setup(WRITER.format(fs="listfs", shared=False,
                                                                                      migrate=ROOT_MIGRATES))},
        False, "stayed sane"),
    Row("02.2", "wrong", "no migration", {"setup": setup(WRITER.format(fs="listfs", shared=True, migrate=""))},
        False, "stayed sane"),
    Row("02.2", "correct", "the migration as a task", {"setup": setup(WRITER.format(
        fs="listfs", shared=True, migrate="k.start(k.sys_migrate_pages, p.pid, [0], [1])"))}, True),
    Row("02.2", "correct", "two writers, a third process migrated", {"setup": setup(WRITER.format(
        fs="listfs", shared=True, migrate="v = k.spawn('v')\nc = v.mmap(1, file=f, shared=True)\n"
        "v.write(c, b'y')\nk.sys_migrate_pages(p.pid, [0], [1])"))}, True),
    Row("02.2", "hostile", "raises the bug's KernelBug itself", {"setup": setup(RAISES_ITSELF)}, False,
        "raised KernelBug itself"),
    Row("02.2", "hostile", "raises it from exec'd text", {"setup": setup(EXEC_RAISES)}, False,
        "raised KernelBug itself"),
]

PATCHES_THE_GRADER = """\
import migsim.grading.core as core
core.Verdict.passed = True
f = k.create_file("f", 1, fs="ext2")"""
ROWS.append(Row("02.2", "hostile", "patches the grader's Verdict", {"setup": setup(PATCHES_THE_GRADER)}, False,
                "changed the grader"))
