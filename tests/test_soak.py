"""The soak (migsim.soak): seeded random workloads, an independent model, reproducers.

A few hundred workloads at v2.6.18 and around the series must pass; at
v2.6.16 the soak must find bug A by itself, minimize it, and save a
reproducer that replays (and passes once the fix is in). The long run
(10,000 workloads) is `python -m migsim.soak --at v2.6.18 --n 10000`.
"""

import io
import json
import re

import pytest

import migsim
from migsim import soak

LINE = re.compile(r"soak at (\S+): (\d+) workloads \(seed (\d+), (\d+) ops\), (\d+) violations, "
                  r"(\d+) wrong reads, (\d+) crashes, (\d+) ended out of memory, [\d.]+ s")


def test_a_hundred_workloads_pass_at_v2_6_18():
    report = soak.soak("v2.6.18", n=100, seed=7, shrink=False)
    assert report.counts == {"violation": 0, "wrong read": 0, "crash": 0}, report.failures[:1]
    assert report.n == 100


@pytest.mark.slow
def test_a_few_hundred_more_workloads_pass_at_v2_6_18():
    report = soak.soak("v2.6.18", n=400, seed=9, shrink=False)
    assert report.counts == {"violation": 0, "wrong read": 0, "crash": 0}, report.failures[:1]


@pytest.mark.parametrize("at", ["dirty-fallback", "cow-fix", "move-pages"])
def test_workloads_pass_where_no_bug_the_soak_reaches_lives(at):
    report = soak.soak(at, n=60, seed=8, shrink=False)
    assert not report.failures, report.failures[:1]


@pytest.fixture(scope="module")
def bug_a(tmp_path_factory):
    """The soak at v2.6.16, stopped at its first failure: (report, directory of reproducers, output)."""
    out, where = io.StringIO(), tmp_path_factory.mktemp("soak")
    return soak.soak("v2.6.16", n=200, seed=1, save=str(where), stop_after=1, out=out), where, out.getvalue()


def test_the_soak_finds_bug_a_at_v2_6_16_by_itself(bug_a):
    report, tmp_path, out = bug_a
    assert report.failures, "no failure in 200 workloads"
    ws, outcome, small = report.failures[0]
    assert outcome.kind == "violation"
    assert re.search(r"l\d: its own dirty list points at pfn 0x[0-9a-f]+, which is (free|no longer in its page cache)",
                     outcome.message), outcome.message
    assert len(small) < len(soak.generate(ws)) and len(small) <= 15     # minimized
    path = tmp_path / f"soak-v2.6.16-{ws}.json"
    assert f"--replay {path}" in out
    rep = json.loads(path.read_text())
    assert rep["ops"] == small and "own dirty list" in rep["expect"]["message"]
    again = soak.replay(str(path))
    assert again.kind == "violation" and "own dirty list" in again.message
    assert soak.run_ops("dirty-fallback", ws, small).kind is None      # the fix (4c28f81193b6) ends it


def test_replay_from_the_command_line(bug_a, capsys):
    report, where, _ = bug_a
    path = where / f"soak-v2.6.16-{report.failures[0][0]}.json"
    assert soak.main(["--replay", str(path)]) == 1
    assert "violation at op" in capsys.readouterr().out


def test_the_result_line_is_grepable(tmp_path, capsys):
    assert soak.main(["--at", "v2.6.18", "--n", "5", "--seed", "3", "--save", str(tmp_path)]) == 0
    m = LINE.fullmatch(capsys.readouterr().out.strip().splitlines()[-1])
    assert m and m.group(1) == "v2.6.18" and m.group(2) == "5" and m.group(5, 6, 7) == ("0", "0", "0")


def test_workloads_are_deterministic():
    assert soak.generate(42) == soak.generate(42) != soak.generate(43)
    a, b = soak.Soak("v2.6.18", 42), soak.Soak("v2.6.18", 42)
    for s in (a, b):
        s.boot()
        for op in soak.generate(42):
            s.apply(op)
    assert a.k.dump() == b.k.dump()


def test_every_sub_list_of_a_workload_is_a_workload():
    ops = soak.generate(5)
    for sub in (ops[::2], ops[1::3], ops[-7:], []):
        assert soak.run_ops("v2.6.18", 5, sub).kind is None


def test_the_model_is_independent_of_the_simulators_shadows():
    """A frame's bytes and the process's own shadow changed alike: check() sees nothing, a read does."""
    s = soak.Soak("v2.6.18", 3)
    s.boot()
    pm = s.procs[0]
    page = pm.regions[0].start
    s.k.page(pm.p, page).data[64:67] = b"BAD"
    pm.p.shadow[page] = bytes(s.k.page(pm.p, page).data)
    s.k.check()
    with pytest.raises(soak.Wrong, match="read b'BAD"):
        s.read(0, 0, 0)


def test_a_fresh_anonymous_page_reads_as_zeroes_in_the_model():
    s = soak.Soak("v2.6.18", 3)
    s.boot()
    s.mmap(0, 0, 2, 0, 0, 0)
    pm = s.procs[0]
    fresh = max(r.start for r in pm.regions if r.file is None)
    assert s.expected(pm, fresh) == bytes(4096)
    s.read(0, pm.regions.index(pm.region_at(fresh)), 0)     # compares, and passes


def test_an_unknown_step_is_refused():
    with pytest.raises(SystemExit):
        soak.main(["--at", "v9", "--n", "1"])


# --- a machine runs any number of tasks in its life ------------------------------------

def test_a_machine_runs_more_than_52_tasks_in_its_life():
    k = migsim.Kernel(at="v2.6.18", nodes=2, frames_per_node=16, seed=1)
    p = k.spawn("p")
    a = p.mmap(1)
    for i in range(60):
        t = k.start(p.write, a, b"%d" % i)
        t.run()
        assert t.result == len(b"%d" % i)
    assert len(k.tasks) == 60 and p.read(a, 2) == b"59"
    assert k.task(k.tasks[-1].label) is k.tasks[-1]          # a label names its latest task
    k.check()


def test_labels_free_up_only_when_their_tasks_finish():
    k = migsim.Kernel(at="v2.6.18", nodes=2, frames_per_node=16, seed=1)
    procs = [k.spawn(f"p{i}") for i in range(53)]
    running = [k.start(p.mmap, 1) for p in procs[:52]]          # started, not stepped: all running
    assert len({t.label for t in running}) == 52
    with pytest.raises(migsim.MigsimError, match="no free task label left: 52 tasks are running"):
        k.start(procs[52].mmap, 1)
    running[3].run()
    t = k.start(procs[52].mmap, 1)
    assert t.label == running[3].label and k.task(t.label) is t
    with pytest.raises(migsim.MigsimError, match="a label not in use"):
        k.start(procs[3].mmap, 1, label=running[4].label)


def test_bad_arguments_are_refused_before_any_work():
    with pytest.raises(migsim.UnknownStep):
        soak.soak("v9", n=1)
    for kwargs in ({"n": 0}, {"seed": "a"}, {"nops": -1}, {"save": 3}):
        with pytest.raises(migsim.MigsimError, match=next(iter(kwargs))):
            soak.soak("v2.6.18", **kwargs)


def test_a_reproducer_names_only_operations(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"at": "v2.6.18", "seed": 1, "ops": [["boot"]]}))
    with pytest.raises(migsim.MigsimError, match="operation"):
        soak.Soak("v2.6.18", 1).apply(["boot"])
    with pytest.raises(migsim.MigsimError, match="operation"):
        soak.replay(str(path))
