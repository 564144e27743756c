"""The two kinds of failure, kept apart.

* `KernelBug` — the *simulated kernel* went wrong: a ``BUG_ON`` fired, an
  oops, memory corruption found by `Kernel.check()`. Worded like the kernel.
* `MigsimError` (a `ValueError`) — the *user of the simulator* made a mistake:
  an unknown patch id, a node that does not exist, an unmapped address. It
  names the bad value and what was expected, and it is raised before anything
  in the machine changes.

`SegmentationFault` is what a simulated process gets for touching memory it
has not mapped (or may not access); it too leaves the machine unchanged.
"""


class KernelBug(Exception):
    """A simulated kernel bug: BUG_ON, an oops, or a broken invariant."""

    def __init__(self, message, kfile=None):
        self.kfile = kfile
        text = f"kernel BUG at {kfile}! {message}" if kfile else message
        super().__init__(text)


class BadPageState(KernelBug):
    """An invariant of the machine does not hold (found by Kernel.check())."""

    def __init__(self, message):
        super().__init__(f"Bad page state: {message}")


class MemoryCorruption(KernelBug):
    """Kernel memory was overwritten where it must not be (found by Kernel.check())."""

    def __init__(self, message):
        super().__init__(f"kernel memory corruption: {message}")


class Deadlock(KernelBug):
    """A kernel path waits for something that nothing can ever release."""


class MigsimError(ValueError):
    """A mistake in using the simulator; the machine is left unchanged."""


class UnknownStep(MigsimError):
    """A patch-series id that does not exist."""


class TaskError(MigsimError):
    """A task cannot be stepped (finished, blocked, or unknown)."""


class WouldBlock(MigsimError):
    """A direct call would have to wait for a paused task."""


class SegmentationFault(Exception):
    """A simulated process touched an address it may not touch (SIGSEGV)."""


class OutOfMemory(Exception):
    """No free frame on any node, even after reclaim (the OOM killer's case)."""


def bad_value(what, value, expected):
    """A MigsimError that names the bad value and what was expected."""
    return MigsimError(f"bad {what}: {value!r} (expected {expected})")


def int_range(lo=None, hi=None):
    """'an int in 0..7', 'an int >= 1', 'an int <= 9' or 'an int' (None: no bound)."""
    if lo is not None and hi is not None:
        return f"an int in {lo}..{hi}"
    if lo is not None:
        return f"an int >= {lo}"
    return "an int" if hi is None else f"an int <= {hi}"


def check_bool(what, value):
    """Return `value` if it is True or False, else raise MigsimError (1 and "yes" are not flags here)."""
    if not isinstance(value, bool):
        raise bad_value(what, value, "True or False")
    return value


def check_int(what, value, lo=None, hi=None):
    """Return `value` if it is an int in [lo, hi] (None: no bound), else raise MigsimError."""
    if (not isinstance(value, int) or isinstance(value, bool)
            or (lo is not None and value < lo) or (hi is not None and value > hi)):
        raise bad_value(what, value, int_range(lo, hi))
    return value
