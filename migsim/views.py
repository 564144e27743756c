"""Text views of the machine: decoded ptes, pages, and the whole-machine dump.

Everything here only reads the model. Formats follow the kernel's habits:
ptes as 0x%08x with their bits named, page flags as a hex word plus names,
vmas as in /proc/PID/maps.
"""

from .include.asm_i386 import pgtable as pg
from .include.linux.buffer_head import page_buffers
from .include.linux.mm import PageAnon
from .include.linux.page_flags import PagePrivate, PageSwapCache, format_flags
from .include.linux.pgtable_walk import ptes_in_range
from .include.linux.swapops import pte_to_swp_entry, swp_offset, swp_type


class PteView:
    """A decoded pte: `.value` is the i386 integer; the rest is read from it."""

    def __init__(self, value, k):
        self.value = value
        self.present = pg.pte_present(value) and not value & pg._PAGE_PROTNONE
        self.none = value == 0
        self.write = self.present and pg.pte_write(value)
        self.user = self.present and bool(value & pg._PAGE_USER)
        self.young = self.present and pg.pte_young(value)
        self.dirty = self.present and pg.pte_dirty(value)
        self.pfn = pg.pte_pfn(value) if self.present else None
        self.protnone = bool(value & pg._PAGE_PROTNONE) and not value & pg._PAGE_PRESENT
        self.swap = not self.none and not pg.pte_present(value) and not pg.pte_file(value)
        entry = pte_to_swp_entry(value) if self.swap else None
        self.swp_entry = entry
        self.swp_type = swp_type(entry) if self.swap else None
        self.swp_offset = swp_offset(entry) if self.swap else None
        self.migration = bool(self.swap and hasattr(k, "is_migration_entry") and k.is_migration_entry(entry))
        self.migration_write = bool(self.migration and k.is_write_migration_entry(entry))

    def kind(self):
        if self.none:
            return "none"
        if self.present:
            return "present"
        if self.protnone:
            return "protnone"
        if self.migration:
            return "migration-write" if self.migration_write else "migration-read"
        return "swap" if self.swap else "file"

    def __str__(self):
        return format_pte(self.value, self)

    def __repr__(self):
        return f"<pte {self}>"


def format_pte(value, view=None):
    """'0x0001a067 present|rw|user|accessed|dirty pfn=0x1a' or the swap/migration form."""
    if value == 0:
        return "0x00000000 none"
    if pg.pte_present(value):
        bits = "|".join(pg.pte_bits(value)) or "protnone"
        return f"0x{value:08x} {bits} pfn=0x{pg.pte_pfn(value):x}"
    if pg.pte_file(value):
        return f"0x{value:08x} file"
    entry = pte_to_swp_entry(value)
    kind = "swap"
    if view is not None and view.migration:
        kind = "migration write" if view.migration_write else "migration read"
        return f"0x{value:08x} {kind} entry 0x{entry:08x} pfn=0x{swp_offset(entry):x}"
    return f"0x{value:08x} {kind} entry 0x{entry:08x} type={swp_type(entry)} offset={swp_offset(entry)}"


def page_behind(k, value):
    """The struct page a present pte maps, else None."""
    if pg.pte_present(value) and not value & pg._PAGE_PROTNONE:
        return k.pfn_to_page(pg.pte_pfn(value))
    return None


def describe_mapping(page):
    m = page.mapping
    if m is None:
        return "-"
    if PageAnon(page):
        return f"anon_vma#{m.id}"
    return f"file {m.name}"


def describe_page(page):
    """One line per struct page, as a bad-page report would list it."""
    extra = ""
    if PageSwapCache(page):
        extra = f" swap=0x{page.private:08x}"
    elif PagePrivate(page) and page.private:
        extra = f" buffers={len(page_buffers(page))}"
    return (f"pfn 0x{page.pfn:04x} node {page.node} count {page._count} page_mapcount {page._mapcount + 1} "
            f"flags {format_flags(page.flags)} mapping {describe_mapping(page)} index {page.index}{extra}")


def dump_nodes(k):
    lines = []
    for z in k.nodes:
        lines.append(f"node {z.nid}: pfn 0x{z.start_pfn:x}-0x{z.start_pfn + z.nr_frames - 1:x}, "
                     f"{z.nr_free} free, active {len(z.active_list)}, inactive {len(z.inactive_list)}")
        free = set(z.free)
        for page in z.pages:
            if page.pfn not in free:
                lines.append("  " + describe_page(page))
    return lines


def dump_process(k, p):
    lines = [f"process {p.pid} {p.comm} uid {p.uid} node {p.node}"
             + (f" rss anon {p.mm.anon_rss} file {p.mm.file_rss}" if p.mm else " (exited)")]
    if p.mm is None:
        return lines
    for vma in p.mm.mmap:
        lines.append("  " + vma.describe())
        for addr, pte in ptes_in_range(p.mm, vma.vm_start, vma.vm_end):
            lines.append(f"    {addr:08x}: {PteView(pte, k)}")
    return lines


def dump_swap(k):
    lines = []
    for si in k.swap_info[:k.nr_swapfiles]:
        lines.append(repr(si))
        used = [f"{off}:{c}" for off, c in enumerate(si.swap_map) if off and c]
        if used:
            lines.append("  slots " + " ".join(used))
    cache = sorted(k.swapper_space.page_tree.items())
    if cache:
        lines.append("swap cache " + " ".join(f"0x{e:08x}->pfn 0x{p.pfn:x}" for e, p in cache))
    return lines


def dump_files(k):
    lines = []
    for name, inode in sorted(k.files.items()):
        cache = " ".join(f"{i}->0x{p.pfn:x}" for i, p in sorted(inode.i_mapping.page_tree.items()))
        lines.append(f"file {name} ({inode.fs.name}, {inode.npages} pages): cache [{cache}]")
        if inode.i_mapping.private_list:
            lines.append("  own dirty list " + " ".join(f"0x{p.pfn:x}" for p in inode.i_mapping.private_list))
    return lines


def dump(k):
    """The whole machine as text: same machine, same text."""
    lines = [f"migsim {k.STEP.badge()}", repr(k)]
    lines += dump_nodes(k)
    lines += dump_swap(k)
    lines += dump_files(k)
    for pid in sorted(k.tasks_by_pid):
        lines += dump_process(k, k.tasks_by_pid[pid])
    for t in k.tasks:
        lines.append(repr(t))
    if k.schedule:
        lines.append(f"schedule {k.schedule}")
    lines += [f"dmesg: {line}" for line in k.dmesg[-10:]]
    return "\n".join(lines)
