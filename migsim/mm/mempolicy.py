"""mm/mempolicy.c: NUMA memory policies, mbind and sys_migrate_pages.

The policy layer decides *which* pages move and *where*; the moving itself
is migrate_pages (mm/vmscan.c in 2.6.16). Pages are found by walking the
page tables (check_range), so only present pages move.
Simplified: no cpusets (every node is allowed), no shared policies, node
masks are Python frozensets.
"""

from errno import EFAULT, EINVAL, EIO, ENODEV, ENOMEM, EPERM, ESRCH

from ..include.asm_i386 import pgtable as pg
from ..include.linux.hugetlb import is_vm_hugetlb_page
from ..include.linux.list import list_add_tail, list_del, list_move
from ..include.linux.mempolicy import (MPOL_BIND, MPOL_DEFAULT, MPOL_INTERLEAVE, MPOL_MAX, MPOL_MF_INTERNAL,
                                       MPOL_MF_MOVE, MPOL_MF_MOVE_ALL, MPOL_MF_STRICT, MPOL_PREFERRED)
from ..include.linux.mm import (VM_HUGETLB, VM_IO, VM_LOCKED, VM_PFNMAP, VM_RESERVED,
                                page_mapcount, vma_address)
from ..include.linux.pgtable_walk import ptes_in_range
from ..include.linux.rwsem import down_read, down_write, up_read, up_write
from ..include.linux.sched import CAP_SYS_NICE
from ..include.linux.spinlock import spin_lock, spin_unlock
from ..kbuild import kfile
from ..mm.filemap import new_private_list

mempolicy = kfile("mm/mempolicy.c")

MPOL_MF_DISCONTIG_OK = MPOL_MF_INTERNAL << 0
MPOL_MF_INVERT = MPOL_MF_INTERNAL << 1
MIGRATE_CHUNK_SIZE = 256

_MODE_NAMES = {MPOL_DEFAULT: "default", MPOL_PREFERRED: "prefer", MPOL_BIND: "bind",
               MPOL_INTERLEAVE: "interleave"}


class Mempolicy:
    """struct mempolicy: a mode and its nodes."""

    __slots__ = ("policy", "nodes")

    def __init__(self, policy, nodes):
        self.policy, self.nodes = policy, frozenset(nodes)

    def __repr__(self):
        return f"{_MODE_NAMES[self.policy]}:{','.join(map(str, sorted(self.nodes)))}"


def node_remap(s, from_nodes, to_nodes):
    """The node that the n-th node of `from_nodes` maps to (n-th of `to_nodes`, wrapping)."""
    frm, to = sorted(from_nodes), sorted(to_nodes)
    if s not in frm or not to:
        return s
    return to[frm.index(s) % len(to)]


@mempolicy.function(since="v2.6.16")
def alloc_page_vma(k, vma, addr):
    """A new page for a fault or migration at `addr`, placed by the vma's policy."""
    pol = vma.vm_policy
    if pol is None or pol.policy == MPOL_DEFAULT:
        return k.alloc_pages_node(k.current.node)
    nodes = sorted(pol.nodes)
    if pol.policy == MPOL_INTERLEAVE:
        off = ((addr - vma.vm_start) >> pg.PAGE_SHIFT) + vma.vm_pgoff
        return k.alloc_pages_node(nodes[off % len(nodes)])
    if pol.policy == MPOL_PREFERRED:
        return k.alloc_pages_node(nodes[0])
    for nid in nodes:                         # MPOL_BIND: only these nodes
        page = k.nodes[nid].take_frame()
        if page is not None:
            page._count = 1
            return page
    return None


@mempolicy.function(since="v2.6.16", static=True)
def migrate_page_add(k, page, pagelist, flags):
    """Isolate a page for migration unless it is shared and only MOVE was asked."""
    if flags & MPOL_MF_MOVE_ALL or page_mapcount(page) == 1:
        if (yield from k.isolate_lru_page(page)):
            list_add_tail(page, pagelist)


@mempolicy.function(since="v2.6.16", static=True)
def check_pte_range(k, vma, addr, end, nodes, flags, pagelist):
    """Collect the pages of [addr, end) that are (not) on `nodes`. 0, or -EIO."""
    mm = vma.vm_mm
    yield from spin_lock(mm.page_table_lock, k.who())
    err = 0
    for _, pte in list(ptes_in_range(mm, addr, end)):
        if not pg.pte_present(pte):          # a PROT_NONE pte is present too: its page moves
            continue
        page = k.pfn_to_page(pg.pte_pfn(pte))
        if (page.node in nodes) == bool(flags & MPOL_MF_INVERT):
            continue
        if flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
            yield from k.migrate_page_add(page, pagelist, flags)
        else:
            err = -EIO
            break
    spin_unlock(mm.page_table_lock)
    return err


@mempolicy.function(since="v2.6.16", static=True)
def vma_migratable(k, vma):
    """Can the pages of `vma` migrate? Not locked, I/O, huge, raw-pfn or reserved ones.

    VM_LOCKED stays in this list through 2.6.18 (it leaves only in 0dc952dc,
    2.6.21): sys_migrate_pages and mbind without MPOL_MF_STRICT skip mlocked
    vmas even after mlock-migrate lets try_to_unmap move their pages.
    """
    return not vma.vm_flags & (VM_LOCKED | VM_IO | VM_HUGETLB | VM_PFNMAP | VM_RESERVED)


@mempolicy.function(since="v2.6.16", static=True)
def check_range(k, mm, start, end, nodes, flags, pagelist):
    """Check the vmas of [start, end) and collect pages to move: find_vma(start), or -errno.

    The walk starts at find_vma(start), so a hole at `start`, or no vma
    inside the range, is no error (-EFAULT only when no vma ends above
    `start`). Unless MPOL_MF_DISCONTIG_OK: -EFAULT for a hole between two
    vmas of the range, or for a range that ends past the mm's last vma.
    """
    if flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        if k.nr_swap_pages <= 0:
            return -ENODEV                    # must have swap device for migration
        k.lru_add_drain()
    first = k.find_vma(mm, start)
    if first is None:
        return -EFAULT
    prev = None
    for vma in mm.mmap[mm.mmap.index(first):]:   # first, then each vm_next
        if vma.vm_start >= end:
            break
        if not flags & MPOL_MF_DISCONTIG_OK:
            if vma is mm.mmap[-1] and vma.vm_end < end:
                return -EFAULT                # the range runs past the last vma
            if prev is not None and prev.vm_end < vma.vm_start:
                return -EFAULT                # a hole between two vmas of the range
        if not is_vm_hugetlb_page(vma) and (flags & MPOL_MF_STRICT or (
                flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) and k.vma_migratable(vma))):
            err = yield from k.check_pte_range(vma, max(start, vma.vm_start), min(end, vma.vm_end),
                                               nodes, flags, pagelist)
            if err:
                return err
        prev = vma
    return first


@mempolicy.function(since="v2.6.16", static=True)
def migrate_pages_to(k, pagelist, vma, dest):
    """Move the pages on `pagelist` to node `dest` (or per `vma`'s policy), in chunks.

    Returns the number of pages not moved, or -errno.
    """
    newlist = new_private_list("newlist")
    moved = new_private_list("moved")
    failed = new_private_list("failed")
    err = 0
    offset = 0
    while True:
        nr_pages = 0
        for _ in range(len(pagelist)):
            if vma is not None:
                page = k.alloc_page_vma(vma, vma.vm_start + offset)
                offset += pg.PAGE_SIZE
            else:
                page = k.alloc_pages_node(dest)
            if page is None:
                err = -ENOMEM
                break
            list_add_tail(page, newlist)
            nr_pages += 1
            if nr_pages > MIGRATE_CHUNK_SIZE:
                break
        if err:
            break
        err = yield from k.migrate_pages(pagelist, newlist, moved, failed)
        k.putback_lru_pages(moved)
        if not (err >= 0 and not len(newlist) and len(pagelist)):
            break
    for page in newlist:                      # return leftover new pages
        list_del(page)
        k.__free_page(page)
    for page in failed:                       # list_splice(&failed, pagelist)
        list_move(page, pagelist)
    if err < 0:
        return err
    return len(pagelist)


@mempolicy.function(since="v2.6.16")
def migrate_to_node(k, mm, source, dest, flags):
    """Move every page of `mm` that is on node `source` to node `dest`."""
    pagelist = new_private_list("pagelist")
    yield from k.check_range(mm, mm.mmap[0].vm_start, pg.TASK_SIZE, frozenset([source]),
                             flags | MPOL_MF_DISCONTIG_OK, pagelist)
    err = 0
    if len(pagelist):
        err = yield from k.migrate_pages_to(pagelist, None, dest)
        if len(pagelist):
            k.putback_lru_pages(pagelist)
    return err


@mempolicy.function(since="v2.6.16")
def do_migrate_pages(k, mm, from_nodes, to_nodes, flags):
    """Move an mm's pages from `from_nodes` to `to_nodes`: pages not moved, or -errno."""
    busy = 0
    err = 0
    yield from down_read(mm.mmap_sem)
    tmp = set(from_nodes)
    while tmp:
        source, dest = -1, 0
        for s in sorted(tmp):
            d = node_remap(s, from_nodes, to_nodes)
            if s == d:
                continue
            source, dest = s, d
            if dest not in tmp:
                break                         # prefer a destination that is not a pending source
        if source == -1:
            break
        tmp.discard(source)
        if mm.mmap:
            err = yield from k.migrate_to_node(mm, source, dest, flags)
        if err > 0:
            busy += err
        if err < 0:
            break
    up_read(mm.mmap_sem)
    return err if err < 0 else busy


@mempolicy.function(since="v2.6.16", syscall=True)
def sys_migrate_pages(k, pid, old_nodes, new_nodes):
    """Move the pages of process `pid` (0 = the caller) from old to new nodes.

    Returns the number of pages that could not be moved, or -errno. The
    caller must own the target or have CAP_SYS_NICE; with CAP_SYS_NICE even
    pages shared with other processes move (MPOL_MF_MOVE_ALL).
    """
    current = k.current
    task = k.find_task_by_pid(pid) if pid else current
    if task is None:
        return -ESRCH
    mm = task.mm                              # get_task_mm
    if mm is None:
        return -EINVAL
    mm.users += 1
    if (current.euid != task.suid and current.euid != task.uid and current.uid != task.suid
            and current.uid != task.uid and not current.capable(CAP_SYS_NICE)):
        err = -EPERM
    else:
        flags = MPOL_MF_MOVE_ALL if current.capable(CAP_SYS_NICE) else MPOL_MF_MOVE
        err = yield from k.do_migrate_pages(mm, old_nodes, new_nodes, flags)
    yield from k.mmput(mm)
    return err


@mempolicy.function(since="v2.6.16", static=True)
def mpol_check_policy(k, mode, nodes):
    """0 if `nodes` suit `mode` (default: none; bind/interleave: some), else -EINVAL."""
    if mode == MPOL_DEFAULT:
        return -EINVAL if nodes else 0
    if mode in (MPOL_BIND, MPOL_INTERLEAVE) and not nodes:
        return -EINVAL
    return 0


@mempolicy.function(since="v2.6.16", static=True)
def mbind_range(k, vma, start, end, new):
    """Give every vma in [start, end) the new policy, splitting vmas at the ends."""
    mm = vma.vm_mm
    for v in [v for v in mm.mmap if v.vm_end > start and v.vm_start < end]:
        if v.vm_start < start:
            yield from k.split_vma(mm, v, start, 1)   # the part below start becomes a new vma
        if v.vm_end > end:
            yield from k.split_vma(mm, v, end, 0)     # the part from end on becomes a new vma
        v.vm_policy = new                             # v now covers only what lies in the range
    return 0


@mempolicy.function(since="v2.6.16", syscall=True)
def sys_mbind(k, start, length, mode, nodes, flags):
    """Set the policy of [start, start+len) and, with MPOL_MF_MOVE(_ALL), move its pages."""
    mm = k.current.mm
    if flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) or mode > MPOL_MAX or mode < 0:
        return -EINVAL
    if flags & MPOL_MF_MOVE_ALL and not k.current.capable(CAP_SYS_NICE):
        return -EPERM
    if start & ~pg.PAGE_MASK:
        return -EINVAL
    if mode == MPOL_DEFAULT:
        flags &= ~MPOL_MF_STRICT
    length = (length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK
    end = start + length
    if end < start:
        return -EINVAL
    if end == start:
        return 0
    if k.mpol_check_policy(mode, nodes):
        return -EINVAL
    new = None if mode == MPOL_DEFAULT else Mempolicy(mode, nodes)
    if new is None:
        flags |= MPOL_MF_DISCONTIG_OK
    pagelist = new_private_list("pagelist")
    yield from down_write(mm.mmap_sem)
    vma = yield from k.check_range(mm, start, end, nodes, flags | MPOL_MF_INVERT, pagelist)
    err = vma if isinstance(vma, int) else 0
    if not err:
        err = yield from k.mbind_range(vma, start, end, new)
        nr_failed = 0
        if len(pagelist):
            nr_failed = yield from k.migrate_pages_to(pagelist, k.find_vma(mm, start), -1)
        if not err and nr_failed and flags & MPOL_MF_STRICT:
            err = -EIO
    if len(pagelist):
        k.putback_lru_pages(pagelist)
    up_write(mm.mmap_sem)
    return err


# === reorg (b20a3503, 2.6.17): migration preparation moves to mm/migrate.c ==============

@mempolicy.function(since="reorg", static=True)
def migrate_page_add(k, page, pagelist, flags):
    """Isolate a page for migration unless it is shared and only MOVE was asked."""
    if flags & MPOL_MF_MOVE_ALL or page_mapcount(page) == 1:
        yield from k.isolate_lru_page(page, pagelist)


@mempolicy.function(since="reorg", static=True)
def check_range(k, mm, start, end, nodes, flags, pagelist):
    """Check the vmas of [start, end) and collect pages to move: find_vma(start), or -errno.

    The walk starts at find_vma(start), so a hole at `start`, or no vma
    inside the range, is no error (-EFAULT only when no vma ends above
    `start`). Unless MPOL_MF_DISCONTIG_OK: -EFAULT for a hole between two
    vmas of the range, or for a range that ends past the mm's last vma.
    """
    if flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL):
        err = k.migrate_prep()
        if err:
            return err
    first = k.find_vma(mm, start)
    if first is None:
        return -EFAULT
    prev = None
    for vma in mm.mmap[mm.mmap.index(first):]:   # first, then each vm_next
        if vma.vm_start >= end:
            break
        if not flags & MPOL_MF_DISCONTIG_OK:
            if vma is mm.mmap[-1] and vma.vm_end < end:
                return -EFAULT                # the range runs past the last vma
            if prev is not None and prev.vm_end < vma.vm_start:
                return -EFAULT                # a hole between two vmas of the range
        if not is_vm_hugetlb_page(vma) and (flags & MPOL_MF_STRICT or (
                flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) and k.vma_migratable(vma))):
            err = yield from k.check_pte_range(vma, max(start, vma.vm_start), min(end, vma.vm_end),
                                               nodes, flags, pagelist)
            if err:
                return err
        prev = vma
    return first


# === free-pages (aaa994b3, 2.6.18): migrate_pages puts back what it leaves; the callers' putbacks go

@mempolicy.function(since="free-pages")
def migrate_to_node(k, mm, source, dest, flags):
    """Move every page of `mm` that is on node `source` to node `dest`."""
    pagelist = new_private_list("pagelist")
    yield from k.check_range(mm, mm.mmap[0].vm_start, pg.TASK_SIZE, frozenset([source]),
                             flags | MPOL_MF_DISCONTIG_OK, pagelist)
    err = 0
    if len(pagelist):
        err = yield from k.migrate_pages_to(pagelist, None, dest)
    return err


@mempolicy.function(since="free-pages", syscall=True)
def sys_mbind(k, start, length, mode, nodes, flags):
    """Set the policy of [start, start+len) and, with MPOL_MF_MOVE(_ALL), move its pages.

    migrate_pages puts back what it does not move, so the putback at the end
    goes, and with it the only one for pages that check_range isolated
    before it failed: they stay off the LRU, isolated for good (so in 2.6.18).
    """
    mm = k.current.mm
    if flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) or mode > MPOL_MAX or mode < 0:
        return -EINVAL
    if flags & MPOL_MF_MOVE_ALL and not k.current.capable(CAP_SYS_NICE):
        return -EPERM
    if start & ~pg.PAGE_MASK:
        return -EINVAL
    if mode == MPOL_DEFAULT:
        flags &= ~MPOL_MF_STRICT
    length = (length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK
    end = start + length
    if end < start:
        return -EINVAL
    if end == start:
        return 0
    if k.mpol_check_policy(mode, nodes):
        return -EINVAL
    new = None if mode == MPOL_DEFAULT else Mempolicy(mode, nodes)
    if new is None:
        flags |= MPOL_MF_DISCONTIG_OK
    pagelist = new_private_list("pagelist")
    yield from down_write(mm.mmap_sem)
    vma = yield from k.check_range(mm, start, end, nodes, flags | MPOL_MF_INVERT, pagelist)
    err = vma if isinstance(vma, int) else 0
    if not err:
        err = yield from k.mbind_range(vma, start, end, new)
        nr_failed = 0
        if len(pagelist):
            nr_failed = yield from k.migrate_pages_to(pagelist, k.find_vma(mm, start), -1)
        if not err and nr_failed and flags & MPOL_MF_STRICT:
            err = -EIO
    up_write(mm.mmap_sem)
    return err


# === new-page-t (95a402c3, 2.6.18): the policy layer allocates each new page itself ===========

@mempolicy.function(since="new-page-t", static=True)
def new_node_page(k, page, node):
    """new_page_t for sys_migrate_pages: a page on `node`."""
    return k.alloc_pages_node(node)


@mempolicy.function(since="new-page-t", static=True)
def new_vma_page(k, page, private):
    """new_page_t for mbind: a page placed by the policy of vma `private` at the page's address."""
    return k.alloc_page_vma(private, vma_address(page, private))


@mempolicy.function(since="new-page-t")
def migrate_to_node(k, mm, source, dest, flags):
    """Move every page of `mm` that is on node `source` to node `dest`."""
    pagelist = new_private_list("pagelist")
    yield from k.check_range(mm, mm.mmap[0].vm_start, pg.TASK_SIZE, frozenset([source]),
                             flags | MPOL_MF_DISCONTIG_OK, pagelist)
    err = 0
    if len(pagelist):
        err = yield from k.migrate_pages(pagelist, k.new_node_page, dest)
    return err


@mempolicy.function(since="new-page-t", syscall=True)
def sys_mbind(k, start, length, mode, nodes, flags):
    """Set the policy of [start, start+len) and, with MPOL_MF_MOVE(_ALL), move its pages."""
    mm = k.current.mm
    if flags & ~(MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) or mode > MPOL_MAX or mode < 0:
        return -EINVAL
    if flags & MPOL_MF_MOVE_ALL and not k.current.capable(CAP_SYS_NICE):
        return -EPERM
    if start & ~pg.PAGE_MASK:
        return -EINVAL
    if mode == MPOL_DEFAULT:
        flags &= ~MPOL_MF_STRICT
    length = (length + pg.PAGE_SIZE - 1) & pg.PAGE_MASK
    end = start + length
    if end < start:
        return -EINVAL
    if end == start:
        return 0
    if k.mpol_check_policy(mode, nodes):
        return -EINVAL
    new = None if mode == MPOL_DEFAULT else Mempolicy(mode, nodes)
    if new is None:
        flags |= MPOL_MF_DISCONTIG_OK
    pagelist = new_private_list("pagelist")
    yield from down_write(mm.mmap_sem)
    vma = yield from k.check_range(mm, start, end, nodes, flags | MPOL_MF_INVERT, pagelist)
    err = vma if isinstance(vma, int) else 0
    if not err:
        err = yield from k.mbind_range(vma, start, end, new)
        nr_failed = 0
        if len(pagelist):
            nr_failed = yield from k.migrate_pages(pagelist, k.new_vma_page, k.find_vma(mm, start))
        if not err and nr_failed and flags & MPOL_MF_STRICT:
            err = -EIO
    # No putback: pages check_range isolated before it failed stay isolated (2.6.18 leaks them).
    up_write(mm.mmap_sem)
    return err


# === move-pages (742755a1, 2.6.18): new_page_t names the status slot of the page it allocates for

@mempolicy.function(since="move-pages", static=True)
def new_node_page(k, page, node, result):
    """new_page_t for sys_migrate_pages: a page on `node` (no status slot)."""
    return k.alloc_pages_node(node)


@mempolicy.function(since="move-pages", static=True)
def new_vma_page(k, page, private, result):
    """new_page_t for mbind: a page placed by the policy of vma `private` (no status slot)."""
    return k.alloc_page_vma(private, vma_address(page, private))


# === vma-migrate (7b2259b3, 2.6.18): vmas may migrate themselves first ========================

@mempolicy.function(since="vma-migrate")
def do_migrate_pages(k, mm, from_nodes, to_nodes, flags):
    """Move an mm's pages from `from_nodes` to `to_nodes`: pages not moved, or -errno.

    First every vma with a vm_ops->migrate method is asked to move itself.
    """
    busy = 0
    yield from down_read(mm.mmap_sem)
    err = k.migrate_vmas(mm, from_nodes, to_nodes, flags)
    tmp = set(from_nodes) if not err else set()
    while tmp:
        source, dest = -1, 0
        for s in sorted(tmp):
            d = node_remap(s, from_nodes, to_nodes)
            if s == d:
                continue
            source, dest = s, d
            if dest not in tmp:
                break                         # prefer a destination that is not a pending source
        if source == -1:
            break
        tmp.discard(source)
        if mm.mmap:
            err = yield from k.migrate_to_node(mm, source, dest, flags)
        if err > 0:
            busy += err
        if err < 0:
            break
    up_read(mm.mmap_sem)
    return err if err < 0 else busy
