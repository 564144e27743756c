"""migsim.practice: every answer a problem prints is what the simulator does at that step.

Each test takes problems of many seeds and checks their answers against the
machine itself: decoded fields re-encode to the pte, a migration entry comes
back as the pte it promised, the expected count is the one the kernel's
check sees and accepts (found by running the migration), a schedule's
verdict is the run's.
"""

import inspect
import re
from pathlib import Path

import pytest

import migsim
from migsim import practice, scenarios, sched, steps
from migsim.include.asm_i386 import pgtable as pg
from migsim.include.linux.mm import page_mapping
from migsim.include.linux.pgtable_walk import get_pte
from migsim.include.linux.swapops import swp_entry, swp_entry_to_pte
from migsim.machine import Kernel
from migsim.practice import races, references as rc
from migsim.practice.__main__ import main
from migsim.views import PteView

ROOT = Path(__file__).resolve().parent.parent
SEEDS = range(24)


def _flags(f):
    return (pg._PAGE_PRESENT | pg._PAGE_USER * f["user"] | pg._PAGE_RW * f["write"]
            | pg._PAGE_ACCESSED * f["accessed"] | pg._PAGE_DIRTY * f["dirty"])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_pte_problems_answers_re_encode_to_its_pte(seed):
    q = practice.pte(seed=seed)
    f = q.facts
    assert pg.pfn_pte(f["pfn"], _flags(f)) == f["value"]
    assert q.machine.pte(q.process, f["address"]).value == f["value"]       # a real pte of the machine
    assert q.machine.pfn_to_page(f["pfn"]).node == f["node"]
    answers = [x.answer for x in q.questions]
    assert answers == ["yes", "yes" if f["write"] else "no", "yes" if f["dirty"] else "no",
                       "yes" if f["accessed"] else "no", f"pfn 0x{f['pfn']:x}, node {f['node']}"]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_swap_problems_entry_is_a_real_slot_held_as_it_says(seed):
    q = practice.swap(seed=seed)
    f, k = q.facts, q.machine
    assert swp_entry_to_pte(swp_entry(f["type"], f["offset"])) == f["value"] == swp_entry_to_pte(f["entry"])
    assert f["type"] < k.MAX_SWAPFILES and not PteView(f["value"], k).migration
    si = k.swap_info[f["type"]]
    holders = sum(1 for p in k.tasks_by_pid.values() if p.mm for vma in p.mm.mmap
                  for a in range(vma.vm_start, vma.vm_end, pg.PAGE_SIZE) if get_pte(p.mm, a) == f["value"])
    assert si.swap_map[f["offset"]] == f["swap_map"] == holders + f["in_swap_cache"] > 0


@pytest.mark.parametrize("seed", SEEDS)
def test_a_migration_entry_comes_back_as_the_pte_it_promised(seed):
    q = practice.migration(seed=seed)
    f, k = q.facts, q.machine
    assert f["type"] == (k.SWP_MIGRATION_WRITE if f["write"] else k.SWP_MIGRATION_READ)
    assert swp_entry_to_pte(swp_entry(f["type"], f["pfn"])) == f["value"]
    view = PteView(f["value"], k)
    assert view.migration and view.migration_write == f["write"] and f["locked"]
    k.task("M").run()                                      # let the migration finish (q.check says so)
    assert "task('M').run()" in q.check
    after = k.pte(q.process, f["address"])
    assert after.present and after.write == f["write"]
    k.check()


def _count_seen(at, f, holders):
    """Run the migration of the problem's page; (the _count the kernel's check saw, its verdict 0/-EAGAIN)."""
    seen = []
    patch = {}
    if f["checker"] == "migrate_page_move_mapping":
        # migrate_page_move_mapping decides on entry (no mapping) or under its tree_lock, which no
        # other task can take here: its count at entry is the one it compares. A spy reports it.
        original = type(Kernel(at=at)).migrate_page_move_mapping

        def watch(k, args):
            page, before = args[-1], args[-1]._count
            result = yield from original(k, *args)
            if page.pfn == f["pfn"] and not seen:
                seen.append((before, result))
            return result

        if "mapping" in inspect.signature(original).parameters:
            def migrate_page_move_mapping(k, mapping, newpage, page):
                return (yield from watch(k, (mapping, newpage, page)))
        else:
            def migrate_page_move_mapping(k, newpage, page):
                return (yield from watch(k, (newpage, page)))
        patch = {"patch": {"migrate_page_move_mapping": migrate_page_move_mapping}}
    k, p, a, page = rc.build(at, f["seed"], f["kind"], holders, f["node"], **patch)
    m = k.start(k.sys_migrate_pages, p.pid, [f["node"]], [1 - f["node"]], label="M")
    while not m.done:
        point = m.step()
        if (f["checker"] == "migrate_page_remove_references" and not seen and point is not None
                and point.name == "spin_lock" and point.objs[0] is getattr(page_mapping(page), "tree_lock", None)
                and "migrate_page_remove_references" in m.stack()):
            seen.append((page._count, None))
    return (seen[0] if seen else (None, None)), m.result


@pytest.mark.parametrize("seed", range(40))
def test_the_expected_count_is_the_one_the_kernel_accepts(seed):
    q = practice.refcount(seed=seed)
    f = dict(q.facts, seed=seed)
    (count, verdict), result = _count_seen(q.at, f, f["holders"])
    if count is None:          # refused by the unlocked first test (nr_refs): never got to tree_lock
        assert f["holders"] and f["early_test"] and "first test" in q.questions[2].why[-1]
    else:
        assert count == f["expected"] + f["holders"]
    assert (result == 0) == f["moves"]                     # sys_migrate_pages: pages not moved
    if verdict is not None:
        assert (verdict == 0) == f["moves"]
    if f["holders"] == 0:                                  # one reference more, and the same check refuses
        (count, verdict), result = _count_seen(q.at, f, 1)
        assert count in (None, f["expected"] + 1) and result == 1 and (count is None) == f["early_test"]


def test_the_count_problems_cover_one_two_and_three():
    seen = {(practice.refcount(seed=s).facts["expected"], practice.refcount(seed=s).facts["holders"])
            for s in range(40)}
    assert {n for n, _ in seen} == {1, 2, 3} and {h for _, h in seen} == {0, 1}


def test_a_page_without_mapping_needs_one_only_from_swapless_core():
    for at, n in (("fallback-function", 2), ("swapless-core", 1), ("v2.6.18", 1)):
        k, p, a, page = rc.build(at, 0, rc.KINDS[0], 0, 0)
        assert rc.expected(at, page)[0] == n


@pytest.mark.parametrize("seed", SEEDS)
def test_a_schedule_problems_verdict_is_the_runs(seed):
    q = practice.schedule(seed=seed)
    f = q.facts
    o = scenarios.run(f["scenario"], q.at, f["schedule"])
    assert (o.applies, o.failed, o.error, o.schedule) == (f["applies"], f["failed"], f["error"], f["letters"])
    assert f["shows_bug"] == scenarios.shows_bug(f["scenario"], o)
    assert [x.answer for x in q.questions[:2]] == ["yes" if o.applies else "no", "yes" if o.failed else "no"]
    if f["shows_bug"]:
        assert q.questions[2].answer == f"bug {scenarios.get(f['scenario']).bug}"


def test_schedule_problems_both_fail_and_pass():
    outcomes = {practice.schedule(seed=s).facts["failed"] for s in range(40)}
    assert outcomes == {True, False}


def test_the_stepper_a_schedule_problem_offers_shows_the_same_ending():
    from migsim.widgets.recording import Recording
    q = next(q for q in map(lambda s: practice.schedule(seed=s), range(40)) if q.facts["shows_bug"])
    rec = Recording(q.facts["scenario"], q.at, q.facts["schedule"], finish=True)
    assert rec.error and "Stepper(" in q.check and q.facts["schedule"] in q.check


@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_same_seed_same_text_and_the_answer_keeps_the_layout(kind):
    a, b = practice.problem(kind, seed=7), practice.problem(kind, seed=7)
    assert repr(a) == repr(b) and a.reveal() == b.reveal()
    question, answer = repr(a).splitlines(), str(a.reveal()).splitlines()
    assert question[:3] == answer[:3] == [f"ARG kind {kind}", "ARG seed 7", f"ARG at {a.at}"]
    asks = [line for line in question if line.startswith("Q")]
    assert asks and all(line.rstrip().endswith("?") for line in asks)
    answered = [line for line in answer if line.startswith("Q")]
    assert [line[:48] for line in answered] == [line[:48] for line in asks]
    assert [line[49:] for line in answered] == [x.answer for x in a.questions]
    assert repr(a.reveal()) == str(a.reveal())


def test_the_seed_and_the_step_change_the_problem():
    assert len({repr(practice.pte(seed=s)) for s in range(6)}) == 6
    assert practice.pte(seed=3, at="swapless-core").at == "swapless-core"


def test_the_command_prints_the_question_and_with_c_the_answers(capsys):
    assert main(["swap", "--seed", "3"]) == 0
    question = capsys.readouterr().out
    assert main(["swap", "--seed", "3", "-c"]) == 0
    answer = capsys.readouterr().out
    assert question == repr(practice.swap(seed=3)) + "\n"
    assert answer == practice.swap(seed=3).reveal() + "\n"


@pytest.mark.parametrize("kind, seed, at, says", [
    ("ptes", 0, None, "bad kind: 'ptes' (expected one of pte, swap, migration, refcount, schedule)"),
    ("pte", -1, None, "bad seed: -1"),
    ("pte", "3", None, "bad seed: '3'"),
    ("pte", 2**40, None, "bad seed"),
    ("pte", 1, "v2.6.19", "bad at: 'v2.6.19' (expected a step of the series"),
    ("migration", 1, "v2.6.16", "bad at: 'v2.6.16' for a migration problem (expected one of swapless-core"),
    ("refcount", 1, "rip-out-swap", "for a refcount problem"),
    ("schedule", 1, "v2.6.16", "for a schedule problem"),
])
def test_bad_input_is_a_migsim_error_naming_it(kind, seed, at, says):
    with pytest.raises(migsim.MigsimError) as e:
        practice.problem(kind, seed=seed, at=at)
    assert says in str(e.value)


def test_the_command_reports_bad_input_without_a_traceback(capsys):
    assert main(["pte", "--seed", "x"]) == 2
    assert capsys.readouterr().err == "error: bad seed: 'x' (expected an int in 0..4294967295)\n"
    assert main(["nope"]) == 2
    assert "bad kind: 'nope'" in capsys.readouterr().err


def test_every_step_a_kind_allows_makes_a_problem():
    for kind, allowed in (("pte", practice.entries.PTE_STEPS), ("swap", practice.entries.SWAP_STEPS),
                          ("migration", practice.entries.MIGRATION_STEPS), ("refcount", rc.STEPS),
                          ("schedule", races.STEPS)):
        for at in allowed:
            assert practice.problem(kind, seed=1, at=at).at == at
    assert set(rc.STEPS) == set(steps.IDS) - {"rip-out-swap"}
    assert sched.parse(practice.schedule(seed=1).facts["schedule"])


WARMUP = re.compile(r"warmup = (practice\.\w+\([^)]*\))\n.*?```text\n(.*?)\n```", re.S)


@pytest.mark.parametrize("chapter", ["00-the-machine", "03-the-reference-count-rule", "05-migration-entries",
                                     "07-the-fork-race"])
def test_a_chapters_warm_up_answers_are_the_problems(chapter):
    text = (ROOT / "notebooks" / f"{chapter}.md").read_text()
    found = WARMUP.findall(text)
    assert len(found) == 1, f"{chapter}: one warm-up (warmup = practice.KIND(...) and its ```text answers)"
    expr, answers = found[0]
    q = eval(expr, {"practice": practice})
    assert answers.splitlines() == [line for line in str(q.reveal()).splitlines() if line.startswith("Q")]


@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_the_lines_a_problem_offers_to_look_for_yourself_run(kind):
    from migsim import widgets
    for seed in range(12):
        q = practice.problem(kind, seed=seed)
        lines = str(q.reveal()).split("To look for yourself:\n")[1].splitlines()
        ns = {"migsim": migsim, "widgets": widgets, "scenarios": scenarios}
        exec("\n".join(line.strip() for line in lines), ns)        # q = migsim.practice...(...), then the check
        assert repr(ns["q"]) == repr(q)


@pytest.mark.parametrize("kind", list(practice.KINDS))
def test_the_step_a_problem_prints_gives_the_same_problem_back(kind):
    for seed in range(8):
        q = practice.problem(kind, seed=seed)
        assert repr(practice.problem(kind, seed=seed, at=q.at)) == repr(q)
