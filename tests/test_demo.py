"""The terminal demo (python -m migsim)."""

import io
import re
import subprocess
import sys

import pytest

import migsim
from migsim.__main__ import main

STEP_LINE = re.compile(r"^ {0,3}(\d+)  \S")


def demo(*argv):
    """(exit status, output) of the demo run with `argv`."""
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def section(text, title):
    """The lines of the section headed '== title... ==', up to the next heading."""
    part = text.split(f"\n== {title}", 1)[1]
    return part.split("\n== ", 1)[0]


@pytest.mark.parametrize("at, detour", [("v2.6.16", "pages in swap cache: 0 -> 1"),
                                        ("swapon-fix", "-> migration-write pfn 0x1000")])
def test_demo_migrates_and_prints_every_step(at, detour):
    status, text = demo("--at", at, "--pages", "2")
    assert status == 0
    assert "== before: everything on node 0 ==" in text and "== after: the same bytes, on node 1 ==" in text
    during = [line for line in section(text, "during").splitlines() if STEP_LINE.match(line)]
    assert len(during) > 10 and all(" in " in line for line in during[:-1])
    assert detour in text                        # 2.6.16 goes through the swap cache; 2.6.18 through migration entries
    assert text.rstrip().endswith("check(): all invariants hold")


@pytest.mark.parametrize("at", ["v2.6.16", "swapless-core"])
def test_step_lines_are_numbered_one_by_one_up_to_the_step_count(at):
    _, text = demo("--at", at)
    numbers = [int(STEP_LINE.match(line).group(1)) for line in section(text, "during").splitlines()
               if STEP_LINE.match(line)]
    total = int(re.search(r"returned 0 after (\d+) steps", text).group(1))
    assert numbers == list(range(1, total + 1))
    assert re.search(rf"^ *{total}  sys_migrate_pages returns 0$", text, re.M)   # the last step is the return


@pytest.mark.parametrize("at", ["v2.6.16", "swapless-core"])
def test_each_change_is_printed_under_the_point_the_task_ran_on_from(at):
    # A step runs from one scheduling point to the next: a pte changes after its pte lock is taken, so
    # its line comes under that spin_lock, never under a point whose code does not touch ptes.
    _, text = demo("--at", at, "--pages", "2")
    lines = section(text, "during").splitlines()
    above = {}
    for i, line in enumerate(lines):
        if line.strip().startswith("pte "):
            point = next(lines[j] for j in range(i - 1, -1, -1) if STEP_LINE.match(lines[j]))
            above.setdefault(line.split(":")[0].strip(), []).append(point)
    assert above, "no pte change was printed"
    for pte, points in above.items():
        assert all("page_table_lock" in point for point in points), (pte, points)


@pytest.mark.parametrize("at", ["v2.6.16", "migration-entries", "rip-out-swap", "swapless-core", "swapon-fix"])
def test_demo_fits_80_columns(at):
    _, text = demo("--at", at, "--pages", "12")
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert not wide


def test_demo_shows_the_pte_of_each_page_as_it_moves():
    _, text = demo("--at", "swapless-core", "--pages", "3")
    during = section(text, "during")
    for i in range(3):
        old = f"0x{0x1000 + i:x}"
        assert f"pte 4000{i}000: present rw pfn {old} -> migration-write pfn {old}" in during
        assert re.search(rf"pte 4000{i}000: migration-write pfn {old} -> present rw pfn 0x2", during)
    assert "pte 40003000: present rw pfn 0x1003 -> none" in during            # the file page


def test_swap_counts_only_where_swap_plays_a_part():
    _, with_swap = demo("--at", "v2.6.16")
    _, without = demo("--at", "swapless-core")
    assert "swap slots in use 0, pages in swap cache 0" in with_swap
    assert "swap slots in use: 0 -> 1" in section(with_swap, "during")
    assert "swap slots" not in without and "swap cache" not in without


def test_demo_says_what_the_return_value_means():
    _, text = demo("--at", "swapon-fix")
    words = " ".join(text.split())                   # the line is wrapped at 80 columns
    assert "returned 0 after" in words and "could not move, so no page was left behind" in words


def test_the_after_heading_shows_the_bytes_on_node_1():
    _, text = demo("--at", "swapon-fix", "--pages", "2")
    after = section(text, "after")
    for i in range(2):
        assert re.search(rf"^  4000{i}000  0x0200\w{{4}}  present rw +0x200\w node 1  'page {i} of demo'$",
                         after, re.M)
    assert re.search(r"^  40002000  0x00000000  none +0x200\w node 1  'notes.txt:0\\n' 'edited'$", after, re.M)


def test_demo_says_why_a_file_pte_is_none():
    _, text = demo("--at", "v2.6.16")
    assert "a file page's pte is simply cleared" in section(text, "after")
    assert "a file page's pte" not in section(text, "before")


def test_demo_says_why_2616_leaves_migrated_ptes_read_only():
    _, old = demo("--at", "v2.6.16")
    _, new = demo("--at", "swapon-fix")
    assert "present ro" in section(old, "after") and "rebuilt read-only" in old
    assert "rebuilt read-only" not in new


def test_demo_at_the_broken_step_tells_the_story():
    r = subprocess.run([sys.executable, "-m", "migsim", "--at", "rip-out-swap"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "" and "Traceback" not in r.stdout
    assert "migration is broken here on purpose" in r.stdout.split("\n== before")[0]     # said up front
    oops = section(r.stdout, "oops at step")
    assert "Bad page state: pid 100: migration entry" in oops and "for unlocked" in oops
    why = section(r.stdout, "why")
    assert "undefined reference to `remove_from_swap'" in why
    assert migsim.Kernel(at="rip-out-swap").BUILD_WARNINGS[0] in why
    assert "swap slots" not in r.stdout and "swapon" not in r.stdout


def test_an_oops_at_a_step_not_known_to_be_broken_fails(monkeypatch):
    def broken(k, cow=False):
        raise migsim.BadPageState("made up by the test")
    monkeypatch.setattr(migsim.Kernel, "check", broken)
    status, text = demo("--at", "swapon-fix")
    assert status == 1
    assert "Bad page state: made up by the test" in text and "not known to be broken" in text


def test_demo_is_deterministic():
    assert demo("--seed", "7") == demo("--seed", "7")


def test_demo_rejects_an_unknown_step_with_the_valid_ones():
    r = subprocess.run([sys.executable, "-m", "migsim", "--at", "2.6.99"], capture_output=True, text=True)
    assert r.returncode == 2 and "2.6.99" in r.stderr and "v2.6.16" in r.stderr


@pytest.mark.parametrize("at, parts", [
    ("swapon-fix", ["Linux 2.6.18-rc1 (June 2006); seed 2006",
                    "(mainline in the middle of 2.6.18-rc1's merge, June 2006: not the v2.6.18 release)"]),
    ("v2.6.16", ["Linux 2.6.16; seed 2006", "swapon(32 slots) = 0"]),
    ("redo-fault", ["(context patch) — 4da5eda0dca9, Linux 2.6.18; seed 2006", "swapon(32 slots) = 0"])])
def test_demo_header_says_what_tree_the_step_is(at, parts):
    out = io.StringIO()
    main(["--at", at, "--pages", "1", "--quiet"], out=out)
    header = " ".join(out.getvalue().split("\n== before")[0].split())    # the demo wraps at 80 columns
    for part in parts:
        assert part in header
    assert ("not the v2.6.18 release" in header) == (at == "swapon-fix")
