"""Steps 1-9: every step builds, diffs, and can be told apart from the one before."""

import pytest

import migsim
from migsim import kbuild
from migsim.kernel.module import Module
from helpers import written_pages

PAGE = migsim.PAGE_SIZE
STEPS_1_9 = ["reorg", "unexport-swap-page", "dirty-fallback", "group-functions", "remove-definitions",
             "drop-nr-refs", "extract-unmap", "pass-mapping", "fallback-function"]


def workload(at, trace=False):
    """A fixed workload with anon, ext2 and listfs pages, a fork and a migration; (k, stacks)."""
    k = migsim.Kernel(at=at, nodes=2, frames_per_node=24, seed=11)
    p, a = written_pages(k, 4, b"anon %d")
    f = k.create_file("notes", 2, fs="ext2")
    q = p.mmap(2, file=f, shared=True)
    p.write(q, b"ext2 data")
    g = k.create_file("log", 2, fs="listfs")
    r = p.mmap(2, file=g, shared=False)
    p.read(r, 3)
    c = p.fork()
    c.write(a, b"child")
    k.sys_swapon(16)
    t = k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M")
    stacks = []
    while not t.done:
        t.step()
        k.check()
        if trace:
            stacks.append(t.stack())
    assert t.result == 0
    return k, stacks


@pytest.mark.parametrize("at", STEPS_1_9)
def test_every_step_builds_and_migrates(at):
    k, _ = workload(at)
    p = k.process(100)
    assert all(k.page(p, 0x40000000 + i * PAGE).node == 1 for i in range(4))


@pytest.mark.parametrize("at", migsim.series.ids()[1:])
def test_every_step_has_a_diff_that_shows_only_what_it_changed(at):
    text = migsim.series.diff(at)
    body = text.split("\n---\n", 1)[1]
    if not migsim.series.step(at).files:     # a release: it names the tree as shipped, changes nothing
        assert not body.strip() and not migsim.series.changes(at), f"{at}: a release that changes code"
        return
    assert body.strip(), f"{at}: empty diff"
    changed = {name for name, _, _ in migsim.series.changes(at)}
    for line in (line for line in body.splitlines() if line.startswith("@@")):
        if line.startswith("@@ order of items in "):
            continue
        tail = line.split("@@")[-1].strip()
        name = tail if tail else line[3:].split(":")[0]
        assert name in changed, f"{at}: a hunk for {name}, which the step does not change"


def test_the_reorg_diff_shows_moves_by_kernel_file():
    body = migsim.series.diff("reorg")
    assert "--- a/mm/vmscan.c\n+++ b/mm/migrate.c\n" in body
    assert "--- a/fs/buffer.c\n+++ b/mm/migrate.c\n@@ buffer_migrate_page: moves unchanged @@" in body
    assert "--- a/mm/mempolicy.c\n+++ b/mm/migrate.c\n@@ -1,4 +1,3 @@ migrate_pages_to\n-@static\n" in body
    for name in ("migrate_pages", "migrate_page", "swap_page", "putback_lru_pages"):
        assert f"@@ {name}: moves unchanged @@" in body


def test_cover_lists_every_step_in_order():
    lines = migsim.series.cover().split("\n\n")[1].splitlines()
    assert [line.split()[1] for line in lines] == migsim.series.ids()


CONTEXT = ["fixups", "redo-fault", "rename-migration"]


def test_context_patches_are_steps_of_their_own_marked_in_the_cover():
    ids = migsim.series.ids()
    assert ids.index("reorg") + 1 == ids.index("fixups") == ids.index("unexport-swap-page") - 1
    assert ids.index("redo-fault") + 1 == ids.index("rename-migration") == ids.index("group-functions") - 1
    assert [s.id for s in migsim.series.steps() if s.context] == CONTEXT
    lines = {line.split()[1]: line for line in migsim.series.cover().split("\n\n")[1].splitlines()}
    assert all(lines[i].startswith("ctx ") for i in CONTEXT)
    assert lines["group-functions"].startswith("  4 ") and lines["swapon-fix"].startswith(" 15 ")
    assert "(context patch)" in migsim.series.step("redo-fault").badge()


def test_the_last_steps_are_said_to_be_the_middle_of_the_rc1_merge_not_the_release():
    mid = ["swapless-core", "fork-race-fix", "cow-fix", "swapon-fix"]
    assert all(migsim.series.step(i).release == "2.6.18-rc1 (June 2006)" for i in mid)
    lines = {line.split()[1]: line for line in migsim.series.cover().split("\n\n")[1].splitlines()}
    assert all("2.6.18-rc1 (June 2006)" in lines[i] for i in mid)
    assert "not the v2.6.18 release" in migsim.series.cover()
    assert "Linux 2.6.18-rc1 (June 2006)" in migsim.series.step("swapon-fix").badge()


# --- code motion: the same workload gives the same machine -----------------------------

@pytest.mark.parametrize("before, after", [("v2.6.16", "reorg"), ("dirty-fallback", "group-functions")])
def test_code_motion_steps_leave_behaviour_alone(before, after):
    a, _ = workload(before)
    b, _ = workload(after)
    assert a.dump().split("\n", 2)[2] == b.dump().split("\n", 2)[2]      # all but the step lines


# --- step by step: what tells each one apart ---------------------------------------------

def test_reorg_puts_migration_in_mm_migrate_c_and_reshapes_isolate_lru_page():
    old, new = migsim.Kernel(at="v2.6.16"), migsim.Kernel(at="reorg")
    assert old.SYMBOLS["migrate_pages"].kfile == "mm/vmscan.c"
    assert new.SYMBOLS["migrate_pages"].kfile == "mm/migrate.c"
    assert new.SYMBOLS["buffer_migrate_page"].kfile == "mm/migrate.c"
    p = new.spawn("x")
    a = p.mmap(1)
    p.write(a, b"x")
    page = new.page(p, a)
    from migsim.mm.filemap import new_private_list
    lst = new_private_list("test")
    assert new._run(new.isolate_lru_page(page, lst), new.init) == 0 and page in lst
    assert new._run(new.isolate_lru_page(page, new_private_list("again")), new.init) == -16   # -EBUSY


@pytest.mark.parametrize("symbol, links_at, fails_at", [
    ("swap_page", "reorg", "unexport-swap-page"),
    ("migrate_page_copy", "group-functions", "remove-definitions"),
    ("migrate_page_remove_references", "group-functions", "remove-definitions"),
])
def test_a_module_links_only_against_exported_symbols(symbol, links_at, fails_at):
    ok = migsim.Kernel(at=links_at)
    assert ok.sys_init_module(Module("oot", [symbol, "migrate_page"])) == 0
    bad = migsim.Kernel(at=fails_at)
    assert bad.sys_init_module(Module("oot", [symbol, "migrate_page"])) == -2       # -ENOENT
    assert bad.dmesg[-1] == f"oot: Unknown symbol {symbol}"
    assert "oot" not in bad.modules


def test_group_functions_only_reorders_mm_migrate_c():
    before = kbuild.file_items("mm/migrate.c", migsim.steps.INDEX["dirty-fallback"])
    after = kbuild.file_items("mm/migrate.c", migsim.steps.INDEX["group-functions"])
    assert before != after and sorted(n for n in after if not n.startswith("/*")) == sorted(before)
    assert after.index("/* Migration functions */") < after.index("fail_migrate_page")


def test_drop_nr_refs_changes_the_signature():
    import inspect
    six, five = migsim.Kernel(at="drop-nr-refs"), migsim.Kernel(at="remove-definitions")
    assert list(inspect.signature(five.migrate_page_remove_references).parameters) == ["newpage", "page", "nr_refs"]
    assert list(inspect.signature(six.migrate_page_remove_references).parameters) == ["newpage", "page"]


def test_extract_unmap_moves_try_to_unmap_into_migrate_pages():
    _, before = workload("drop-nr-refs", trace=True)
    _, after = workload("extract-unmap", trace=True)
    assert any(s[-2:] == ["migrate_page_remove_references", "try_to_unmap"] for s in before)
    assert any(s[-2:] == ["migrate_pages", "try_to_unmap"] for s in after)
    assert not any("migrate_page_remove_references" in s for s in after)
    k = migsim.Kernel(at="extract-unmap")
    assert "migrate_page_move_mapping" in k.SYMBOLS and "migrate_page_remove_references" not in k.SYMBOLS


def test_pass_mapping_gives_every_migratepage_method_the_mapping_first():
    import inspect
    for at, first in (("extract-unmap", "newpage"), ("pass-mapping", "mapping")):
        k = migsim.Kernel(at=at)
        for name in ("migrate_page", "buffer_migrate_page", "fail_migrate_page", "migrate_page_move_mapping"):
            assert next(iter(inspect.signature(getattr(k, name)).parameters)) == first, (at, name)


def test_fallback_function_handles_mappings_without_migratepage():
    _, before = workload("pass-mapping", trace=True)
    _, after = workload("fallback-function", trace=True)
    assert not any("fallback_migrate_page" in s for s in before)
    assert any("fallback_migrate_page" in s for s in after)
