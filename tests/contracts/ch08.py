"""The contract of chapter 08's grader: 08.1 (copy_one_pte leaves a COW migration entry read-only)."""

from . import Row, chapter_cells, kernel_copy, run_cells, predict

CHAPTER = "08-the-cow-bug.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
NAME = "copy_one_pte"
CELL = SOLUTION["fix_copy_one_pte"]

BRANCH = """            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                # downgrade in place: a read entry for the same page, in both
                entry = k.make_migration_entry_read(entry)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
"""


def branch(new):
    if CELL.count(BRANCH) != 1:
        raise AssertionError(BRANCH)
    return {NAME: run_cells(SETUP, CELL.replace(BRANCH, new), names=NAME)}


ROWS = [
    Row("08.1", "untouched", "the cell as given", {NAME: run_cells(SETUP, STUDENT["fix_copy_one_pte"], names=NAME)},
        False, "not answered yet"),
    Row("08.1", "solution", "a read entry in both", {NAME: run_cells(SETUP, CELL, names=NAME), "hidden": True}, True),
    Row("08.1", "historical", "SWP_MIGRATION_READ passed as 'write?' (migration-entries)",
        {NAME: kernel_copy(NAME, "migration-entries")}, False, "the explorer on bug C's scenario"),
    Row("08.1", "wrong", "the child read, the parent left a write entry", branch(
        """            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                pte = swp_entry_to_pte(k.make_migration_entry_read(entry))
"""), False, "fork meets a write migration entry"),
    Row("08.1", "wrong", "the fix's condition with the old bug's argument", branch(
        """            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                entry = k.make_migration_entry(k.migration_entry_to_page(entry), k.SWP_MIGRATION_READ)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
"""), False, "fork meets a write migration entry"),
    Row("08.1", "wrong", "every migration entry made a write entry", branch(
        """            if k.is_migration_entry(entry) and is_cow_mapping(vma.vm_flags):
                entry = k.make_migration_entry(k.migration_entry_to_page(entry), True)
                pte = swp_entry_to_pte(entry)
                set_pte_at(src_mm, addr, pte)
"""), False, "the explorer"),
    Row("08.1", "correct", "every COW migration entry rebuilt as a read entry", branch(
        """            if is_cow_mapping(vma.vm_flags) and k.is_migration_entry(entry):
                pte = swp_entry_to_pte(k.make_migration_entry(k.migration_entry_to_page(entry), False))
                set_pte_at(src_mm, addr, pte)
"""), True),
    Row("08.1", "correct", "the fix as cow-fix has it, typed in", {NAME: kernel_copy(NAME, "cow-fix")}, True),
    Row("08.1", "hostile", "calls a helper that is not there", branch("            entry = k.no_such_helper(entry)\n"),
        False, "AttributeError"),
]

ROWS += predict.rows(CHAPTER, "08.2", 2, correct=[0b10, 1 + 1], wrong=[0, 1, 3],
                     wrong_type="two", expected_words="an int")
