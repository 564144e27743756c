"""A task's call as the stepper writes it: addresses in hex, flags by name, never cut mid-bracket.

`k.start(fn, *args)` keeps the call on the task (``task.call``: function
name and arguments); `call_text` writes it as a C programmer would read it,
``move_pages(100, [0x40000000, 0x40001000], [1, 1], status, MPOL_MF_MOVE_ALL)``,
and within `width` characters by eliding whole list items, then whole
arguments before the last one (elided ones are ``…``), so that every
bracket it opens it closes.
"""

from ..include.asm_i386 import mman
from ..include.linux import mempolicy


def _names(module, prefix, skip=()):
    """[(value, name)] of the flag constants `prefix`* of a header module, highest bit first."""
    found = [(v, n) for n, v in vars(module).items()
             if n.startswith(prefix) and isinstance(v, int) and n not in skip]
    return sorted(found, reverse=True)


MPOL_MF = _names(mempolicy, "MPOL_MF_", skip=("MPOL_MF_INTERNAL",))
MPOL_MODES = {v: n for v, n in _names(mempolicy, "MPOL_", skip=("MPOL_MAX", "MPOL_MF_INTERNAL"))
              if not n.startswith("MPOL_MF_")}
PROT = _names(mman, "PROT_")


def flag_names(value, names, none="0"):
    """`value` as NAME|NAME (lowest bit first; bits no header names stay in hex); `none` for 0."""
    if not isinstance(value, int) or isinstance(value, bool):
        return repr(value)
    if value == 0:
        return none
    parts, left = [], value
    for bit, name in sorted(names):
        if bit and left & bit == bit:
            parts.append(name)
            left &= ~bit
    if left:
        parts.append(f"0x{left:x}")
    return "|".join(parts)


def _addr(v):
    return f"0x{v:08x}" if isinstance(v, int) and not isinstance(v, bool) else repr(v)


def _nodes(v):
    if isinstance(v, (set, frozenset)):
        v = sorted(v)
    return _items(v, repr) if isinstance(v, (list, tuple)) else repr(v)


def _items(v, one):
    """A list argument as its items' texts (`call_text` cuts it by whole items)."""
    return [one(x) for x in v]


def _prot(v):
    return repr(v) if isinstance(v, str) else flag_names(v, PROT, none="PROT_NONE")


def _mode(v):
    return repr(v) if isinstance(v, str) else MPOL_MODES.get(v, repr(v))


def _flags(v):
    return flag_names(v, MPOL_MF)


def _status(v):
    return "NULL" if v is None else "status"        # the array the call fills: C passes a pointer


def _plain(v):
    """Any other argument: its repr, a large int (an address, a size) in hex."""
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0x10000:
        return f"0x{v:x}"
    if isinstance(v, (bytes, bytearray)) and len(v) > 16:
        return repr(bytes(v[:12]))[:-1] + "…'"
    if isinstance(v, (set, frozenset)):
        return _items(sorted(v), _plain)
    if isinstance(v, (list, tuple)):
        return _items(v, _plain)
    text = repr(v)
    return text if len(text) <= 24 or text[:1] not in "<'\"" else text[:20] + "…" + text[-1]


def plain_arg(v):
    """A value as `call_text` writes an argument it knows nothing about (lists and sets whole)."""
    text = _plain(v)
    return f"[{', '.join(text)}]" if isinstance(text, list) else text


def _addrs(v):
    return _items(v, _addr) if isinstance(v, (list, tuple)) else _addr(v)


# Call name -> how each positional argument reads (by the parameter's meaning), and keyword ones by name.
_ARGS = {
    "sys_migrate_pages": (_plain, _nodes, _nodes),
    "migrate_pages": (_plain, _nodes, _nodes),
    "sys_move_pages": (_plain, _addrs, _nodes, _status, _flags),
    "move_pages": (_plain, _addrs, _nodes, _status, _flags),
    "sys_mbind": (_addr, _plain, _mode, _nodes, _flags),
    "mbind": (_addr, _plain, _mode, _nodes, _flags),
    "sys_mprotect": (_addr, _plain, _prot),
    "mprotect": (_addr, _plain, _prot),
    "read": (_addr, _plain),
    "write": (_addr, _plain),
    "munmap": (_addr, _plain),
    "mmap": (_plain, _plain, _plain, _prot, _plain),
}
_KWARGS = {"flags": _flags, "prot": _prot, "mode": _mode, "nodes": _nodes, "status": _status,
           "pages": _addrs, "addr": _addr, "start": _addr}


def _parts(name, args, kwargs):
    """Each argument as text, or as a list of item texts (a list argument)."""
    kinds = _ARGS.get(name, ())
    out = [(kinds[i] if i < len(kinds) else _plain)(a) for i, a in enumerate(args)]
    out += [(key, _KWARGS.get(key, _plain)(v)) for key, v in kwargs.items()]
    return out


def _join(parts, keep_items, keep_args):
    """The argument list with lists cut to `keep_items` items, and only the first `keep_args` arguments
    and the last one (a call's flags, mostly) when `keep_args` leaves some out."""
    texts = []
    for part in parts:
        key, value = part if isinstance(part, tuple) else (None, part)
        if isinstance(value, list):
            shown = value if len(value) <= keep_items else value[:keep_items] + [f"…+{len(value) - keep_items}"]
            value = f"[{', '.join(shown)}]"
        texts.append(f"{key}={value}" if key else value)
    if keep_args + 1 < len(texts):
        texts = texts[:keep_args] + ["…"] + texts[-1:] if keep_args else ["…"]
    return ", ".join(texts)


def call_text(name, args=(), kwargs=None, comm=None, width=None):
    """`comm.name(args)` with readable arguments, at most `width` characters if it can be (None: whole)."""
    head = f"{comm}.{name}" if comm else name
    parts = _parts(name, tuple(args), dict(kwargs or {}))
    lists = [p[1] if isinstance(p, tuple) else p for p in parts]
    longest = max((len(v) for v in lists if isinstance(v, list)), default=0)
    tries = [(n, len(parts)) for n in range(longest - 1, 0, -1)]
    tries += [(1, n) for n in range(len(parts) - 2, -1, -1)]
    text = f"{head}({_join(parts, longest, len(parts))})"
    for keep_items, keep_args in tries:
        if width is None or len(text) <= width:
            break
        text = f"{head}({_join(parts, keep_items, keep_args)})"
    return text


def task_call(task, width=None):
    """The call task `task` runs, as `call_text` writes it (its own name if it keeps no call)."""
    call = getattr(task, "call", None)
    if call is None:
        return task.name
    name, args, kwargs = call
    comm = task.current.comm if task.current is not task.k.init else None
    return call_text(name, args, kwargs, comm, width)
