"""The contract of chapter 09's graders: 09.1 (sys_swapon refuses past swap_info[]) and 09.2 (the smallest overflow)."""

from . import Row, chapter_cells, kernel_copy, run_cells, predict

CHAPTER = "09-the-swapon-overflow.ipynb"
SOLUTION, STUDENT = chapter_cells(CHAPTER, "solutions"), chapter_cells(CHAPTER, "exercises")
SETUP = SOLUTION["setup"]
CHECK = "    if type_ >= k.MAX_SWAPFILES:          # no slot left in swap_info[]\n"


def swapon_with(condition):
    source = SOLUTION["fix_sys_swapon"]
    if source.count(CHECK) != 1:
        raise AssertionError(CHECK)
    return {"sys_swapon": run_cells(SETUP, source.replace(CHECK, f"    if {condition}:\n"), names="sys_swapon")}


def setup(body):
    return {"setup": run_cells(SETUP, "def setup(k):\n" + "".join(f"    {line}\n" for line in body.splitlines()),
                               names="setup")}


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
    # 09.2
    Row("09.2", "untouched", "the cell as given", {"setup": run_cells(SETUP, STUDENT["find_setup"], names="setup")},
        False, "not answered yet"),
    Row("09.2", "solution", "MAX_SWAPFILES + 1 swapons",
        {"setup": run_cells(SETUP, SOLUTION["find_setup"], names="setup"), "hidden": True}, True),
    Row("09.2", "wrong", "every slot, no more", setup("for _ in range(30):\n    k.sys_swapon(1)"), False,
        "stayed sane"),
    Row("09.2", "wrong", "one swapon", setup("k.sys_swapon(1)"), False, "stayed sane"),
    Row("09.2", "wrong", "40 swapons: an overflow, not the smallest", setup("for _ in range(40):\n    k.sys_swapon(1)"),
        False, "got 40 swapon calls"),
    Row("09.2", "wrong", "a process too", setup("k.spawn('ltp')\nfor _ in range(31):\n    k.sys_swapon(2)"), False,
        "and processes"),
    Row("09.2", "correct", "a while loop with priorities",
        {**setup("types = []\nwhile len(types) < 31:\n    types.append(k.sys_swapon(8, prio=len(types)))"),
         "hidden": True}, True),
    Row("09.2", "correct", "31 written out", setup("for n in [1] * 31:\n    k.sys_swapon(n)"), True),
    Row("09.2", "hostile", "raises the bug's KernelBug itself",
        setup("from migsim.errors import KernelBug\nraise KernelBug('swap_info[30] is past the end')"), False,
        "raised KernelBug itself"),
]

ROWS += predict.rows(CHAPTER, "09.3", 30, correct=[0x1E, 31 - 1], wrong=[31, -22, -1, 29],
                     wrong_type="30", expected_words="an int")
