"""Where a grade runs: somewhere the answer cannot reach the caller.

On Linux and macOS a grade runs in a child process made by ``os.fork()``
(it works from a Jupyter kernel: the child never touches the kernel's
sockets or streams, and ends with ``os._exit``). The child has a limit on
its CPU time (RLIMIT_CPU) and on the memory it may add (RLIMIT_AS); the
parent reads its messages (progress, what the answer printed, the verdict)
from a pipe as plain JSON, never a pickle, and kills it if it runs past its
CPU limit or waits without running. Whatever the answer does in the child
(replace the graders' functions, assign to a cached kernel class, switch
off the guard, exit) ends with the child: the next grade starts from the
caller's untouched state.

Where there are no processes (Pyodide, in JupyterLite) the grade runs in
this process, under the guard alone; afterwards the globals of migsim's
modules, the classes of the grading modules and the exercises are put
back as they were.

Ctrl-C (the kernel's interrupt) still interrupts: the child dies of it and
the parent raises KeyboardInterrupt.
"""

import builtins
import io
import json
import os
import select
import signal
import sys
import time
import traceback
import warnings

from ..errors import MigsimError
from . import progress
from .verdict import Verdict

CPU_LIMIT_S = 120          # the child's CPU seconds (the guard stops checks long before; this is the backstop)
MEMORY_LIMIT_MB = 1024     # address space the child may add to what it starts with
STALL_S = 30               # a child that uses no CPU for this long (it sleeps, waits for input) is stopped
WALL_LIMIT_S = 1800        # and none lives longer than this, however loaded the machine
OUTPUT_LIMIT = 1 << 20     # characters of the answer's own prints passed on
ISOLATE = True             # False: grade in this process even where a child could be made (tests, benchmarks)

EXIT_MEMORY = 3


def can_fork():
    """Can this platform grade in a child process?"""
    return ISOLATE and hasattr(os, "fork") and sys.platform not in ("emscripten", "wasi", "win32", "cygwin")


def run(exercise_id, work):
    """The Verdict that `work()` returns, computed where the answer cannot change this process."""
    display = progress.Display(exercise_id)
    try:
        if can_fork():
            return _in_child(exercise_id, work, display)
        return _in_process(work, display)
    finally:
        display.close()


# --- in this process (Pyodide) ---------------------------------------------------------

def _in_process(work, display):
    saved = _snapshot()
    old = progress.send_to(display)
    try:
        return work()
    finally:
        progress.send_to(old)
        _restore(saved)


def _migsim_modules():
    return [m for name, m in list(sys.modules.items())
            if m is not None and (name == "migsim" or name.startswith("migsim."))]


def _classes(module):
    return [v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__]


def _snapshot():
    """What an answer could change in this process and that later grades read."""
    from . import EXERCISES
    modules = {m: dict(vars(m)) for m in _migsim_modules()}
    classes = {cls: dict(vars(cls)) for m in modules if m.__name__.startswith(__package__)
               for cls in _classes(m)}
    from ..machine import Kernel
    classes[Kernel] = dict(vars(Kernel))
    exercises = {ex: {k: (v, list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else None)
                      for k, v in vars(ex).items()} for ex in EXERCISES.values()}
    return modules, classes, exercises


def _restore(saved):
    modules, classes, exercises = saved
    for module, names in modules.items():
        now = vars(module)
        for name, value in names.items():
            if now.get(name, _restore) is not value:
                now[name] = value
        if module.__name__.startswith(__package__):
            for name in set(now) - set(names):
                del now[name]
    for cls, names in classes.items():
        now = vars(cls)
        for name, value in names.items():
            if name not in ("__dict__", "__weakref__") and now.get(name, _restore) is not value:
                type.__setattr__(cls, name, value)
        for name in set(now) - set(names):
            type.__delattr__(cls, name)
    for ex, names in exercises.items():
        now = vars(ex)
        for name, (value, contents) in names.items():
            now[name] = value
            if isinstance(value, list):
                value[:] = contents
            elif isinstance(value, dict):
                value.clear()
                value.update(contents)
        for name in set(now) - set(names):
            del now[name]


# --- in a child process -----------------------------------------------------------------

def _in_child(exercise_id, work, display):
    r, w = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)   # 3.12+: fork in a process with threads (a kernel)
        pid = os.fork()
    if pid == 0:                                             # the child: never returns
        os.close(r)
        _child(w, work)
    os.close(w)
    parent = _Parent(exercise_id, pid, display)
    try:
        parent.wait(r)
    except BaseException:                                    # KeyboardInterrupt: the child goes too
        parent.kill()
        raise
    finally:
        parent.reap()
        os.close(r)
    return parent.verdict()


def _child(w, work):
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)      # an interrupt ends the child at once
        _set_limits()
        send = _sender(w)
        sys.stdout, sys.stderr = _Stream(send, "out"), _Stream(send, "err")
        sys.stdin = io.StringIO("")
        builtins.input = _no_input
        _mute_display()
        progress.send_to(lambda *report: send({"progress": list(report)}))
        try:
            message = {"verdict": work().to_data()}
        except MigsimError as e:
            message = {"error": str(e)}
        except MemoryError:
            raise
        except BaseException:
            message = {"crash": traceback.format_exc()}
        send(message)
    except MemoryError:
        code = EXIT_MEMORY
    except BaseException:
        code = 4
    finally:
        os._exit(code)


def _set_limits():
    try:
        import resource
    except ImportError:
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))       # SIGXCPU would dump the kernel's whole memory
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = CPU_LIMIT_S if hard == resource.RLIM_INFINITY else min(CPU_LIMIT_S, hard)
    # the child's CPU time starts at zero; SIGXCPU at the soft limit, SIGKILL one second later
    resource.setrlimit(resource.RLIMIT_CPU, (int(want), int(want) + 1 if hard == resource.RLIM_INFINITY
                                             else hard))
    size = _address_space()
    if size is not None:
        limit = size + MEMORY_LIMIT_MB * 2**20
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard == resource.RLIM_INFINITY or limit < hard:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _address_space():
    """Bytes of address space this process uses now (Linux), or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _sender(w):
    def send(message):
        data = (json.dumps(message) + "\n").encode()
        while data:
            data = data[os.write(w, data):]
    return send


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr of the child: what the answer prints goes to the parent."""

    def __init__(self, send, name):
        self.send, self.name = send, name

    def writable(self):
        return True

    def write(self, text):
        if text:
            self.send({self.name: str(text)})
        return len(text)


def _no_input(prompt=""):
    raise EOFError("no input while grading")


def _mute_display():
    """IPython's display() would send to the kernel's sockets: in the child it shows nothing."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and getattr(shell, "display_pub", None) is not None:
        shell.display_pub.publish = lambda *args, **kwargs: None


class _Parent:
    """The parent's side: read the child's messages, watch its CPU time, make its verdict."""

    def __init__(self, exercise_id, pid, display):
        self.exercise_id, self.pid, self.display = exercise_id, pid, display
        self.started = time.monotonic()
        self.buffer, self.printed = b"", 0
        self.result = None
        self.total = 0                        # from the latest progress report
        self.killed = None                    # why the parent killed the child
        self.status = None
        self.cpu, self.cpu_since = -1.0, self.started

    def wait(self, r):
        """Read messages until the child has ended, or kill it when the watchdog says so."""
        reading = [r]
        while self.status is None:
            ready, _, _ = select.select(reading, [], [], 0.2 if reading else 0.01)
            if ready:
                chunk = os.read(r, 1 << 16)
                if chunk:
                    self._feed(chunk)
                else:
                    reading = []              # the child closed its end: it is ending (or must be ended)
            if not reading:
                done, status = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.status = status
                    return
            self.display.tick()
            self.killed = self._watchdog()
            if self.killed is not None:
                self.kill()
                return

    def kill(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def _feed(self, chunk):
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                continue                      # not ours: something wrote raw bytes to our pipe
            if isinstance(message, dict) and len(message) == 1:
                self._handle(*message.items())

    def _handle(self, item):
        kind, value = item
        if kind in ("out", "err") and isinstance(value, str):
            if self.printed < OUTPUT_LIMIT:
                text = value[:OUTPUT_LIMIT - self.printed]
                self.printed += len(text)
                (sys.stdout if kind == "out" else sys.stderr).write(text)
                if self.printed >= OUTPUT_LIMIT:
                    sys.stdout.write("\n(the rest of what your code printed is left out)\n")
        elif kind == "progress" and isinstance(value, list) and len(value) == 4:
            try:
                self.total = int(value[3])
                self.display(*value)
            except (TypeError, ValueError):
                pass
        elif kind in ("verdict", "error", "crash"):
            self.result = (kind, value)

    def _watchdog(self):
        """Why the child must be killed now, or None."""
        now = time.monotonic()
        if now - self.started > WALL_LIMIT_S:
            return f"ran longer than {WALL_LIMIT_S} s"
        cpu, state = _cpu_and_state(self.pid)
        if cpu is None:
            return None
        if cpu > CPU_LIMIT_S + 2:
            return f"used more than {CPU_LIMIT_S} s of CPU time"
        if cpu != self.cpu or state not in ("S", "D", "T", "t"):
            self.cpu, self.cpu_since = cpu, now
        elif now - self.cpu_since > STALL_S:
            return f"waited {STALL_S} s without running (time.sleep? input()?)"
        return None

    def reap(self):
        if self.status is None:
            try:
                _, self.status = os.waitpid(self.pid, 0)
            except ChildProcessError:
                self.status = 0

    def verdict(self):
        if self.result is not None:
            kind, value = self.result
            if kind == "verdict":
                return Verdict.from_data(value)
            if kind == "error":
                raise MigsimError(str(value))
            raise RuntimeError(f"the grader of exercise {self.exercise_id} failed (not your answer's fault; "
                               f"please report it):\n{value}")
        if self.killed is not None:
            return self._problem(f"stopped: your code {self.killed}")
        if os.WIFSIGNALED(self.status):
            sig = os.WTERMSIG(self.status)
            if sig == signal.SIGINT:
                raise KeyboardInterrupt
            if sig in (signal.SIGXCPU, signal.SIGKILL):
                return self._problem(f"stopped: your code used more than {CPU_LIMIT_S} s of CPU time; "
                                     f"does a loop never end?")
            return self._problem(f"the grade ended without a verdict (signal {signal.Signals(sig).name})")
        code = os.WEXITSTATUS(self.status) if os.WIFEXITED(self.status) else self.status
        if code == EXIT_MEMORY:
            return self._problem(f"stopped: your code used more than {MEMORY_LIMIT_MB} MB of memory")
        return self._problem(f"the grade ended without a verdict (exit status {code}): did your code end it?")

    def _problem(self, text):
        return Verdict(self.exercise_id, [], self.total, problem=text)


def _cpu_and_state(pid):
    """(CPU seconds, state letter) of process `pid` from /proc (Linux), or (None, None)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None, None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks, fields[0]
