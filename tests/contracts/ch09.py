"""The contract of chapter 09's graders: 09.1 (sys_swapon refuses past swap_info[]) and 09.2 (the smallest overflow)."""

from . import Row, chapter_cells, kernel_copy, run_cells, student_for

CHAPTER = "09-the-swapon-overflow.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
CHECK = "    if type_ >= k.MAX_SWAPFILES:          # no slot left in swap_info[]\n"


def swapon_with(condition):
    source = SOLUTION["fix_sys_swapon"]
    if source.count(CHECK) != 1:
        raise AssertionError(CHECK)
    return {"sys_swapon": run_cells(SETUP, source.replace(CHECK, f"    if {condition}:\n"), names="sys_swapon")}


# Students by their variant of 09.2: one swap area already active when the setup starts; ten.
ONE, TEN = student_for("09.2", active=1), student_for("09.2", active=10)


def setup(body, student):
    """A setup of `body`, graded as `student`'s."""
    return {"setup": run_cells(SETUP, "def setup(k):\n" + "".join(f"    {line}\n" for line in body.splitlines()),
                               names="setup"), "student": student}


ROWS = [
    Row("09.1", "untouched", "the cell as given",
        {"sys_swapon": run_cells(SETUP, STUDENT["fix_sys_swapon"], names="sys_swapon")}, False, "not answered yet"),
    Row("09.1", "solution", "no slot left in swap_info[]",
        {"sys_swapon": run_cells(SETUP, SOLUTION["fix_sys_swapon"], names="sys_swapon"), "hidden": True}, True),
    Row("09.1", "historical", "is the type encodable in a swap pte? (2.6.16)",
        {"sys_swapon": kernel_copy("sys_swapon", "v2.6.16")}, False, "swap_info[30] is past the end"),
    Row("09.1", "wrong", "off by one", swapon_with("type_ > k.MAX_SWAPFILES"), False, "swap_info[30] is past the end"),
    Row("09.1", "wrong", "one slot lost", swapon_with("type_ >= k.MAX_SWAPFILES - 1"), False, "30 areas of types 0..29"),
    Row("09.1", "wrong", "the old check, spelt out", swapon_with("type_ > k.SWP_MIGRATION_WRITE"), False,
        "swap_info[30] is past the end"),
    Row("09.1", "correct", "past the end of the array", {**swapon_with("not type_ < len(k.swap_info)"), "hidden": True},
        True),
    Row("09.1", "correct", "below the migration entries' types",
        {**swapon_with("type_ >= k.SWP_MIGRATION_READ"), "hidden": True}, True),
    Row("09.1", "hostile", "returns nonsense", {"sys_swapon": run_cells(SETUP, SOLUTION["fix_sys_swapon"].replace(
        "        return -EPERM\n    ### END", "        return None\n    ### END"), names="sys_swapon")}, False,
        "returned None"),
    # 09.2: a student whose kernel starts with 1 swap area active needs 30 swapons; 10 active, 21.
    Row("09.2", "untouched", "the cell as given",
        {"setup": run_cells(SETUP, STUDENT["find_setup"], names="setup"),
         "student": run_cells(SETUP, STUDENT["student_id"], names="student")}, False, "not answered yet"),
    Row("09.2", "solution", "one more swapon than there are free slots",
        {"setup": run_cells(SETUP, SOLUTION["find_setup"], names="setup"),
         "student": run_cells(SETUP, SOLUTION["student_id"], names="student"), "hidden": True}, True),
    Row("09.2", "wrong", "the chapter's 31 swapons on an empty kernel", setup(
        "for _ in range(k.MAX_SWAPFILES + 1):\n    k.sys_swapon(1)", ONE), False, "got 31 swapon calls"),
    Row("09.2", "wrong", "a right answer for another student's variant (21 swapons)",
        setup("for _ in range(21):\n    k.sys_swapon(1)", ONE), False, "stayed sane"),
    Row("09.2", "wrong", "its own variant written in: the hidden checks try others",
        {**setup("for _ in range(21):\n    k.sys_swapon(1)", TEN), "hidden": True}, False, "another variant"),
    Row("09.2", "wrong", "every free slot, no more", setup("for _ in range(29):\n    k.sys_swapon(1)", ONE), False,
        "stayed sane"),
    Row("09.2", "wrong", "one swapon", setup("k.sys_swapon(1)", ONE), False, "stayed sane"),
    Row("09.2", "wrong", "40 swapons: an overflow, not the smallest", setup(
        "for _ in range(40):\n    k.sys_swapon(1)", ONE), False, "got 40 swapon calls"),
    Row("09.2", "wrong", "a process too", setup("k.spawn('ltp')\nfor _ in range(30):\n    k.sys_swapon(2)", ONE),
        False, "and processes"),
    Row("09.2", "correct", "a while loop with priorities, up to the free slots and one more",
        {**setup("types, free = [], k.MAX_SWAPFILES - k.nr_swapfiles\nwhile len(types) <= free:\n"
                 "    types.append(k.sys_swapon(8, prio=len(types)))", TEN), "hidden": True}, True),
    Row("09.2", "correct", "21 written out", setup("for n in [1] * 21:\n    k.sys_swapon(n)", TEN), True),
    Row("09.2", "hostile", "raises the bug's KernelBug itself",
        setup("from migsim.errors import KernelBug\nraise KernelBug('swap_info[30] is past the end')", ONE), False,
        "raised KernelBug itself"),
]
