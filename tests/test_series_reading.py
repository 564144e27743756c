"""series.listing and series.where (a kernel file as it reads at a step), and Text that displays as text."""

import pathlib

import pytest
from IPython.lib.pretty import pretty

import migsim
from migsim import kbuild, series

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_listing_shows_each_item_of_the_file_once_in_file_order_with_its_banner():
    text = series.listing("mm/migrate.c", "swapless-core")
    index = migsim.series.ids().index("swapless-core")
    items = kbuild.file_items("mm/migrate.c", index)
    assert any(i.startswith("/*") for i in items)
    positions = []
    for item in items:
        needle = item if item.startswith("/*") else f"\ndef {item}("
        assert text.count(needle) == 1, item
        positions.append(text.index(needle))
    assert positions == sorted(positions)


@pytest.mark.parametrize("at", ["migration-entries", "swapless-core", "swapon-fix"])
def test_listing_holds_the_version_in_force_at_that_step(at):
    index = migsim.series.ids().index(at)
    text = series.listing("mm/migrate.c", at)
    for name in ("migrate_pages", "remove_migration_ptes", "migrate_page_move_mapping"):
        assert kbuild.active(name, index).text() in text
    assert f"# migrate_pages: since {kbuild.active('migrate_pages', index).since} (migsim/" in text


def test_listings_of_two_steps_differ_where_a_patch_replaced_a_function():
    before, after = series.listing("mm/migrate.c", "rip-out-swap"), series.listing("mm/migrate.c", "swapless-core")
    old = kbuild.active("migrate_pages", migsim.series.ids().index("rip-out-swap")).text()
    assert old in before and old not in after


def test_a_function_that_moved_leaves_the_old_files_listing():
    assert "\ndef migrate_pages(" in series.listing("mm/vmscan.c", "v2.6.16")
    assert "\ndef migrate_pages(" not in series.listing("mm/vmscan.c", "reorg")
    assert "\ndef migrate_pages(" in series.listing("mm/migrate.c", "reorg")


def test_where_names_the_version_its_source_line_and_its_successor():
    w = series.where("sys_swapon", "swapless-core")
    assert (w.kfile, w.since, w.next_step, w.next_change) == ("mm/swapfile.c", "v2.6.16", "swapon-fix", "replaced")
    line = (ROOT / w.source).read_text().splitlines()[w.line - 1]
    assert line.startswith("def sys_swapon(")
    assert series.where("sys_swapon", "swapon-fix").next_step is None
    assert "unchanged to the end of the series" in str(series.where("sys_swapon", "swapon-fix"))
    assert str(w) == repr(w) and "migsim/mm/swapfile.py:" in str(w)


def test_where_says_when_a_symbol_is_removed_or_moves():
    gone = series.where("remove_from_swap", "v2.6.16")
    assert (gone.next_step, gone.next_change) == ("rip-out-swap", "removed")
    moved = series.where("migrate_pages", "v2.6.16")
    assert moved.next_change == "moved to mm/migrate.c" and moved.next_step == "reorg"


def test_where_finds_the_line_of_a_constant():
    w = series.where("MAX_SWAPFILES", "swapless-core")
    line = (ROOT / w.source).read_text().splitlines()[w.line - 1]
    assert '"MAX_SWAPFILES"' in line and '"migration-entries"' in line


def test_where_and_listing_reject_bad_names_clearly():
    with pytest.raises(migsim.MigsimError, match=r"'remove_from_swap' is not in the kernel at swapon-fix "
                                                 r"\(it is there from v2\.6\.16 to "):
        series.where("remove_from_swap", "swapon-fix")
    with pytest.raises(migsim.MigsimError, match="did you mean 'migrate_pages'"):
        series.where("migrate_page_s", "reorg")
    with pytest.raises(migsim.MigsimError, match="did you mean 'mm/migrate.c'"):
        series.listing("mm/migrat.c", "reorg")
    with pytest.raises(migsim.MigsimError, match="has nothing at v2.6.16"):
        series.listing("mm/migrate.c", "v2.6.16")
    with pytest.raises(migsim.UnknownStep):
        series.listing("mm/migrate.c", "v9")


# --- text that displays as text ---------------------------------------------------------------

@pytest.mark.parametrize("make, lang", [(lambda: series.cover(), "diff"),
                                        (lambda: series.diff("reorg"), "diff"),
                                        (lambda: series.listing("mm/migrate.c", "reorg"), "python")])
def test_series_text_is_a_string_that_shows_as_text_and_as_a_code_block(make, lang):
    text = make()
    plain = str(text)
    assert isinstance(text, str) and text == plain and type(plain) is str
    assert repr(text) == plain and pretty(text) == plain          # the REPL and IPython show the text itself
    md = text._repr_markdown_()
    assert md == f"```{lang}\n{plain.rstrip(chr(10))}\n```\n"
    assert md == make()._repr_markdown_()                        # deterministic, for nbval


def test_a_code_block_fence_is_longer_than_any_backticks_inside():
    text = series.Text("a ``` b ```` c", "diff")
    assert text._repr_markdown_() == "`````diff\na ``` b ```` c\n`````\n"
