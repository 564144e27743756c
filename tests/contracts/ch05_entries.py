"""Contracts of 05.2 (migration_entry_wait) and 05.3 (change_pte_range).

Answers are cells a student could write: each runs after the chapter's
setup cell (solutions/05-migration-entries.ipynb), as in the notebook.
"""

import chapter_cells
from contracts import Row

CHAPTER = "05-migration-entries.ipynb"
SOLUTION, STUDENT = chapter_cells.cells(CHAPTER, "solutions"), chapter_cells.cells(CHAPTER, "exercises")
WAIT, MPROTECT = "fix_migration_entry_wait", "fix_change_pte_range"


def fn(source, name):
    """The function `name` that `source` defines, run as a cell after the chapter's setup cell."""
    return chapter_cells.answer(SOLUTION["setup"], source, name)


def edited(cell, *pairs):
    """The solution of `cell` with each (old, new) replaced (old must occur once)."""
    source = SOLUTION[cell]
    for old, new in pairs:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    return source


def wait(source):
    return {"migration_entry_wait": fn(source, "migration_entry_wait")}


def mprotect(source):
    return {"change_pte_range": fn(source, "change_pte_range")}


# --- 05.2 ---------------------------------------------------------------------------------------

WAIT_CORRECT_1 = '''
def migration_entry_wait(k, mm, address):
    """Sleep on the page a migration entry names, unless the entry is gone by the time we look."""
    lock = mm.page_table_lock
    yield from spin_lock(lock, k.who())
    pte = get_pte(mm, address)
    if pte == 0 or pg.pte_present(pte) or pg.pte_file(pte):
        spin_unlock(lock)
        return
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry):
        spin_unlock(lock)
        return
    page = k.migration_entry_to_page(entry)
    page._count += 1                          # get_page, spelled out
    spin_unlock(lock)
    try:
        yield from k.wait_on_page_locked(page)
    finally:
        put_page(page)
'''

WAIT_CORRECT_2 = '''
def migration_entry_wait(k, mm, address):
    page = None
    yield from spin_lock(mm.page_table_lock, k.who())
    now = get_pte(mm, address)
    if k.is_swap_pte(now):
        entry = pte_to_swp_entry(now)
        if k.is_migration_entry(entry):
            page = k.migration_entry_to_page(entry)
            get_page(page)
    spin_unlock(mm.page_table_lock)
    if page is not None:
        yield from k.wait_on_page_locked(page)
        put_page(page)
'''

WAIT_STALE = '''
def migration_entry_wait(k, mm, address):
    entry = pte_to_swp_entry(get_pte(mm, address))   # read before the lock, never again
    yield from spin_lock(mm.page_table_lock, k.who())
    page = k.migration_entry_to_page(entry)
    get_page(page)
    spin_unlock(mm.page_table_lock)
    yield from k.wait_on_page_locked(page)
    put_page(page)
'''

WAIT_BUSY = '''
def migration_entry_wait(k, mm, address):
    return                                    # let the fault be retried at once
    yield
'''

WAIT_LOOPS = '''
def migration_entry_wait(k, mm, address):
    while True:
        pass
    yield
'''

WAIT_POLLS = ("from migsim.include.linux.page_flags import PageLocked\nfrom migsim.sched import Point\n"
              + edited(WAIT, ("    yield from k.wait_on_page_locked(page)\n",
                              "    while PageLocked(page):                   # polls instead of sleeping\n"
                              "        yield Point(\"cond_resched\", (page,))\n")))

SOLUTION_WAIT = SOLUTION[WAIT]

ROWS = [
    Row("05.2", "untouched", "the student's copy as given", wait(STUDENT[WAIT]), False, "not answered yet"),
    Row("05.2", "solution", "the solution", wait(SOLUTION_WAIT), True),
    Row("05.2", "wrong", "returns at once: the fault spins", wait(WAIT_BUSY), False, "without sleeping"),
    Row("05.2", "wrong", "sleeps holding no reference",
        wait(edited(WAIT, ("    get_page(page)                            # keeps the page while we sleep on it\n", ""),
                    ("    put_page(page)\n", ""))), False, "hold a reference"),
    Row("05.2", "wrong", "takes a reference and never gives it back",
        wait(edited(WAIT, ("    put_page(page)\n", ""))), False, "references exist"),
    Row("05.2", "wrong", "gives the reference back before it sleeps",
        wait(edited(WAIT, ("    yield from k.wait_on_page_locked(page)\n    put_page(page)\n",
                           "    put_page(page)\n    yield from k.wait_on_page_locked(page)\n"))),
        False, "hold a reference"),
    Row("05.2", "wrong", "sleeps with the pte lock held",
        wait(edited(WAIT, ("    spin_unlock(mm.page_table_lock)           # never sleep with the pte lock held\n", ""),
                    ("    put_page(page)\n", "    put_page(page)\n    spin_unlock(mm.page_table_lock)\n"))),
        False, "waits forever"),
    Row("05.2", "wrong", "trusts the entry it read before taking the lock", wait(WAIT_STALE), False,
        "the entry is gone before the fault looks again"),
    Row("05.2", "correct", "spelled out, with try/finally", wait(WAIT_CORRECT_1), True),
    Row("05.2", "correct", "one unlock, a page or None", wait(WAIT_CORRECT_2), True),
    Row("05.2", "correct", "takes the page lock and drops it, instead of waiting for it",
        wait(edited(WAIT, ("    yield from k.wait_on_page_locked(page)\n",
                           "    yield from k.lock_page(page)\n    k.unlock_page(page)\n"))), True),
    Row("05.2", "wrong", "polls the page lock at a scheduling point instead of sleeping", wait(WAIT_POLLS), False,
        "without sleeping"),
    Row("05.2", "hostile", "a loop that never ends", wait(WAIT_LOOPS), False, "does a loop never end"),
]


# --- 05.3 ---------------------------------------------------------------------------------------

MPROTECT_BODY = SOLUTION[MPROTECT]


def mprotect_else(body):
    """The solution with the part under `else:` replaced by `body` (indented 12 spaces)."""
    start = MPROTECT_BODY.index("            ### BEGIN SOLUTION")
    end = MPROTECT_BODY.index("            ### END SOLUTION\n") + len("            ### END SOLUTION\n")
    return MPROTECT_BODY[:start] + body + MPROTECT_BODY[end:]


BUG_C = mprotect_else('''\
            if not pg.pte_file(pte):
                entry = pte_to_swp_entry(pte)
                if k.is_migration_entry(entry):
                    page = k.migration_entry_to_page(entry)
                    entry = k.make_migration_entry(page, k.SWP_MIGRATION_READ)
                    set_pte_at(mm, a, swp_entry_to_pte(entry))
''')

BEFORE_THE_PATCH = mprotect_else('''\
            pass
''')

EVERY_SWAP_PTE = mprotect_else('''\
            if not pg.pte_file(pte):
                set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry_read(pte_to_swp_entry(pte))))
''')

INVERTED = mprotect_else('''\
            if not pg.pte_file(pte):
                entry = pte_to_swp_entry(pte)
                if k.is_migration_entry(entry) and not k.is_write_migration_entry(entry):
                    page = k.migration_entry_to_page(entry)
                    set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry(page, 1)))
''')

CLEARS_BIT_1 = mprotect_else('''\
            if not pg.pte_file(pte):
                set_pte_at(mm, a, pte & ~pg._PAGE_RW)    # type 31 -> 30, in place
''')

MODIFY_ALL = '''
def change_pte_range(k, mm, addr, end, newprot):
    yield from spin_lock(mm.page_table_lock, k.who())
    for a, pte in list(ptes_in_range(mm, addr, end)):
        set_pte_at(mm, a, pg.pte_modify(pte, newprot))
    spin_unlock(mm.page_table_lock)
'''

MPROTECT_CORRECT_1 = '''
def change_pte_range(k, mm, addr, end, newprot):
    yield from spin_lock(mm.page_table_lock, k.who())
    for a, pte in list(ptes_in_range(mm, addr, end)):
        if pg.pte_present(pte):
            set_pte_at(mm, a, pg.pte_modify(pte, newprot))
            continue
        if pg.pte_file(pte) or not k.is_write_migration_entry(pte_to_swp_entry(pte)):
            continue
        entry = pte_to_swp_entry(pte)
        set_pte_at(mm, a, swp_entry_to_pte(swp_entry(k.SWP_MIGRATION_READ, swp_offset(entry))))
    spin_unlock(mm.page_table_lock)
'''

MPROTECT_CORRECT_2 = '''
def change_pte_range(k, mm, addr, end, newprot):
    """Present ptes get the new protection; write migration entries become read entries."""
    yield from spin_lock(mm.page_table_lock, k.who())
    changes = {}
    for a, pte in ptes_in_range(mm, addr, end):
        if pg.pte_present(pte):
            changes[a] = pg.pte_modify(pte, newprot)
        elif not pg.pte_file(pte):
            entry = pte_to_swp_entry(pte)
            if k.is_migration_entry(entry) and swp_type(entry) == k.SWP_MIGRATION_WRITE:
                changes[a] = swp_entry_to_pte(k.make_migration_entry_read(entry))
    for a, pte in changes.items():
        set_pte_at(mm, a, pte)
    spin_unlock(mm.page_table_lock)
'''

ONLY_IF_READ_ONLY = mprotect_else('''\
            entry = pte_to_swp_entry(pte)
            if not pg.pte_file(pte) and not newprot & pg._PAGE_RW and k.is_write_migration_entry(entry):
                # Only where the new protection is read-only (private mappings always are: copy-on-write).
                set_pte_at(mm, a, swp_entry_to_pte(k.make_migration_entry_read(entry)))
''')

MPROTECT_RAISES = mprotect_else('''\
            raise RuntimeError("what is this pte?")
''')

ROWS += [
    Row("05.3", "untouched", "the student's copy as given", mprotect(STUDENT[MPROTECT]), False, "not answered yet"),
    Row("05.3", "solution", "the solution", mprotect(MPROTECT_BODY), True),
    Row("05.3", "historical", "bug C's downgrade (copy_one_pte as first posted): make_migration_entry(page, 30)",
        mprotect(BUG_C), False, "read-only after the migration"),
    Row("05.3", "wrong", "the function as before the patch: only present ptes", mprotect(BEFORE_THE_PATCH), False,
        "read-only after the migration"),
    Row("05.3", "wrong", "every swap pte made a read migration entry", mprotect(EVERY_SWAP_PTE), False,
        "swap entries are left alone"),
    Row("05.3", "wrong", "the test inverted: read entries made write entries", mprotect(INVERTED), False,
        "read-only after the migration"),
    Row("05.3", "wrong", "bit 1 cleared in every swap pte (right for type 31, wrong for swap area 1)",
        mprotect(CLEARS_BIT_1), False, "swap entries are left alone"),
    Row("05.3", "wrong", "pte_modify on every pte, present or not", mprotect(MODIFY_ALL), False),
    Row("05.3", "correct", "early continues, the read entry built with swp_entry", mprotect(MPROTECT_CORRECT_1), True),
    Row("05.3", "correct", "changes collected, then written; the type compared", mprotect(MPROTECT_CORRECT_2), True),
    Row("05.3", "correct", "a read entry only where the new protection has no write bit", mprotect(ONLY_IF_READ_ONLY),
        True),
    Row("05.3", "hostile", "raises on a pte it does not expect", mprotect(MPROTECT_RAISES), False,
        "your code raised RuntimeError"),
]

NO_HISTORICAL = {"05.2": "migration_entry_wait is new in migration-entries: no earlier version had a bug"}
