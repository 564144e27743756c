"""The contract of chapter 04's grader: 04.1 (fallback_migrate_page, re-locking after pageout)."""

from . import Row, chapter_cells, kernel_copy, run_cells, predict

CHAPTER = "04-unmap-first.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
NAME = "fallback_migrate_page"
FIX = SOLUTION["fix_fallback_migrate_page"]


def fn(source):
    return {NAME: run_cells(SETUP, source, names=NAME)}


def body(text):
    return fn(f"def {NAME}(k, mapping, newpage, page):\n" + "".join(
        "    " + line + "\n" if line else "\n" for line in text.splitlines()))


def edited(old, new):
    if FIX.count(old) != 1:
        raise AssertionError(old)
    return fn(FIX.replace(old, new))


RELOCK = "yield from k.lock_page(page)      # the write unlocked the page: take it back"
NOT_WRITTEN = "if result in (PAGE_KEEP, PAGE_ACTIVATE):"
RELEASE = "if PagePrivate(page) and not k.try_to_release_page(page):"

DIFFERENT = """\
# Only clean pages without buffers may move; everything else asks for another pass.
written = k.pageout(page, mapping) if PageDirty(page) else PAGE_CLEAN
if written == PAGE_SUCCESS:
    yield from k.lock_page(page)
if written != PAGE_CLEAN:
    return -EAGAIN
if not PagePrivate(page) or k.try_to_release_page(page):
    rc = yield from k.migrate_page(mapping, newpage, page)
    return rc
return -EAGAIN
"""

ROWS = [
    Row("04.1", "untouched", "the cell as given", fn(STUDENT["fix_fallback_migrate_page"]), False, "not answered yet"),
    Row("04.1", "solution", "re-lock after PAGE_SUCCESS", {**fn(FIX), "hidden": True}, True),
    Row("04.1", "historical", "the inline code moved as it stood: no re-lock", edited(RELOCK, "pass"), False,
        "unlock_page of unlocked pfn"),
    Row("04.1", "wrong", "PAGE_ACTIVATE goes on and moves a dirty page", edited(NOT_WRITTEN, "if result == PAGE_KEEP:"),
        False, "PAGE_ACTIVATE"),
    Row("04.1", "wrong", "buffers not dropped first", edited(RELEASE, "if False:"), False, "clean buffers"),
    Row("04.1", "wrong", "PAGE_CLEAN retried", edited("# PAGE_CLEAN: nothing to write, go on", "return -EAGAIN"),
        False, "PAGE_CLEAN"),
    Row("04.1", "wrong", "re-locks after PAGE_KEEP too",
        edited(NOT_WRITTEN, "if result == PAGE_KEEP:\n            yield from k.lock_page(page)\n"
                            "        if result in (PAGE_KEEP, PAGE_ACTIVATE):"), False, "waits forever in lock_page"),
    Row("04.1", "correct", "one test of what pageout did", body(DIFFERENT), True),
    Row("04.1", "correct", "the registered function, typed in", {NAME: kernel_copy(NAME, "fallback-function")}, True),
    Row("04.1", "hostile", "never sleeps", body("return -EAGAIN"), False, "must be a generator"),
    Row("04.1", "hostile", "a loop", body("while True:\n    pass\nyield"), False, "stopped"),
]

ROWS += predict.rows(CHAPTER, "04.2", 2, correct=[0b10, 1 + 1], wrong=[1, 3],
                     wrong_type="two", expected_words="an int")
