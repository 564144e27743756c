"""The user-space side of system calls: checking and converting arguments.

A real process passes raw words and the kernel answers bad ones with an
errno. The simulator's users pass Python values; a value that could not
even be expressed as the syscall's arguments (a node that does not exist,
a string where a pid goes) is a mistake in using the simulator and raises a
MigsimError before the kernel is entered. Everything the kernel itself
checks is left to the kernel and answered with -errno.
"""

from .errors import MigsimError, bad_value, check_int
from .kernel.module import Module


def check_comm(comm):
    """`comm` if the kernel could hold it as a process name (TASK_COMM_LEN is 16: at most 15 characters)."""
    if not isinstance(comm, str) or not comm or len(comm) > 15:
        raise bad_value("comm (process name)", comm, "a non-empty string of at most 15 characters")
    return comm


def nodemask(k, what, nodes):
    """A frozenset of node ids from an iterable of ints that name existing nodes."""
    if isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
        raise bad_value(what, nodes, f"a list of node ids in 0..{len(k.nodes) - 1}")
    nodes = list(nodes)
    if not nodes:
        raise bad_value(what, nodes, f"at least one node id in 0..{len(k.nodes) - 1}")
    for n in nodes:
        check_int(f"node in {what}", n, 0, len(k.nodes) - 1)
    if len(set(nodes)) != len(nodes):
        raise bad_value(what, nodes, "each node listed once")
    return frozenset(nodes)


def migrate_pages_args(k, pid, old_nodes, new_nodes):
    """sys_migrate_pages(pid, old_nodes, new_nodes)'s arguments, checked: node lists become node masks."""
    check_int("pid", pid, 0, None)
    return (pid, nodemask(k, "old_nodes", old_nodes), nodemask(k, "new_nodes", new_nodes)), {}


def move_pages_args(k, pid, pages, nodes, status, flags=0):
    """sys_move_pages' arguments, checked.

    pages: addresses; nodes: None or one int per page; status: None (NULL) or a list to fill.
    """
    check_int("pid", pid, 0, None)
    if isinstance(pages, (str, bytes)) or not hasattr(pages, "__iter__"):
        raise bad_value("pages", pages, "a list of addresses")
    pages = list(pages)
    for a in pages:
        check_int("address in pages", a, 0, 0xFFFFFFFF)
    if nodes is not None:
        if isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
            raise bad_value("nodes", nodes, "a list of node ids, one per page (or None to ask only)")
        nodes = list(nodes)
        if len(nodes) != len(pages):
            raise bad_value("nodes", nodes, f"one node per page ({len(pages)})")
        for n in nodes:
            check_int("node in nodes", n, -(1 << 31), (1 << 31) - 1)
    if status is not None and (not isinstance(status, list) or len(status) != len(pages)):
        raise bad_value("status", status, f"a list of {len(pages)} items for the call to fill (or None)")
    check_int("flags", flags, 0, 0xFFFFFFFF)
    return (pid, pages, nodes, status, flags), {}


def swapon_args(k, nr_slots, prio=-1):
    """sys_swapon(nr_slots, prio)'s arguments, checked."""
    check_int("nr_slots (swap area size in pages)", nr_slots, 1, (1 << 24) - 2)
    check_int("prio", prio, -1, 32767)
    return (nr_slots, prio), {}


def mbind_args(k, start, length, mode, nodes, flags=0):
    """sys_mbind(start, len, mode, nodes, flags)'s arguments, checked: `nodes` becomes a node mask (empty for none)."""
    check_int("start", start, 0, 0xFFFFFFFF)
    check_int("len", length, 0, 0xFFFFFFFF)
    check_int("mode", mode, 0, 3)
    check_int("flags", flags, 0, 0xFFFFFFFF)
    if nodes is None:
        mask = frozenset()
    elif isinstance(nodes, (str, bytes)) or not hasattr(nodes, "__iter__"):
        raise bad_value("nodes", nodes, f"a list of node ids in 0..{len(k.nodes) - 1} (or none)")
    else:
        nodes = list(nodes)
        mask = nodemask(k, "nodes", nodes) if nodes else frozenset()
    return (start, length, mode, mask, flags), {}


def mprotect_args(k, start, length, prot):
    """sys_mprotect(start, len, prot)'s arguments, checked: `prot` becomes PROT_* bits."""
    check_int("start", start, 0, 0xFFFFFFFF)
    check_int("len", length, 0, 0xFFFFFFFF)
    return (start, length, prot_bits(prot)), {}


def prot_bits(prot):
    """PROT_* bits from an int or a string such as "rw", "r", "rwx" or ""."""
    if isinstance(prot, str):
        if set(prot) - set("rwx") or len(set(prot)) != len(prot):
            raise bad_value("prot", prot, 'letters from "rwx", e.g. "rw" or "r" ("" for none)')
        return (1 if "r" in prot else 0) | (2 if "w" in prot else 0) | (4 if "x" in prot else 0)
    return check_int("prot", prot, 0, 7)


def init_module_args(k, mod):
    """sys_init_module(mod)'s argument, checked."""
    if not isinstance(mod, Module):
        raise bad_value("module", mod, "a migsim.kernel.module.Module")
    return (mod,), {}


ARGUMENTS = {   # system call -> the function that checks and converts its arguments
    "sys_init_module": init_module_args, "sys_migrate_pages": migrate_pages_args,
    "sys_move_pages": move_pages_args, "sys_swapon": swapon_args, "sys_mbind": mbind_args,
    "sys_mprotect": mprotect_args}


def convert(k, name, args, kwargs):
    """(args, kwargs) for kernel syscall `name`, or MigsimError."""
    check = ARGUMENTS.get(name)
    if check is None:
        return args, kwargs
    try:
        return check(k, *args, **kwargs)
    except TypeError as e:
        raise MigsimError(f"{name}: {e}") from None
