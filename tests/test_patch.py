"""Kernel(at=..., patch=...): a step's kernel with someone else's functions in place."""

import functools

import pytest

import migsim
from migsim import kbuild, machine, scenarios, series, steps



def registered(name, at):
    return kbuild.active(name, steps.INDEX[at]).obj


def forked_family(k):
    """A parent with two written anonymous pages, forked: returns (parent, child, address)."""
    p = k.spawn("parent")
    a = p.mmap(2)
    p.write(a, b"one")
    p.write(a + 4096, b"two")
    return p, p.fork(), a


def counting_copy_one_pte(calls, at="cow-fix"):
    orig = registered("copy_one_pte", at)

    def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
        calls.append(addr)
        return orig(k, dst_mm, src_mm, vma, addr, rss)
    return copy_one_pte


def test_a_patched_function_is_called_through_k_everywhere():
    calls = []
    k = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": counting_copy_one_pte(calls)})
    p, c, a = forked_family(k)
    assert sorted(calls) == [a, a + 4096]                  # copy_pte_range called the patch for each pte
    assert c.read(a, 3) == b"one"
    k.check()
    assert k.PATCHED == ("copy_one_pte",)


def test_a_plain_kernel_after_a_patched_one_is_unaffected_and_the_registry_untouched():
    before = {name: list(vs) for name, vs in kbuild.REGISTRY.items()}
    cached = machine.build("cow-fix")
    calls = []
    patched = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": counting_copy_one_pte(calls)})
    plain = migsim.Kernel(at="cow-fix")
    forked_family(plain)
    assert calls == []
    assert type(plain) is cached is machine.build("cow-fix")
    assert type(patched) is not cached and isinstance(patched, cached)
    assert {name: list(vs) for name, vs in kbuild.REGISTRY.items()} == before
    assert plain.SYMBOLS["copy_one_pte"].obj is registered("copy_one_pte", "cow-fix")


def test_two_patched_kernels_do_not_affect_each_other():
    one, two = [], []
    k1 = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": counting_copy_one_pte(one)})
    k2 = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": counting_copy_one_pte(two)})
    forked_family(k1)
    assert len(one) == 2 and two == []
    forked_family(k2)
    assert len(one) == 2 and len(two) == 2
    assert type(k1) is not type(k2)


def test_the_patch_keeps_the_callers_function_as_it_was():
    fn = counting_copy_one_pte([])
    fn.__name__ = "my_copy_one_pte"
    k = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": fn})
    assert fn.__name__ == "my_copy_one_pte"
    assert k.SYMBOLS["copy_one_pte"].obj.__name__ == "copy_one_pte"
    assert k.SYMBOLS["copy_one_pte"].kfile == "mm/memory.c"


def cow_fix_patch():
    """The cow-fix, written as a patch to the step before."""
    return {"copy_one_pte": registered("copy_one_pte", "cow-fix")}


def test_the_cow_fix_as_a_patch_fixes_bug_c_at_the_step_before(monkeypatch):
    at, schedule = "fork-race-fix", scenarios.COW_FORK.schedule
    assert scenarios.shows_bug(scenarios.COW_FORK, scenarios.run(scenarios.COW_FORK, at, schedule))
    monkeypatch.setattr(scenarios, "Kernel", functools.partial(migsim.Kernel, patch=cow_fix_patch()))
    outcome = scenarios.run(scenarios.COW_FORK, at, schedule)
    assert not outcome.failed, outcome.error
    assert outcome.kernel.PATCHED == ("copy_one_pte",)


def test_a_generator_may_replace_a_sleeping_function_and_tasks_name_the_symbol():
    orig = registered("copy_pte_range", "cow-fix")
    entered = []

    def my_copy_pte_range(k, dst_mm, src_mm, vma, addr, end):
        entered.append(vma)
        yield from orig(k, dst_mm, src_mm, vma, addr, end)

    k = migsim.Kernel(at="cow-fix", patch={"copy_pte_range": my_copy_pte_range})
    p = k.spawn("parent")
    a = p.mmap(2)
    p.write(a, b"x")
    t = k.start(p.fork, label="F")
    while "copy_pte_range" not in t.stack():
        assert t.step() is not None, "fork finished without entering the patched copy_pte_range"
    assert t.where()[0] in ("copy_pte_range", "copy_one_pte", "spin_lock")
    t.run()
    assert len(entered) == 1 and t.done and t.oops is None


def test_a_plain_function_in_place_of_a_sleeping_one_runs_without_scheduling_points():
    def try_to_free_pages(k, nr_pages):
        return 0                                             # frees nothing, never sleeps

    k = migsim.Kernel(at="cow-fix", patch={"try_to_free_pages": try_to_free_pages})
    assert k.reclaim(16) == 0
    assert migsim.Kernel(at="cow-fix").reclaim(16) == 0       # nothing to free on an idle machine either
    t = k.start(k.try_to_free_pages, 16)
    assert t.step() is None and t.done and t.result == 0


def test_a_generator_in_place_of_a_plain_function_is_refused_at_build():
    def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
        yield

    with pytest.raises(migsim.MigsimError, match=r"patch\['copy_one_pte'\].*plain function.*does not sleep"):
        migsim.Kernel(at="cow-fix", patch={"copy_one_pte": copy_one_pte})


def test_a_patched_syscall_goes_through_the_syscall_entry():
    orig = registered("sys_swapon", "swapon-fix")
    seen = []

    def sys_swapon(k, nr_slots, prio=-1):
        seen.append(nr_slots)
        return (yield from orig(k, nr_slots, prio))

    k = migsim.Kernel(at="swapon-fix", patch={"sys_swapon": sys_swapon})
    assert k.sys_swapon(64) == 0 and seen == [64]
    with pytest.raises(migsim.MigsimError):
        k.sys_swapon("64")                                   # the arguments are still checked
    assert seen == [64]


def test_a_patched_function_calling_a_missing_symbol_builds_and_oopses():
    def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
        k.no_such_helper(addr)

    k = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": copy_one_pte})
    assert "mm/memory.c: copy_one_pte: undefined reference to `no_such_helper'" in k.BUILD_WARNINGS
    assert not any("no_such_helper" in w for w in migsim.Kernel(at="cow-fix").BUILD_WARNINGS)
    p = k.spawn("parent")
    a = p.mmap(1)
    p.write(a, b"x")
    with pytest.raises(migsim.KernelBug, match="no_such_helper"):
        p.fork()


@pytest.mark.parametrize("patch, words", [
    ({"copy_one_ptee": lambda k: 0}, r"'copy_one_ptee'.*did you mean copy_one_pte"),
    ({"+copy_one_pte": lambda k: 0}, r"'\+copy_one_pte'.*copy_one_pte is a kernel function.*patch it as"),
    ({"note_copy": lambda k, addr: None}, r"'note_copy'.*a new helper is written \"\+note_copy\""),
    ({"copy_one_pte": 42}, r"patch\['copy_one_pte'\]: 42 \(expected a Python function"),
    ({"copy_one_pte": functools.partial(print)}, r"patch\['copy_one_pte'\].*expected a Python function"),
    ({"copy_one_pte": lambda k, dst_mm, src_mm, vma, addr: None},
     r"patch\['copy_one_pte'\]: function .*\(expected the parameters of copy_one_pte"
     r"\(k, dst_mm, src_mm, vma, addr, rss\)\)"),
    ({"copy_one_pte": lambda k, dst, src, vma, addr, rss: None}, r"expected the parameters of copy_one_pte"),
    ({"copy_one_pte": lambda: None}, r"first parameter is the kernel"),
    ({"MAX_SWAPFILES": lambda k: 32}, r"'MAX_SWAPFILES'.*a const"),
    ({"+spawn": lambda k, comm: None}, r"'\+spawn'.*does not already use"),
    ({3: lambda k: 0}, r"bad patch key: 3"),
    (["copy_one_pte"], r"bad patch: \['copy_one_pte'\]"),
])
def test_bad_patches_are_clear_errors_naming_the_entry(patch, words):
    with pytest.raises(migsim.MigsimError, match=words):
        migsim.Kernel(at="fork-race-fix", patch=patch)


def test_a_new_helper_may_be_called_by_a_patched_function():
    def copy_one_pte(k, dst_mm, src_mm, vma, addr, rss):
        k.note_copy(addr)
        return orig(k, dst_mm, src_mm, vma, addr, rss)

    def note_copy(k, addr):
        k.printk(f"copied 0x{addr:x}")

    orig = registered("copy_one_pte", "cow-fix")
    k = migsim.Kernel(at="cow-fix", patch={"copy_one_pte": copy_one_pte, "+note_copy": note_copy})
    p, c, a = forked_family(k)
    assert f"copied 0x{a:x}" in k.dmesg
    assert k.SYMBOLS["note_copy"].kfile == "patch" and k.BUILD_WARNINGS == ()


def test_patch_diff_shows_the_patch_against_the_registered_version():
    text = series.patch_diff("fork-race-fix", cow_fix_patch())
    assert "--- a/mm/memory.c (fork-race-fix)\n+++ b/mm/memory.c (patched)\n" in text
    assert "-            if k.is_migration_entry(entry) and is_cow_mapping(vma.vm_flags):" in text
    assert "+            if k.is_write_migration_entry(entry) and is_cow_mapping(vma.vm_flags):" in text
    assert text.count("--- ") == 1
    assert series.patch_diff("cow-fix", {"copy_one_pte": registered("copy_one_pte", "cow-fix")}) == ""


def test_patch_diff_refuses_what_kernel_refuses():
    with pytest.raises(migsim.MigsimError, match="did you mean copy_one_pte"):
        series.patch_diff("cow-fix", {"copy_one_ptee": lambda k: 0})


def test_patch_diff_shows_a_new_helper_as_new_lines_in_the_file_a_later_step_gives_it():
    def make_migration_entry_read(k, entry):
        return entry

    def note_copy(k, addr):
        pass

    text = series.patch_diff("v2.6.16", {"+make_migration_entry_read": make_migration_entry_read,
                                         "+note_copy": note_copy})
    assert "--- /dev/null\n+++ b/include/linux/swapops.h (patched)\n" in text
    assert "+    def make_migration_entry_read(k, entry):" not in text and "+def make_migration_entry_read" in text
    assert "--- /dev/null\n+++ b/patch (patched)\n" in text and "+def note_copy(k, addr):" in text


def test_adding_the_missing_symbol_of_a_tree_that_does_not_link_clears_its_warning():
    assert any("remove_from_swap" in w for w in migsim.Kernel(at="rip-out-swap").BUILD_WARNINGS)
    called = []

    def remove_from_swap(k, page):
        called.append(page)

    k = migsim.Kernel(at="rip-out-swap", patch={"+remove_from_swap": remove_from_swap})
    assert k.BUILD_WARNINGS == ()
    k.remove_from_swap("page")
    assert called == ["page"]
    with pytest.raises(migsim.KernelBug, match="remove_from_swap"):
        migsim.Kernel(at="rip-out-swap").remove_from_swap("page")
