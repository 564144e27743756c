"""Decode a pte, a swap entry, a migration entry: each taken from a machine the seed built.

The machine is real (a Kernel at the problem's step, seeded), the pte is
read out of a process's page table, and every answer is worked out from
the bits by the i386 helpers (pgtable-2level.h, swapops.h), with the
reasoning a student would write.
"""

from ..include.asm_i386 import pgtable as pg
from ..include.linux.mm import VM_SHARED, VM_WRITE, page_mapcount
from ..include.linux.page_flags import PageLocked
from ..include.linux.pgtable_walk import ptes_in_range
from ..include.linux.swapops import SWP_TYPE_SHIFT, pte_to_swp_entry, swp_offset, swp_type
from ..machine import Kernel
from ..views import PteView, describe_page
from .problem import Problem, Question, choose_step, rng_for, steps_from, yes

PAGE = pg.PAGE_SIZE
COMMS = ("gcc", "make", "vim", "sh", "cc1", "ld")
BITS = ((pg._PAGE_PRESENT, "_PAGE_PRESENT", "present"), (pg._PAGE_RW, "_PAGE_RW", "rw"),
        (pg._PAGE_USER, "_PAGE_USER", "user"), (pg._PAGE_ACCESSED, "_PAGE_ACCESSED", "accessed"),
        (pg._PAGE_DIRTY, "_PAGE_DIRTY", "dirty"))

PTE_STEPS = steps_from("v2.6.16")
SWAP_STEPS = steps_from("v2.6.16")
# Migration builds entries from swapless-core on (at migration-entries it still goes through swap).
MIGRATION_STEPS = steps_from("swapless-core")


def _workload(k, rng):
    """A process with a few anonymous pages, each touched its own way; maybe a forked child."""
    p = k.spawn(rng.choice(COMMS), node=rng.randrange(2))
    n = rng.randint(3, 5)
    a = p.mmap(n)
    how = [rng.choice(("write", "read", "write", "read-only")) for _ in range(n)]
    for i, h in enumerate(how):
        if h == "read":
            p.read(a + i * PAGE, 1)
        else:
            p.write(a + i * PAGE, b"page %d of %s" % (i, p.comm.encode()))
    for i, h in enumerate(how):
        if h == "read-only":
            p.mprotect(a + i * PAGE, 1, "r")
    child = p.fork() if rng.random() < 0.5 else None
    writable = [i for i, h in enumerate(how) if h != "read-only"]
    if child is not None and writable and rng.random() < 0.5:
        child.write(a + rng.choice(writable) * PAGE, b"the child's own")
    return p, child, a, n


def _all_ptes(k):
    """(process, address, pte value) of every pte of every live process, in pid order."""
    return [(p, addr, value) for p in sorted(k.tasks_by_pid.values(), key=lambda p: p.pid) if p.mm
            for vma in p.mm.mmap for addr, value in ptes_in_range(p.mm, vma.vm_start, vma.vm_end)]


def _vma(p, addr):
    return next(v for v in p.mm.mmap if v.vm_start <= addr < v.vm_end)


def _where(p, addr):
    return f"{p.comm} (pid {p.pid}) at 0x{addr:08x}"


def _shown(k, p, addr, value, extra=()):
    vma = _vma(p, addr)
    return [f"A machine at {k.STEP.id}: 2 nodes; node n's frames are pfn (n+1)*0x1000 on.",
            f"  vma of {p.comm}: {vma.describe()}", *extra, "",
            f"The pte of {_where(p, addr)}: 0x{value:08x}"]


def _bits_why(value):
    """The flag bits of a present pte, named."""
    flags = value & pg.FLAG_MASK
    named = [f"{name} 0x{bit:03x}" for bit, name, _ in BITS if value & bit]
    return (f"0x{value:08x} = pfn 0x{pg.pte_pfn(value):x} << 12 | flags 0x{flags:03x}; "
            f"flags 0x{flags:03x} = " + (" | ".join(named) or "none"))


def _rw_why(k, p, addr, value):
    vma, page = _vma(p, addr), k.pfn_to_page(pg.pte_pfn(value))
    if pg.pte_write(value):
        how = "a shared mapping's vm_page_prot has rw" if vma.vm_flags & VM_SHARED else \
            "a write fault set it (maybe_mkwrite), the vma being writable"
        return f"bit 1 (_PAGE_RW 0x002) is set: {how}"
    if not vma.vm_flags & VM_WRITE:
        return f"bit 1 (_PAGE_RW 0x002) is clear: the vma is {vma.perms()}, not writable (mprotect)"
    if page_mapcount(page) > 1:
        return (f"bit 1 (_PAGE_RW 0x002) is clear: copy-on-write, the page is mapped by "
                f"{page_mapcount(page)} ptes since fork; a write copies it first")
    return ("bit 1 (_PAGE_RW 0x002) is clear: a private vma's vm_page_prot (PAGE_COPY) has no rw, "
            "so only a write fault makes the pte writable (or the page was shared at fork)")


def pte(seed=0, at=None):
    """Decode a present pte of a process (i386, two-level): bits, frame, node."""
    rng = rng_for("pte", seed)
    at = choose_step(rng, at, PTE_STEPS, "pte")
    k = Kernel(at=at, nodes=2, frames_per_node=16, seed=seed)
    _workload(k, rng)
    p, addr, value = rng.choice([t for t in _all_ptes(k) if pg.pte_present(t[2])])
    page = k.pfn_to_page(pg.pte_pfn(value))
    facts = {"value": value, "present": True, "write": pg.pte_write(value), "dirty": pg.pte_dirty(value),
             "accessed": pg.pte_young(value), "user": bool(value & pg._PAGE_USER),
             "pfn": pg.pte_pfn(value), "node": page.node, "pid": p.pid, "address": addr}
    bits = _bits_why(value)
    qs = [Question("Is it present?", "yes", ("bit 0 (_PAGE_PRESENT 0x001) is set", bits)),
          Question("May the process write through it?", yes(facts["write"]), (_rw_why(k, p, addr, value),)),
          Question("Has it been written through (dirty)?", yes(facts["dirty"]),
                   (f"bit 6 (_PAGE_DIRTY 0x040) is {'set' if facts['dirty'] else 'clear'}: the CPU sets it "
                    "on a write through this pte",)),
          Question("Has it been used (accessed)?", yes(facts["accessed"]),
                   (f"bit 5 (_PAGE_ACCESSED 0x020) is {'set' if facts['accessed'] else 'clear'}: the CPU sets "
                    "it on any access; fork copies a pte into the child without it",)),
          Question("Which frame (pfn), on which node?", f"pfn 0x{facts['pfn']:x}, node {page.node}",
                   (f"pfn = 0x{value:08x} >> 12 = 0x{facts['pfn']:x}; node {page.node}'s frames start at "
                    f"pfn 0x{(page.node + 1) * 0x1000:x}", f"its struct page: {describe_page(page)}"))]
    return Problem("pte", seed, at, _shown(k, p, addr, value), qs, facts,
                   check=f"q.machine.pte(q.process, 0x{addr:08x})", machine=k, process=p)


def _swap_machine(k, rng):
    """Two or three swap areas (the first ones small, so pages spill into the next), then reclaim."""
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(1, 2))] + [16]
    types = [k.sys_swapon(n) for n in sizes]
    p, child, a, n = _workload(k, rng)
    k.reclaim(64)
    return types


def swap(seed=0, at=None):
    """Decode a swap pte: swap type, offset, the swp_entry_t, and who holds the slot."""
    rng = rng_for("swap", seed)
    at = choose_step(rng, at, SWAP_STEPS, "swap")
    k = Kernel(at=at, nodes=2, frames_per_node=16, seed=seed)
    _swap_machine(k, rng)
    all_ptes = _all_ptes(k)
    p, addr, value = rng.choice([t for t in all_ptes if PteView(t[2], k).swap])
    entry = pte_to_swp_entry(value)
    type_, offset = swp_type(entry), swp_offset(entry)
    si = k.swap_info[type_]
    holders = [t for t in all_ptes if t[2] == value]
    cached = k.swapper_space.page_tree.get(entry)
    facts = {"value": value, "present": False, "type": type_, "offset": offset, "entry": entry,
             "migration": False, "ptes": len(holders), "swap_map": si.swap_map[offset],
             "in_swap_cache": cached is not None, "pid": p.pid, "address": addr}
    held = ", ".join(f"{q.comm} (pid {q.pid})" for q, _, _ in holders)
    qs = [Question("Is it present?", "no",
                   (f"bit 0 (_PAGE_PRESENT) is clear, and bits 6 (_PAGE_FILE) and 7 (_PAGE_PROTNONE) "
                    f"too: 0x{value & 0xff:02x} in the low byte, so it is a swap pte",)),
          Question("Swap type (bits 1-5)?", str(type_),
                   (f"(0x{value:08x} >> 1) & 0x1f = {type_}: swap area {type_}, below MAX_SWAPFILES "
                    f"{k.MAX_SWAPFILES}, so a real swap area and no migration entry",
                    f"swap_info[{type_}]: {si!r}")),
          Question("Offset, the slot (bits 8-31)?", str(offset), (f"0x{value:08x} >> 8 = {offset}",)),
          Question("The swp_entry_t (swapops.h)?", f"0x{entry:08x}",
                   (f"type << {SWP_TYPE_SHIFT} | offset = {type_} << {SWP_TYPE_SHIFT} | {offset} "
                    f"= 0x{entry:08x}",)),
          Question("References its slot holds (swap_map)?", str(si.swap_map[offset]),
                   (f"swap_info[{type_}].swap_map[{offset}]: one per pte that holds the entry ({len(holders)}: {held})"
                    + (", and one for the page in the swap cache" if cached is not None else
                       "; no page is in the swap cache for it"),))]
    return Problem("swap", seed, at, _shown(k, p, addr, value, (f"  swap areas: {k.nr_swapfiles}",)),
                   qs, facts, check="print(q.machine.dump())    # the swap section lists each area's slots",
                   machine=k, process=p)


def _migrating(k, rng):
    """A workload, and root's migration of it stopped once the n-th page's ptes are taken down."""
    p, child, a, n = _workload(k, rng)
    src = k.pfn_to_page(pg.pte_pfn(next(v for _, _, v in _all_ptes(k) if pg.pte_present(v)))).node
    m = k.start(k.sys_migrate_pages, p.pid, [src], [1 - src], label="M")
    n_unmapped = rng.randint(1, n)
    k.replay(f"M:try_to_unmap#{n_unmapped}")
    return p, m, src, n_unmapped


def migration(seed=0, at=None):
    """Decode a migration entry (swapless migration): read or write, which page, what comes back."""
    rng = rng_for("migration", seed)
    at = choose_step(rng, at, MIGRATION_STEPS, "migration")
    k = Kernel(at=at, nodes=2, frames_per_node=16, seed=seed)
    p0, m, src, nth = _migrating(k, rng)
    p, addr, value = rng.choice([t for t in _all_ptes(k) if PteView(t[2], k).migration])
    entry = pte_to_swp_entry(value)
    type_, pfn = swp_type(entry), swp_offset(entry)
    page = k.pfn_to_page(pfn)
    write = type_ == k.SWP_MIGRATION_WRITE
    facts = {"value": value, "present": False, "type": type_, "pfn": pfn, "entry": entry, "migration": True,
             "write": write, "node": page.node, "locked": PageLocked(page), "pid": p.pid, "address": addr}
    name = "SWP_MIGRATION_WRITE" if write else "SWP_MIGRATION_READ"
    qs = [Question("Swap type (bits 1-5)?", str(type_),
                   (f"(0x{value:08x} >> 1) & 0x1f = {type_}; swap areas are types 0..{k.MAX_SWAPFILES - 1} "
                    f"(MAX_SWAPFILES {k.MAX_SWAPFILES}): types 30 and 31 are migration entries",)),
          Question("A read or a write migration entry?", "write" if write else "read",
                   (f"type {type_} is {name}: try_to_unmap_one made it from a pte that "
                    f"{'was' if write else 'was not'} writable",)),
          Question("The old page: its pfn, its node?", f"pfn 0x{pfn:x}, node {page.node}",
                   (f"offset = 0x{value:08x} >> 8 = 0x{pfn:x}: a migration entry's offset is the old page's pfn",
                    f"its struct page: {describe_page(page)}")),
          Question("Is that page locked now?", yes(facts["locked"]),
                   ("migration holds the page lock while any migration entry for it exists; "
                    "migration_entry_to_page BUGs otherwise",)),
          Question("Once migration ends: present, and writable?", f"present, {'writable' if write else 'read-only'}",
                   (f"remove_migration_pte puts back a pte to the new page (or the old one if it did not move), "
                    f"writable only for a write entry: {'type 31' if write else 'type 30'}",))]
    shown = _shown(k, p, addr, value, (f"  root migrates pid {p0.pid} from node {src} to node {1 - src}: task M, "
                                      f"stopped just after its try_to_unmap #{nth}",))
    return Problem("migration", seed, at, shown, qs, facts, machine=k, process=p,
                   check=f"q.machine.task('M').run(); q.machine.pte(q.process, 0x{addr:08x})   # once M is over")
