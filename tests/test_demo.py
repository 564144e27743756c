"""The terminal demo (python -m migsim)."""

import io
import re
import subprocess
import sys

import pytest

from migsim.__main__ import main


@pytest.mark.parametrize("at, detour", [("v2.6.16", "swap cache 1 pages"), ("swapon-fix", "migration-write")])
def test_demo_migrates_and_prints_every_point(at, detour):
    out = io.StringIO()
    assert main(["--at", at, "--pages", "2"], out=out) == 0
    text = out.getvalue()
    assert "== before: everything on node 0 ==" in text and "== after: the same bytes, on node 1 ==" in text
    during = [line for line in text.splitlines() if re.match(r"\s+\d+ \S", line)]
    assert len(during) > 10 and all(" in " in line for line in during)
    assert detour in text                        # 2.6.16 goes through the swap cache; 2.6.18 through migration entries
    assert text.rstrip().endswith("check(): all invariants hold")


def test_demo_is_deterministic():
    a, b = io.StringIO(), io.StringIO()
    main(["--seed", "7"], out=a)
    main(["--seed", "7"], out=b)
    assert a.getvalue() == b.getvalue()


def test_demo_rejects_an_unknown_step_with_the_valid_ones():
    r = subprocess.run([sys.executable, "-m", "migsim", "--at", "2.6.99"], capture_output=True, text=True)
    assert r.returncode == 2 and "2.6.99" in r.stderr and "v2.6.16" in r.stderr


@pytest.mark.parametrize("at, header", [
    ("swapon-fix", "Linux 2.6.18-rc1 (June 2006) — seed 2006\n(mainline in the middle of 2.6.18-rc1's merge"),
    ("v2.6.16", "Linux 2.6.16 — seed 2006\nswapon: "),
    ("redo-fault", "(context patch) — 4da5eda0dca9, Linux 2.6.18 — seed 2006\nswapon: ")])
def test_demo_header_says_what_tree_the_step_is(at, header):
    out = io.StringIO()
    main(["--at", at, "--pages", "1", "--quiet"], out=out)
    assert header in out.getvalue().split("\n== before")[0]
