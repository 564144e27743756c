"""The contract of chapter 06's grader: 06.1 (remove_migration_pte turns an entry back into a pte)."""

from . import Row, chapter_cells, kernel_copy, run_cells, solved, predict

CHAPTER = "06-dropping-swap.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
NAME = "remove_migration_pte"
CELL = SOLUTION["fix_remove_migration_pte"]


def fn(source):
    return {NAME: run_cells(SETUP, source, names=NAME)}


def edited(old, new):
    if CELL.count(old) != 1:
        raise AssertionError(old)
    return fn(CELL.replace(old, new))


NOTHING = f"def {NAME}(k, vma, addr, old, new):\n    return\n    yield\n"
ENTRY_CHECK = "if k.is_migration_entry(entry) and k.migration_entry_to_page(entry) is old:"
WRITE = "if k.is_write_migration_entry(entry):"
DIFFERENT = '''\
if not k.is_swap_pte(pte):
    spin_unlock(mm.page_table_lock)
    return
entry = pte_to_swp_entry(pte)
if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
    spin_unlock(mm.page_table_lock)
    return
write = k.is_write_migration_entry(entry)
built = pg.pfn_pte(new.pfn, vma.vm_page_prot)
set_pte_at(mm, addr, pg.pte_mkold(pg.pte_mkwrite(built) if write else built))
k.page_add_anon_rmap(new, vma, addr)
new._count += 1                           # get_page, spelled out
mm.anon_rss += 1
'''

ROWS = [
    Row("06.1", "untouched", "the cell as given", fn(STUDENT["fix_remove_migration_pte"]), False, "not answered yet"),
    Row("06.1", "solution", "the entry back to a pte", {**fn(CELL), "hidden": True}, True),
    Row("06.1", "historical", "nothing turns the entries back (rip-out-swap)", fn(NOTHING), False,
        "private anonymous pages move and stay writable"),
    Row("06.1", "wrong", "every restored pte writable", edited(WRITE, "if True:"), False, "shared copy-on-write"),
    Row("06.1", "wrong", "the pte's reference forgotten", edited("            get_page(new)\n", ""), False,
        "private anonymous pages move"),
    Row("06.1", "wrong", "the old page mapped whatever happened", edited("pg.pfn_pte(new.pfn,", "pg.pfn_pte(old.pfn,"),
        False, "private anonymous pages move"),
    Row("06.1", "wrong", "any migration entry taken for old's", edited(ENTRY_CHECK, "if k.is_migration_entry(entry):"),
        False, "copies at one address migrate at once"),
    Row("06.1", "correct", "early returns, get_page spelled out", fn(solved(CELL, DIFFERENT)), True),
    Row("06.1", "correct", "file-entries' version (it serves file pages too), typed in",
        {NAME: kernel_copy(NAME, "file-entries")}, True),
    Row("06.1", "hostile", "raises", edited("entry = pte_to_swp_entry(pte)", "entry = pte_to_swp_entry(pte) // 0"),
        False, "ZeroDivisionError"),
]

ROWS += predict.rows(CHAPTER, "06.5", "writable", correct=["Writable", " writable "], wrong=["migration entry", "read-only"],
                     wrong_type=1, expected_words="one of 'migration entry', 'read-only', 'writable'")
