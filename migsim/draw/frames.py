"""What a picture shows of a frame (state, kind, owner, users, band), read from the model."""

from matplotlib.patches import Rectangle

from ..errors import MigsimError, bad_value
from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import PageAnon
from ..include.linux.page_flags import PageLocked, PageSwapCache
from ..include.linux.pgtable_walk import ptes_in_range
from ..machine import Kernel
from ..process import Process
from ..views import PteView
from .style import PALETTE, STYLE


def check_kernel(k):
    """`k` if it is a Kernel, else a MigsimError (a picture is drawn from the whole machine)."""
    if not isinstance(k, Kernel):
        hint = "; a process's page table is draw_page_table(k, p)" if isinstance(k, Process) else ""
        raise bad_value("kernel", k, f"a migsim.Kernel{hint}")
    return k


def check_process(k, p):
    """`p` if it is a process of kernel `k`, else a MigsimError."""
    check_kernel(k)
    if not isinstance(p, Process) or p.k is not k:
        hint = f"; k.process({p}) is the process with that pid" if type(p) is int else ""
        raise bad_value("process", p, f"a process of this kernel{hint}")
    if p.exit_state or p.mm is None:
        raise bad_value("process", p, "a live process (an exited one has no page table)")
    return p


def check_size(n, most, unit, what):
    """A MigsimError if a picture would show `n` `unit`s where `most` are readable (and quick to draw)."""
    if n > most:
        raise MigsimError(f"too big to draw: {what} has {n} {unit} (expected at most {most} {unit} "
                          f"in a picture; print(k.dump()) shows the machine as text)")


def _live_processes(k):
    """The processes with an address space, by pid."""
    return [k.tasks_by_pid[pid] for pid in sorted(k.tasks_by_pid) if k.tasks_by_pid[pid].mm is not None]


def _ptes(k, p):
    """(address, PteView) for every non-none pte of `p`, in address order."""
    if p.mm is None:
        return []
    return [(addr, PteView(value, k)) for vma in p.mm.mmap
            for addr, value in ptes_in_range(p.mm, vma.vm_start, vma.vm_end)]


def frame_users(k):
    """pfn -> pids whose ptes refer to that frame (present, swap entry of its swap cache, or migration)."""
    users = {}
    by_entry = {page.private: page.pfn for page in k.mem_map if PageSwapCache(page)}
    for p in _live_processes(k):
        for _, v in _ptes(k, p):
            if v.present or v.protnone:
                pfn = pg.pte_pfn(v.value)
            elif v.migration:
                pfn = v.swp_offset
            elif v.swap:
                pfn = by_entry.get(v.swp_entry)
            else:
                pfn = None
            if pfn is not None and p.pid not in users.setdefault(pfn, []):
                users[pfn].append(p.pid)
    return users


def migrating_pfns(k):
    """The frames some migration entry points at."""
    return {v.swp_offset for p in _live_processes(k) for _, v in _ptes(k, p) if v.migration}


def frame_state(page, free, migrating=frozenset()):
    """The state of a frame, a key of PALETTE (most telling first)."""
    if page.pfn in free:
        return "free"
    if page.pfn in migrating:
        return "migration"
    if PageLocked(page):
        return "locked"
    return frame_kind(page)


def frame_kind(page):
    """What an allocated frame holds, whether locked or not: swapcache, anon, file or kernel."""
    if PageSwapCache(page):
        return "swapcache"
    if PageAnon(page):
        return "anon"
    if page.mapping is not None:
        return "file"
    return "kernel"


def frame_owner(page, state, users):
    """Short text naming a frame's owner: its file's name, else the pids mapping it ('' if none)."""
    if state == "free":
        return ""
    if page.mapping is not None and not PageAnon(page):
        return page.mapping.name
    pids = [str(pid) for pid in users.get(page.pfn, [])]
    return "\n".join(pids) if len(pids) <= 3 else f"{pids[0]}\n+{len(pids) - 1} more"


def _states(k):
    """pfn -> state of every frame of the machine."""
    free = {pfn for zone in k.nodes for pfn in zone.free}
    migrating = migrating_pfns(k)
    return {page.pfn: frame_state(page, free, migrating) for page in k.mem_map}


def band_kind(page, state):
    """What the band of a locked frame (or one under migration) shows: a PALETTE key, or None."""
    kind = frame_kind(page)
    return kind if state in ("locked", "migration") and kind != "kernel" else None


def _band(ax, page, state, x, y, w, h, gid):
    """A locked frame (or one under migration) shows what it holds as a band along its bottom."""
    kind = band_kind(page, state)
    if kind is not None:
        ax.add_patch(Rectangle((x, y), w, h * 0.3, facecolor=PALETTE[kind], edgecolor=STYLE["edge"],
                               linewidth=0.4, gid=gid, zorder=1.5))


def _fit(text, width=None):
    """`text` cut to `width` characters per line (default STYLE['label_chars'])."""
    width = width or STYLE["label_chars"]
    return "\n".join(line if len(line) <= width else line[:width - 1] + "…" for line in text.split("\n"))
