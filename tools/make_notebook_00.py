"""Write notebooks/00-the-machine.ipynb from the cells below (the notebook's source of truth).

    python tools/make_notebook_00.py            # write the notebook, without outputs
    python tools/make_notebook_00.py --execute  # ... then run it with nbconvert to store outputs

Edit the text here, not in the notebook, and regenerate. Cell ids are fixed
so that a regenerated notebook differs from the old one only where the text does.
"""

import pathlib
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "notebooks" / "00-the-machine.ipynb"
sys.path.insert(0, str(ROOT))

import migsim  # noqa: E402  (after the path, so the checkout's migsim is used)


def title():
    s = migsim.series.step("v2.6.16")
    return f"""# 00 · The machine

> **Patch badge** &nbsp; `{s.id}` · {s.title} · commit `{s.commit[:12]}` · release {s.release}

This course follows how Linux learned to move a running process's memory from one
NUMA node to another, and how that code was rebuilt between 2.6.16 (March 2006) and
2.6.18 (September 2006). Everything runs on **migsim**, a small simulated machine whose
kernel is written in Python but keeps the kernel's names, data layouts and return values.

This first notebook has no patch yet. It introduces the machine and the kernel as it was
at 2.6.16: nodes and frames, `struct page`, a process's i386 page table, fork with
copy-on-write, swap, and page migration the way 2.6.16 did it: *through swap*."""


CELLS = [
    ("md", title()),
    ("code", """\
%matplotlib inline
import errno

import migsim
from migsim import draw
from migsim.views import describe_page

draw.set_style()                     # one figure style for the whole course
print(migsim.series.step("v2.6.16").badge())"""),

    ("md", """\
## 1. A small NUMA machine

A NUMA (*non-uniform memory access*) machine is built from **nodes**. Each node has
some CPUs and its own bank of memory. Every CPU can reach all memory, but memory on its
own node is faster than memory on another node. So the kernel tries to give a process
memory on the node where it runs.

That breaks when the process moves: the scheduler, a cpuset change or an administrator
puts it on another node, and now every access to its old memory crosses the
interconnect. **Page migration** fixes this by moving the process's pages, while it
runs, to the node where they are wanted.

Memory is divided into **frames** of 4 KiB; a frame's number is its *pfn* (page frame
number). Our machine has 2 nodes of 32 frames. In migsim, node *n*'s frames start at
pfn `(n+1) * 0x1000`, so a pfn shows its node at a glance: `0x1...` is node 0, `0x2...` is
node 1. (A real machine numbers its frames without such gaps.)"""),
    ("code", """\
k = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
print(k)
for zone in k.nodes:
    print(zone)"""),

    ("md", """\
The kernel describes every frame with a `struct page`. These are the fields we will
watch throughout the course:

| field | meaning |
|---|---|
| `flags` | `PG_*` bits: `locked`, `dirty`, `lru`, `active`, `swapcache`, ... |
| `_count` | references to the frame: each pte mapping it, the page cache or swap cache, and any kernel code working on it hold one |
| `_mapcount` | how many ptes map the frame, **minus one**: `-1` means no pte maps it |
| `mapping` | who owns it: an `anon_vma` (anonymous memory), a file's `address_space`, or nothing |
| `index` | where it sits in its owner: page number in the file, or the virtual page number |
| `private` | the swap entry while the page is in the swap cache |

(`data`, the frame's bytes, is migsim's own field: `None` means all zeroes.)

Below, the first frame's fields, and then the whole machine: each square is one frame,
each row of a node holds eight frames and starts with the pfn of its first one. The
colours mean the same in every picture of the course; for now every frame is free."""),
    ("code", """\
page = k.nodes[0].pages[0]
print(page)
for field in ("pfn", "flags", "_count", "_mapcount", "mapping", "index", "private", "data"):
    print(f"{field:10} {getattr(page, field)!r}")
draw.show(draw.draw_machine(k))"""),

    ("md", """\
## 2. A process and its page table

`spawn` makes a process on node 0. `mmap(4)` gives it four pages of anonymous private
memory, but only as a range of addresses (a *vma*, listed like a line of
`/proc/PID/maps`). No frame is used yet and the page table entry (pte) for the address is
empty: Linux allocates memory when it is first touched.

The first write faults. The fault handler takes a free frame from the node the process
runs on, fills it with zeroes, and installs a pte that points to it. Then the write
completes."""),
    ("code", """\
p = k.spawn("gcc")
a = p.mmap(4)
print(p)
print(p.mm.mmap[0].describe())
print("pte:", k.pte(p, a))
print("free frames on node 0:", k.nodes[0].nr_free)
print("-- write --")
p.write(a, b"hello")
print("pte:", k.pte(p, a))
print("free frames on node 0:", k.nodes[0].nr_free)"""),

    ("md", """\
### Reading a pte bit by bit

On a 32-bit i386 without PAE, a virtual address is split 10 + 10 + 12: the top ten bits
choose an entry in the page directory, the next ten choose a pte in one page table, and
the low twelve are the offset inside the page. A pte is one 32-bit word:

* bits 12-31 hold the **pfn** of the frame;
* bit 0 **present**: the MMU may use this entry (if it is clear, any access faults);
* bit 1 **rw**: writes are allowed (if clear, a write faults, even if the mapping is writable);
* bit 2 **user**: user mode may use the page;
* bit 5 **accessed** and bit 6 **dirty**: set by the MMU when the page is used and written.

Let us take the value apart by hand and check it against migsim's decoding. Then the
`struct page` behind it: one reference and one mapping (`_mapcount` is stored as 0), on
the LRU's active list, owned by the process's `anon_vma`. For an anonymous page `index`
is the virtual page number, the address shifted right by 12, so that the reverse map can
later find the pte from the page."""),
    ("code", """\
value = k.pte(p, a).value
print(f"address 0x{a:08x}: directory entry {a >> 22}, pte {(a >> 12) & 0x3ff}, offset {a & 0xfff}")
print(f"pte 0x{value:08x} = {value:032b}")
for bit, name in [(0, "present"), (1, "rw"), (2, "user"), (5, "accessed"), (6, "dirty")]:
    print(f"  bit {bit}  {name:9} {(value >> bit) & 1}")
pfn = value >> 12
print(f"  bits 12-31  pfn      0x{pfn:x}  (node {k.pfn_to_page(pfn).node})")
assert pfn == k.page(p, a).pfn

frame = k.page(p, a)
print(describe_page(frame))
print("_count", frame._count, " _mapcount", frame._mapcount)
print(f"index {frame.index} = 0x{a:x} >> 12")
assert frame.index == a >> 12"""),
    ("md", """\
Two more writes fill two more pages. The page table picture lists every pte that is not
empty, and draws one arrow from each present pte to its frame; the frames are grouped by
node. The fourth page was never touched, so it has no pte."""),
    ("code", """\
p.write(a + 0x1000, b"world")
p.write(a + 0x2000, b"!")
draw.show(draw.draw_page_table(k, p))"""),

    ("md", """\
## 3. fork and copy-on-write

`fork` does not copy the parent's memory. It copies the page tables, so parent and
child map the same frames, and it clears the **rw** bit in *both* ptes of every private
writable page. Each frame now has two mappings. Whoever writes first takes a fault,
gets a private copy of the page and a writable pte to it. (The child's ptes also start
with the accessed bit clear.)"""),
    ("code", """\
c = p.fork()
for proc in (p, c):
    print(f"pid {proc.pid}: {k.pte(proc, a)}")
print(describe_page(k.page(p, a)))
assert not k.pte(p, a).write and not k.pte(c, a).write"""),
    ("md", """\
Now the child writes. Its fault finds a page mapped twice, so it copies it to a new
frame. The parent's pte is untouched (still read-only, still the old frame) and so are
the parent's bytes.

In the machine picture each used frame shows the pids that map it: two frames are still
shared by both processes, and the first page now exists twice."""),
    ("code", """\
c.write(a, b"HELLO")
for proc in (p, c):
    print(f"pid {proc.pid}: {k.pte(proc, a)}  reads {proc.read(a, 5)!r}")
print(describe_page(k.page(p, a)))
k.check()                            # every invariant of the machine holds
draw.show(draw.draw_machine(k))"""),

    ("md", """\
## 4. Swap

When memory runs short, reclaim can push an anonymous page out to a **swap area**. The
page gets a slot in a swap area and enters the **swap cache** (a page cache indexed by
swap slot). The reverse map then replaces every pte that maps the page with a **swap
entry**, the page is written out and the frame is freed.

A swap entry is stored in the pte itself, with the present bit clear so that the MMU
ignores it. On i386: bits 1-5 hold the **type** (which swap area) and bits 8-31 the
**offset** (which slot). Bits 6 and 7 stay clear, so that it cannot be taken for the
other kinds of non-present pte (a nonlinear file pte, a `PROT_NONE` page).

Our new machine gets two swap areas; the second has the higher priority, so it is used
first and its entries carry type 1. In the picture, no arrows: every pte is a swap
entry, and all of the process's frames are free again."""),
    ("code", """\
ks = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
db = ks.spawn("db")
b = db.mmap(3)
for i in range(3):
    db.write(b + i * 0x1000, b"row %d" % i)
print("swapon:", ks.sys_swapon(16), ks.sys_swapon(64, prio=5))
print("frames freed by reclaim:", ks.reclaim(3))
swap = ks.pte(db, b + 0x1000)
print(swap)
v = swap.value
print(f"present {v & 1}   type (bits 1-5) {(v >> 1) & 0x1f}   offset (bits 8-31) {v >> 8}")
assert (v >> 1) & 0x1f == swap.swp_type and v >> 8 == swap.swp_offset
draw.show(draw.draw_page_table(ks, db))"""),
    ("md", """\
Touching the page again faults, and the fault handler reads it back (*swap-in*). The page
stays in the swap cache, keeping its slot, until the kernel decides to free it."""),
    ("code", """\
print(db.read(b + 0x1000, 5))
print(ks.pte(db, b + 0x1000))
print(describe_page(ks.page(db, b + 0x1000)))"""),

    ("md", """\
## 5. Page migration at 2.6.16: through swap

In 2.6.16, migrating a page borrowed the swap code almost step by step:

1. The policy layer (`sys_migrate_pages`, or `mbind` with `MPOL_MF_MOVE`) walks the
   process's page tables and takes the pages to move off the LRU lists.
2. Each anonymous page is given a swap slot and put into the swap cache (`add_to_swap`),
   just as reclaim would do. Now it has a `mapping` and an `index` like a file page.
3. `try_to_unmap` replaces every pte that maps it with its swap entry.
4. The page's contents, flags and place in the swap cache move to a new frame on the
   target node.
5. `remove_from_swap` walks the reverse map again and turns each swap entry back into a
   pte to the new frame; the page leaves the swap cache and the slot is freed.

Nothing is written to disk, but a swap slot is needed for every page in flight. So
without a swap area this kernel cannot migrate anonymous memory at all. The two system
calls show it differently: `mbind` fails with `-ENODEV`, while `sys_migrate_pages`
returns 0, the number of pages it failed to move among those it collected: none."""),
    ("code", """\
kn = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
q = kn.spawn("gcc")
x = q.mmap(2)
q.write(x, b"hello")
print("sys_migrate_pages:", kn.sys_migrate_pages(q.pid, [0], [1]), "  page on node", kn.page(q, x).node)
ret = q.mbind(x, 2, "bind", [1], migsim.MPOL_MF_MOVE)
print("mbind MPOL_MF_MOVE:", ret, errno.errorcode[-ret], "  page on node", kn.page(q, x).node)"""),
    ("md", """\
With a swap area the same request works. Back on our first machine, we move the parent
`gcc` (pid 100) from node 0 to node 1, and check that it still reads what it wrote.
The call is made as root, which asks to move shared pages too (`MPOL_MF_MOVE_ALL`): the
two pages the parent still shares with its child move as well, and the reverse map
updates the child's ptes along with the parent's."""),
    ("code", """\
print("swapon:", k.sys_swapon(64))
before = k.pte(p, a)
print("before:", before)
print("sys_migrate_pages:", k.sys_migrate_pages(p.pid, [0], [1]))
for i in range(3):
    print(f"0x{a + i * 0x1000:08x} now on node {k.page(p, a + i * 0x1000).node}")
print(p.read(a, 5), p.read(a + 0x1000, 5))
print(f"child {c.pid}: {k.pte(c, a + 0x1000)}")
k.check()"""),

    ("md", """\
### Predict, then look

A fresh process writes one page, so its pte is present, writable and dirty (`0x...67`).
Then it is migrated to node 1, on a machine with a swap area.

1. After the migration, is the **rw** bit of its pte set?
2. Is the **dirty** bit set in the pte? And `PG_dirty` in the page's flags?
3. When the process writes to the page again, does it get a new frame?

Write down your answers, then run the next cell."""),
    ("code", """\
kq = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
kq.sys_swapon(64)
r = kq.spawn("editor")
y = r.mmap(1)
r.write(y, b"draft")
print("before migration:", kq.pte(r, y))
kq.sys_migrate_pages(r.pid, [0], [1])
after = kq.pte(r, y)
print("after migration: ", after)
print("1. rw set?", after.write)
print("2. dirty set in the pte?", after.dirty, "  PG_dirty?", "dirty" in describe_page(kq.page(r, y)))
r.write(y, b"final")                 # takes a write fault
print("after a write:   ", kq.pte(r, y))
print("3. new frame?", kq.page(r, y).pfn != after.pfn)"""),
    ("md", """\
The restored pte is **read-only** and **clean**, although the mapping is `rw-p` and the
page was dirty. `remove_from_swap` rebuilds each pte the way swap-off does, from the
vma's default protection; for a private mapping that protection has no write bit, because
write access to private pages is handed out one fault at a time (that is how
copy-on-write works). The page itself keeps `PG_dirty`, so no data is lost. But the next
write takes a fault, which finds the page is not shared and only sets the rw bit again:
no new frame, but one extra fault for every migrated page that the process writes again.

That cost, the need for a swap area at all, and the swap slots used up by pages that are
never written out are why 2.6.18 replaced this scheme with *migration entries*, which
the next notebooks build step by step."""),

    ("md", """\
## 6. Watching the kernel work, one scheduling point at a time

A system call can also be started as a **task**, which runs on its own CPU and stops at
every *scheduling point*: each lock it takes, each page it waits for, each vma of a
reverse-map walk. `t.step()` runs to the next point; `t.where()` tells the kernel
function the task stands in and the point's name (with what it touches).

We migrate one page and print one line per point, with the pte after that step. We stop
as soon as the pte has become a swap entry."""),
    ("code", """\
km = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
w = km.spawn("worker")
z = w.mmap(1)
w.write(z, b"data")
km.sys_swapon(64)
t = km.start(km.sys_migrate_pages, w.pid, [0], [1])

def step_and_show(t):
    \"\"\"Step task t once and print where it stopped and the worker's pte.\"\"\"
    t.step()
    fn, point = t.where()
    v = km.pte(w, z)
    print(f"{t.steps:2d}  {fn:32} {point:40} 0x{v.value:08x} {draw.pte_kind(v)}")

while not km.pte(w, z).swap:
    step_and_show(t)"""),
    ("md", """\
Here the task is frozen in the middle of the migration. The old frame (on node 0) is
locked and in the swap cache (the band along the bottom of a locked frame shows what it
holds). Its only pte holds the swap entry, so if the worker touched the page now it would
fault and wait for the page lock. On node 1 the new frame is already allocated and
locked, still empty, waiting for the contents. The page table shows no arrow at all: the
worker has no present pte right now."""),
    ("code", """\
print(describe_page(km.nodes[0].pages[0]))
print(describe_page(km.nodes[1].pages[0]))
draw.show(draw.draw_machine(km))
draw.show(draw.draw_page_table(km, w))"""),
    ("code", """\
# let the task finish: the pte comes back, read-only, pointing to node 1
while not t.done:
    step_and_show(t)
print(t)
print(w.read(z, 4))
km.check()"""),

    ("md", """\
## 7. Step it yourself

The stepper below replays a small race: root migrates a child's pages (two of them
shared copy-on-write with its parent) while the parent forks again. Task **M** is the
migration, task **F** the fork; each runs on its own CPU and they interleave only at
scheduling points. It opens on one interleaving (M until the shared pages are swap
entries, then the whole fork, then the rest of M). Slide back through the states, or
press *reset* and choose which CPU steps next: the panel names the scheduling point and
the kernel function each task stands in, and the machine is checked after every step.

*Predict first:* at 2.6.16 the shared pages are swap entries while the fork copies the
parent's page table. What does the new child get, and does anything break?"""),
    ("code", """\
from IPython.display import display
from migsim import scenarios, widgets

stepper = widgets.Stepper(scenarios.FORK_RACE, "v2.6.16", schedule="M110F9M28", finish=True)
display(stepper)"""),
    ("md", """\
The final state as text (what the stepper shows at its last state). In this
interleaving the fork copied the swap entries before migration began to rebuild the ptes,
so the walk that rebuilt them found all three processes: all three end on the same new
frame, on node 1, and `check()` is clean.

That is this interleaving, not every one. fork links the new child into the reverse map
before it copies the parent's ptes, and the walk that rebuilds them can pass the new child
while it is still empty. A swap entry copied into it after that is correctly counted, so
nothing complains; but its slot was never written, and once the page leaves the swap cache
the new child reads whatever the swap device held there: a previous boot's bytes, not its
parent's data. Keep that in mind; we come back to this race later in the series."""),
    ("code", """\
print(stepper.state_text())
a = stepper.ctx["a"]
for pid in sorted(stepper.k.tasks_by_pid):
    print(f"pid {pid}: {stepper.k.pte(stepper.k.process(pid), a)}")
print(describe_page(stepper.k.page(stepper.k.process(100), a)))"""),
    ("md", """\
## What to remember

* A node is a bank of frames; `struct page` describes each frame (`_count`, `_mapcount`,
  `mapping`, `index`, `flags`).
* An i386 pte is one word: pfn in bits 12-31, flags below. A swap pte is not present and
  keeps the swap type in bits 1-5 and the offset from bit 8.
* fork write-protects private pages in both processes; the first writer copies.
* 2.6.16 migrates anonymous pages by passing them through the swap cache. It needs a
  swap area, and leaves every migrated pte read-only.

The next notebook starts the series of patches that took this apart."""),
]


def build():
    """The notebook: CELLS with fixed ids and a python3 kernelspec."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, text) in enumerate(CELLS):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell.id = f"c{i:02d}"
        nb.cells.append(cell)
    return nb


def main(argv):
    nbformat.write(build(), OUT)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(CELLS)} cells)")
    if "--execute" in argv:
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                        "--inplace", "--ExecutePreprocessor.timeout=60",
                        "--ExecutePreprocessor.record_timing=False",
                        "--ExecutePreprocessor.store_widget_state=False", str(OUT)], check=True, cwd=ROOT)


if __name__ == "__main__":
    main(sys.argv[1:])
