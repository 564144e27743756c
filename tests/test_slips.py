"""Smaller slips of issue 17, each held by a test: words that must agree with the kernel and with runs."""

import re
from pathlib import Path

import migsim
from migsim import explore, scenarios
from migsim.steps import RC1_MERGE
from migsim.views import describe_page

ROOT = Path(__file__).resolve().parent.parent


def text(path):
    return (ROOT / path).read_text()


def test_move_pages_does_not_touch_mm_memory_c():
    """742755a1 leaves mm/memory.c alone: follow_page is older (here since v2.6.16)."""
    assert "mm/memory.c" not in migsim.series.step("move-pages").files
    assert "mm/memory.c" not in migsim.series.diff("move-pages")
    assert migsim.series.where("follow_page", "v2.6.16")


def test_move_pages_summary_says_no_vma_at_or_above():
    assert "-EFAULT no vma at or above the address" in migsim.series.step("move-pages").summary


def test_the_node_list_fix_of_2_6_19_is_named_where_it_happens():
    listing = str(migsim.series.listing("mm/migrate.c", "v2.6.18"))
    body = listing.split("def sys_move_pages(")[1].split("\n# ")[0]
    assert "8ce08464" in body and "2.6.19" in body


def test_the_readme_does_not_claim_sleep_sets():
    readme = text("README.md")
    assert "clocks and sleep sets" not in readme and "no sleep sets" in readme


def test_chapter_08s_bound_two_count_is_the_explorers():
    result = explore.explore(scenarios.COW_FORK, "cow-fix", bound=2)
    assert f"`bound=2`: {result.explored} schedules" in text("notebooks/08-the-cow-bug.md")
    assert result.explored == 76 and not result.failing


def test_chapter_08_names_the_entry_its_cell_prints():
    """The prose's pte and swap entry are the ones the state cell prints (the built notebook)."""
    md = text("notebooks/08-the-cow-bug.md")
    assert "`0xf8...`" not in md and "`0x0010003e`" in md and "`0xf8001000`" in md
    built = text("notebooks/08-the-cow-bug.ipynb")
    assert "100 parent     0x0010003e migration write entry 0xf8001000" in built


def test_chapter_00s_stepper_at_v2_6_16_uses_the_quiet_form():
    md = text("notebooks/00-the-machine.md")
    assert 'Stepper(scenarios.FORK_RACE_QUIET, "v2.6.16"' in md
    assert 'Stepper(scenarios.FORK_RACE, "v2.6.16"' not in md
    assert "v2.6.16" in scenarios.FORK_RACE_QUIET.lives and "v2.6.16" not in scenarios.FORK_RACE.lives


def test_rip_out_swap_and_migration_entries_are_rc1_like_the_readme_says():
    for sid in ("migration-entries", "rip-out-swap"):
        assert migsim.series.step(sid).release == RC1_MERGE
        assert "2.6.18-rc1" in migsim.series.step(sid).badge()
    assert "Steps 10-23 are not the v2.6.18" in text("README.md")


def test_chapter_01_counts_no_twelve_patches():
    assert "twelve" not in text("notebooks/01-centralize.md")
    assert "twelve" not in migsim.steps.__doc__ + repr(migsim.steps.Step.__dataclass_fields__["context"])


def test_describe_page_names_page_mapcount_apart_from_the_raw_field():
    k = migsim.Kernel(seed=1)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"x")
    line = describe_page(k.page(p, a))
    assert "page_mapcount 1" in line and " mapcount " not in line


def test_chapter_06_says_whose_reading_the_failed_link_is():
    md = text("notebooks/06-dropping-swap.md")
    assert "would not have linked (read in d75a0fcd itself" in md


def test_chapter_10s_later_history_cites_a_commit_for_each_release():
    md = text("notebooks/10-what-2.6.18-shipped.md")
    later = md.split("## 8. What came next")[1].split("## 9.")[0]
    for release in ("2.6.28", "2.6.35", "3.8"):
        assert re.search(r"\b[0-9a-f]{8}\b", later[later.index(release) - 120:later.index(release)]), release
