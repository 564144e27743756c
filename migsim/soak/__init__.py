"""A seeded random-workload soak of the machine, through its public face only.

    python -m migsim.soak --at v2.6.18 --n 1000 --seed 1
    python -m migsim.soak --replay soak-v2.6.16-1-37.json

Each workload boots a small two-node machine (ext2 and listfs files, maybe
swap) and runs a list of operations on it: spawn, mmap (anonymous, private
and shared file maps), write, read, fork, exit, munmap, mprotect, mbind
(MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT), sys_migrate_pages (as root
and as a user), sys_move_pages (from the step that has it), reclaim and
swapon; and groups of these started as tasks on several CPUs (``k.start``),
stepped one scheduling point at a time by a seeded choice. ``k.check()``
runs after every operation and every step.

Every read is compared with the soak's own model of what each process must
see, kept apart from the simulator (its shadows included): a fresh anonymous
page reads as zeroes, a private page as its process last wrote it (copied at
fork, then copy-on-write), a shared file page as anyone last wrote it, an
unwritten private file page as the file.

An operation is a short list of small numbers, read modulo what exists when
it runs (the third process, the second region ...), so that every sub-list
of a workload is a workload too: a failing one is minimized by delta
debugging over its operations, and saved as a JSON reproducer that
``--replay`` runs. Outcomes: a *violation* (a KernelBug: a broken
invariant, an oops, a deadlock; or a system call answering outside its
contract), a *wrong read*, a *crash* (any other exception: the simulator or
the soak is wrong). Running out of memory ends a workload early and is none
of these.
"""

import json
import re
import time
from dataclasses import dataclass

from ..errors import KernelBug, OutOfMemory, bad_value, check_int
from ..kbuild import step_index
from .model import FILES, FRAMES, KINDS, OPS, Proc, Region, Wrong
from .workload import Soak, _check_op, generate

# --- outcomes, minimizing, reproducers -------------------------------------------------------

@dataclass
class Outcome:
    """What one workload did: `kind` None (passed), "violation", "wrong read" or "crash"."""

    kind: str = None
    message: str = ""
    op: int = None             # the index of the operation that failed (None: at boot)
    oom: bool = False          # ended early: out of memory (not a failure)


def run_ops(at, seed, ops):
    """Run `ops` on a fresh machine of workload `seed` at step `at`: an Outcome."""
    done = -1
    try:
        s = Soak(at, seed)
        s.boot()
        for done, op in enumerate(ops):
            s.apply(op)
    except OutOfMemory:
        return Outcome(oom=True)
    except Wrong as e:
        return Outcome(e.kind, str(e), done if done >= 0 else None)
    except KernelBug as e:
        return Outcome("violation", str(e), done if done >= 0 else None)
    except Exception as e:                    # the simulator (or the soak) is wrong: a crash
        return Outcome("crash", f"{type(e).__name__}: {e}", done if done >= 0 else None)
    return Outcome()


def signature(outcome):
    """The failure's kind and words, without its numbers (pfns, pids, addresses): what minimizing keeps."""
    return outcome.kind, re.sub(r"0x[0-9a-f]+|\d+", "#", outcome.message)[:60]


def minimize(at, seed, ops, outcome):
    """The smallest sub-list of `ops` (delta debugging, Zeller's ddmin) that still fails the same way."""
    want = signature(outcome)
    ops = ops[:outcome.op + 1] if outcome.op is not None else []

    def fails(sub):
        return signature(run_ops(at, seed, sub)) == want

    n = 2
    while len(ops) >= 2:
        chunk = -(-len(ops) // n)
        parts = [ops[i:i + chunk] for i in range(0, len(ops), chunk)]
        for i in range(len(parts)):
            rest = [op for j, part in enumerate(parts) if j != i for op in part]
            if fails(rest):
                ops, n = rest, max(n - 1, 2)
                break
        else:
            if n >= len(ops):
                break
            n = min(len(ops), n * 2)
    if len(ops) == 1 and fails([]):
        ops = []
    return ops


def reproducer(at, seed, ops, outcome):
    """A replayable reproducer (JSON-able dict)."""
    return {"at": at, "seed": seed, "frames": FRAMES, "ops": ops,
            "expect": {"kind": outcome.kind, "message": outcome.message}}


def replay(path):
    """Run the reproducer saved at `path`: its Outcome."""
    with open(path) as f:
        rep = json.load(f)
    step_index(rep["at"])
    check_int("seed", rep["seed"])
    for op in rep["ops"]:
        _check_op(op)
    return run_ops(rep["at"], rep["seed"], rep["ops"])


@dataclass
class Report:
    """A soak's counts; `failures`: (workload seed, Outcome, minimized ops)."""

    at: str
    n: int
    seed: int
    nops: int
    counts: dict = None
    oom: int = 0
    seconds: float = 0.0
    failures: list = None

    def line(self):
        c = self.counts
        return (f"soak at {self.at}: {self.n} workloads (seed {self.seed}, {self.nops} ops), "
                f"{c['violation']} violations, {c['wrong read']} wrong reads, {c['crash']} crashes, "
                f"{self.oom} ended out of memory, {self.seconds:.1f} s")


def workload_seed(seed, i):
    return seed * 1_000_003 + i


def soak(at="v2.6.18", n=100, seed=1, nops=40, shrink=True, save=None, stop_after=None, out=None):
    """Run `n` workloads at `at`: a Report. Failing ones are minimized (`shrink`) and, with
    `save` (a directory), written there as reproducers. `stop_after` failures end it early."""
    step_index(at)                            # an unknown step is refused before any work
    check_int("n (workloads)", n, 1)
    check_int("seed", seed)
    check_int("nops (operations per workload)", nops, 0)
    if save is not None and not isinstance(save, str):
        raise bad_value("save", save, "a directory name, or None")
    report = Report(at, n, seed, nops, {kind: 0 for kind in KINDS}, failures=[])
    t0 = time.process_time()
    for i in range(n):
        ws = workload_seed(seed, i)
        ops = generate(ws, nops)
        o = run_ops(at, ws, ops)
        report.oom += o.oom
        if o.kind is None:
            continue
        report.counts[o.kind] += 1
        small = minimize(at, ws, ops, o) if shrink else ops
        report.failures.append((ws, o, small))
        if out is not None:
            print(f"FAIL workload {i} (seed {ws}): {o.kind} at op {o.op}: {o.message}", file=out)
        if save is not None:
            path = f"{save}/soak-{at}-{ws}.json"
            with open(path, "w") as f:
                json.dump(reproducer(at, ws, small, run_ops(at, ws, small)), f, indent=1)
            if out is not None:
                print(f"  minimized to {len(small)} ops: python -m migsim.soak --replay {path}", file=out)
        if stop_after is not None and len(report.failures) >= stop_after:
            report.n = i + 1
            break
    report.seconds = time.process_time() - t0
    return report


from .cli import main                                          # noqa: E402  (it uses soak() above)

__all__ = ["FILES", "FRAMES", "KINDS", "OPS", "Outcome", "Proc", "Region", "Report", "Soak", "Wrong", "generate",
           "main", "minimize", "replay", "reproducer", "run_ops", "signature", "soak", "workload_seed"]
