"""Contracts of the capstone, 11.1-11.4: each row an answer and the verdict it must get.

Answers are cells a student could write, run after the chapter's setup cell
(solutions/11-capstone.ipynb). A cell holds one or two functions, each with a
solution region; `cell(grade_id, body, ...)` replaces the regions in order
(None keeps the solution's).
"""

import chapter_cells
from contracts import Row, predict
from contracts.ch06_core import AS_AT_RIP_OUT_SWAP

CHAPTER = "11-capstone.ipynb"
SOLUTION, STUDENT = chapter_cells.cells(CHAPTER, "solutions"), chapter_cells.cells(CHAPTER, "exercises")
CELLS = {"fix_move": ("migrate_page_move_mapping", "migrate_page"),
         "fix_restore": ("remove_migration_pte", "remove_migration_ptes"),
         "fix_pass": ("migrate_pages",)}
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION\n"


def functions(source, grade_id):
    """{name: function} of the cell `grade_id` written as `source`, run after the setup cell."""
    ns = {"__name__": "__main__"}
    exec(compile(SOLUTION["setup"], "<cell setup>", "exec"), ns)
    exec(compile(source, f"<cell {grade_id}>", "exec"), ns)
    return {name: ns[name] for name in CELLS[grade_id]}


def cell(grade_id, *bodies):
    """The solution of `grade_id` with its n-th solution region replaced by bodies[n] (None: kept)."""
    source, out, at = SOLUTION[grade_id] + "\n", [], 0
    for body in bodies:
        start = source.rindex("\n", 0, source.index(BEGIN, at)) + 1
        end = source.index(END, start) + len(END)
        out.append(source[at:start] + (source[start:end] if body is None else body))
        at = end
    return functions("".join(out) + source[at:], grade_id)


def solution(*grade_ids):
    return {n: f for g in grade_ids for n, f in functions(SOLUTION[g], g).items()}


def untouched(*grade_ids):
    return {n: f for g in grade_ids for n, f in functions(STUDENT[g], g).items()}


def whole(**parts):
    """All five functions: the solution's, with the parts given (grade_id: {name: function}) in place."""
    answer = solution(*CELLS)
    for part in parts.values():
        answer.update(part)
    return answer


# --- 11.2's answers (the restore), used again in 11.4 -------------------------------------------

ALWAYS_WRITABLE = '''\
    if k.is_swap_pte(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_migration_entry(entry) and k.migration_entry_to_page(entry) is old:
            mm.anon_rss += 1
            get_page(new)
            set_pte_at(mm, addr, pg.pte_mkwrite(pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))))
            k.page_add_anon_rmap(new, vma, addr)
'''
NO_RMAP = '''\
    if k.is_swap_pte(pte):
        entry = pte_to_swp_entry(pte)
        if k.is_migration_entry(entry) and k.migration_entry_to_page(entry) is old:
            mm.anon_rss += 1
            get_page(new)
            newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
            set_pte_at(mm, addr, pg.pte_mkwrite(newpte) if k.is_write_migration_entry(entry) else newpte)
'''
ANY_ENTRY = '''\
    if k.is_swap_pte(pte) and k.is_migration_entry(pte_to_swp_entry(pte)):
        entry = pte_to_swp_entry(pte)
        mm.anon_rss += 1
        get_page(new)
        newpte = pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot))
        if k.is_write_migration_entry(entry):
            newpte = pg.pte_mkwrite(newpte)
        set_pte_at(mm, addr, newpte)
        k.page_add_anon_rmap(new, vma, addr)
'''
WRITE_THEN_PROTECT = '''\
    if not k.is_swap_pte(pte):
        spin_unlock(mm.page_table_lock)
        return                                # a fault got here first
    entry = pte_to_swp_entry(pte)
    if not k.is_migration_entry(entry) or k.migration_entry_to_page(entry) is not old:
        spin_unlock(mm.page_table_lock)
        return                                # another page's entry, or an ordinary swap entry
    newpte = pg.pte_mkwrite(pg.pte_mkold(pg.pfn_pte(new.pfn, vma.vm_page_prot)))
    if not k.is_write_migration_entry(entry):
        newpte = pg.pte_wrprotect(newpte)     # a read entry: shared, or read-only before
    get_page(new)
    k.page_add_anon_rmap(new, vma, addr)
    set_pte_at(mm, addr, newpte)
    mm.anon_rss += 1
'''
REVERSED = '''\
    for vma in reversed(list(anon_vma.head)):  # from the tail
        yield Point("remove_migration_ptes_vma", (new, vma))
        yield from k.remove_migration_pte(vma, vma_address(new, vma), old, new)
'''
BY_INDEX = '''\
    i = 0
    while i < len(anon_vma.head):             # the live list: it cannot change under anon_vma.lock
        vma = anon_vma.head[i]
        yield Point("remove_migration_ptes_vma", (new, vma))
        addr = vma_address(new, vma)
        if addr >= 0:
            yield from k.remove_migration_pte(vma, addr, old, new)
        i += 1
'''
FIRST_ONLY = '''\
    for vma in list(anon_vma.head)[:1]:       # the vma of the process being migrated, as if alone
        yield Point("remove_migration_ptes_vma", (new, vma))
        yield from k.remove_migration_pte(vma, vma_address(new, vma), old, new)
'''

# --- 11.3's answers (the pass) ----------------------------------------------------------------

PASS_HEAD = '''\
        newpage = None
        if (yield from k.try_to_unmap(page, 1)) == SWAP_FAIL:
            rc = -EPERM
        elif not page_mapped(page):
            newpage = next(reversed(to))
            yield from k.lock_page(newpage)
            newpage.index, newpage.mapping = page.index, page.mapping
            mapping = page_mapping(page)
            if mapping is None:
                rc = yield from k.migrate_page(mapping, newpage, page)
            elif mapping.a_ops.migratepage:
                rc = yield from getattr(k, mapping.a_ops.migratepage)(mapping, newpage, page)
            else:
                rc = yield from k.fallback_migrate_page(mapping, newpage, page)
            if not rc:
                yield from k.remove_migration_ptes(page, newpage)
'''
RESTORE_TO_NEW = PASS_HEAD + '''\
            elif rc:
                yield from k.remove_migration_ptes(page, newpage)   # to the new page, even so
            k.unlock_page(newpage)
        if rc and newpage is None:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc, newpage
'''
EPERM_FORGOTTEN = PASS_HEAD + '''\
            k.unlock_page(newpage)
        if rc and rc != -EPERM:
            yield from k.remove_migration_ptes(page, page)
        k.unlock_page(page)
        return rc, newpage
'''
EARLY_RETURNS = '''\
        ret = yield from k.try_to_unmap(page, 1)
        if ret == SWAP_FAIL or page_mapped(page):
            yield from k.remove_migration_ptes(page, page)   # some ptes may be entries already
            k.unlock_page(page)
            return (-EPERM if ret == SWAP_FAIL else rc), None
        newpage = next(reversed(to))
        yield from k.lock_page(newpage)
        newpage.index, newpage.mapping = page.index, page.mapping
        mapping = page_mapping(page)
        method = "migrate_page" if mapping is None else mapping.a_ops.migratepage
        if method:
            rc = yield from getattr(k, method)(mapping, newpage, page)
        else:
            rc = yield from k.fallback_migrate_page(mapping, newpage, page)
        yield from k.remove_migration_ptes(page, page if rc else newpage)
        k.unlock_page(newpage)
        k.unlock_page(page)
        return rc, newpage
'''
NEWPAGE_UNLOCKED_FIRST = PASS_HEAD.replace(
    "            if not rc:\n                yield from k.remove_migration_ptes(page, newpage)\n", "") + '''\
            k.unlock_page(newpage)                # nobody maps the new page yet: its lock can go first
        yield from k.remove_migration_ptes(page, page if rc or newpage is None else newpage)
        k.unlock_page(page)
        return rc, newpage
'''

ALL = ("fix_move", "fix_restore", "fix_pass")

ROWS = [
    # --- 11.1 --------------------------------------------------------------------------------
    Row("11.1", "untouched", "the student's copy as given", untouched("fix_move"), False, "not answered yet"),
    Row("11.1", "solution", "the solution", solution("fix_move"), True),
    Row("11.1", "historical", "as at rip-out-swap: a page without a mapping is never moved",
        cell("fix_move", "    if mapping is None:\n        return -EAGAIN\n", None), False, "return 0; got 3"),
    Row("11.1", "wrong", "the count of a page with a mapping (2) for one without",
        cell("fix_move", "    if mapping is None:\n        return 0 if page._count == 2 else -EAGAIN\n", None),
        False, "return 0; got 3"),
    Row("11.1", "wrong", "no count looked at: it always moves",
        cell("fix_move", "    if mapping is None:\n        return 0\n", None), False, "pinned"),
    Row("11.1", "wrong", "migrate_page forgets the copy",
        cell("fix_move", None, "    return 0\n"), False),
    Row("11.1", "correct", "page_count() and the copy in an if",
        cell("fix_move", "    if not mapping:\n        from migsim.include.linux.mm import page_count\n"
             "        return -EAGAIN if page_count(page) > 1 else 0\n",
             "    if rc == 0:\n        k.migrate_page_copy(newpage, page)\n    return rc\n"), True),
    Row("11.1", "correct", "references beyond the isolation one counted",
        cell("fix_move", "    if mapping is None:\n        others = page._count - 1   # beyond isolate_lru_page's\n"
             "        if others:\n            return -EAGAIN\n        return 0\n", None), True),

    # --- 11.2 --------------------------------------------------------------------------------
    Row("11.2", "untouched", "the student's copy as given", untouched("fix_restore"), False, "not answered yet"),
    Row("11.2", "solution", "the solution", solution("fix_restore"), True),
    Row("11.2", "wrong", "every restored pte writable (bug C's outcome)", cell("fix_restore", ALWAYS_WRITABLE, None),
        False, "read-only"),
    Row("11.2", "wrong", "the reverse map not told of the new pte", cell("fix_restore", NO_RMAP, None), False),
    Row("11.2", "wrong", "any migration entry restored, whichever page it names",
        cell("fix_restore", ANY_ENTRY, None), False, "at once"),
    Row("11.2", "wrong", "only the first vma of the list walked", cell("fix_restore", None, FIRST_ONLY), False),
    Row("11.2", "correct", "early returns, the pte made writable then protected for a read entry",
        cell("fix_restore", WRITE_THEN_PROTECT, None), True),
    Row("11.2", "correct", "the live list walked by index, vmas outside the page skipped",
        cell("fix_restore", None, BY_INDEX), True),

    # --- 11.3 --------------------------------------------------------------------------------
    Row("11.3", "untouched", "the student's copy as given", untouched("fix_pass"), False, "not answered yet"),
    Row("11.3", "solution", "the solution", solution("fix_pass"), True),
    Row("11.3", "historical", "as at rip-out-swap: the entries never removed", cell("fix_pass", AS_AT_RIP_OUT_SWAP),
        False),
    Row("11.3", "wrong", "restoring to the new page on failure", cell("fix_pass", RESTORE_TO_NEW), False, "pinned"),
    Row("11.3", "wrong", "nothing restored after SWAP_FAIL", cell("fix_pass", EPERM_FORGOTTEN), False, "mlocked"),
    Row("11.3", "correct", "early returns, one call that picks the page", cell("fix_pass", EARLY_RETURNS), True),
    Row("11.3", "correct", "the new page unlocked before the entries are removed",
        cell("fix_pass", NEWPAGE_UNLOCKED_FIRST), True),

    # --- 11.4 --------------------------------------------------------------------------------
    Row("11.4", "untouched", "the student's copies as given", untouched(*ALL), False, "not answered yet"),
    Row("11.4", "solution", "the solution", solution(*ALL), True),
    Row("11.4", "historical", "the walk from the tail, as fork linked at the head (bug B)",
        whole(r=cell("fix_restore", None, REVERSED)), False, "bug B is back: schedule 'F6M90F3M'"),
    Row("11.4", "wrong", "every restored pte writable (bug C)", whole(r=cell("fix_restore", ALWAYS_WRITABLE, None)),
        False, "bug C is back"),
    Row("11.4", "wrong", "restoring to the new page on failure", whole(p=cell("fix_pass", RESTORE_TO_NEW)), False),
    Row("11.4", "correct", "the other parts' correct answers together",
        whole(m=cell("fix_move", "    if mapping is None:\n        others = page._count - 1\n"
                     "        return -EAGAIN if others else 0\n", None),
              r=cell("fix_restore", WRITE_THEN_PROTECT, BY_INDEX), p=cell("fix_pass", EARLY_RETURNS)), True),
    Row("11.4", "correct", "the new page unlocked first, the live list walked",
        whole(r=cell("fix_restore", None, BY_INDEX), p=cell("fix_pass", NEWPAGE_UNLOCKED_FIRST)), True),
]

NO_HISTORICAL = {"11.2": "remove_migration_pte(s) came with the series and had no buggy release of their own: "
                         "the capstone's history is in 11.1, 11.3 and 11.4"}

ROWS += predict.rows(CHAPTER, "11.5", 0, correct=[0x0, -0], wrong=[1, -11, -16],
                     wrong_type="0", expected_words="an int")
