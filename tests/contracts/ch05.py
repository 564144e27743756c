"""The contract of chapter 05's grader: 05.1 (the migration-entry helpers of swapops.h)."""

from . import Row, chapter_cells, run_cells, predict

CHAPTER = "05-migration-entries.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
HELPERS = ("make_migration_entry", "is_write_migration_entry", "migration_entry_to_page",
           "make_migration_entry_read")
FIX = SOLUTION["fix_entry_helpers"]


def helpers(source, *edits):
    for old, new in edits:
        if source.count(old) != 1:
            raise AssertionError(old)
        source = source.replace(old, new)
    return dict(zip(HELPERS, run_cells(SETUP, source, names=HELPERS)))


DIFFERENT = '''
READ_TYPE, WRITE_TYPE, TYPE_SHIFT = 30, 31, 27


def make_migration_entry(k, page, write):
    if not PageLocked(page):
        raise KernelBug("BUG_ON(!PageLocked(page))", "include/linux/swapops.h")
    return ((WRITE_TYPE if write != 0 else READ_TYPE) << TYPE_SHIFT) | page.pfn


def is_write_migration_entry(k, entry):
    return entry >> TYPE_SHIFT == WRITE_TYPE


def migration_entry_to_page(k, entry):
    page = k.pfn_to_page(entry & ((1 << TYPE_SHIFT) - 1))
    if PageLocked(page):
        return page
    raise KernelBug("BUG_ON(!PageLocked(page))", "include/linux/swapops.h")


def make_migration_entry_read(k, entry):
    return entry & ~(1 << TYPE_SHIFT)          # 31 -> 30: clear the type's lowest bit
'''

BY_HELPERS = '''
def make_migration_entry(k, page, write):
    BUG_ON = not PageLocked(page)
    if BUG_ON:
        raise KernelBug("make_migration_entry of an unlocked page", "include/linux/swapops.h")
    return swp_entry(k.SWP_MIGRATION_WRITE if bool(write) else k.SWP_MIGRATION_READ, page.pfn)


def is_write_migration_entry(k, entry):
    return 1 if swp_type(entry) == k.SWP_MIGRATION_WRITE else 0


def migration_entry_to_page(k, entry):
    page = k.pfn_to_page(swp_offset(entry))
    if not PageLocked(page):
        raise KernelBug("migration entry of an unlocked page", "include/linux/swapops.h")
    return page


def make_migration_entry_read(k, entry):
    return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))
'''

ROWS = [
    Row("05.1", "untouched", "the cell as given", helpers(STUDENT["fix_entry_helpers"]), False, "not answered yet"),
    Row("05.1", "solution", "the four helpers", {**helpers(FIX), "hidden": True}, True),
    # Bug C seen from the helpers: only write == 1 counts as "write", so SWP_MIGRATION_READ (30) passed as write reads.
    Row("05.1", "historical", "write compared with 1 (the confusion behind bug C)",
        helpers(FIX, ("if write else", "if write == 1 else")), False, "write=30"),
    Row("05.1", "wrong", "read and write swapped",
        helpers(FIX, ("k.SWP_MIGRATION_WRITE if write else k.SWP_MIGRATION_READ",
                      "k.SWP_MIGRATION_READ if write else k.SWP_MIGRATION_WRITE")), False, "make_migration_entry"),
    Row("05.1", "wrong", "any migration entry counts as write",
        helpers(FIX, ("return swp_type(entry) == k.SWP_MIGRATION_WRITE",
                      "return swp_type(entry) >= k.SWP_MIGRATION_READ")), False, "is_write_migration_entry"),
    Row("05.1", "wrong", "the pfn lost in the read entry",
        helpers(FIX, ("return swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))",
                      "return swp_entry(k.SWP_MIGRATION_READ, 0)")), False, "make_migration_entry_read"),
    Row("05.1", "wrong", "no BUG for an unlocked page",
        helpers(FIX, ("    if not PageLocked(page):\n        raise KernelBug(\"make_migration_entry: page not locked\", "
                      "\"include/linux/swapops.h\")\n", "")), False, "BUG"),
    Row("05.1", "correct", "by shifts and masks", {**helpers(DIFFERENT), "hidden": True}, True),
    Row("05.1", "correct", "by swp_entry and friends", helpers(BY_HELPERS), True),
    Row("05.1", "hostile", "not functions", {**helpers(FIX), "make_migration_entry": 42}, False, "must be a function"),
]

ROWS += predict.rows(CHAPTER, "05.4", 0x0012343E, correct=[1193022, 31 << 1 | 0x1234 << 8], wrong=[0x0012343C, 0x1234003E, 0xF8001234, 0x0012343F],
                     wrong_type="0x0012343E", expected_words="an int")
