"""Bad input: every mistake is answered, and none of them changes the machine.

Each test makes one kind of mistake against a small but busy machine (two
processes and a fork child, anonymous, read-only, PROT_NONE and file
mappings on both filesystems, pages swapped out, a swap area, and in the
`tasked` variant a finished task and two paused ones) and checks two things:

1. the answer: a `MigsimError` whose message names the bad value and what was
   expected, a `SegmentationFault` for memory the process may not touch, or
   the kernel's -errno where the simulated kernel itself does the checking;
2. nothing changed: the dump is the same text, and a *twin* machine built the
   same way, with the same follow-up work done on both (read every page, run
   the paused tasks, spawn, fork, create a file, swapon, check), ends in the
   same state. The twin catches state the dump does not show (the next pid,
   id counters, page contents).
"""

from errno import EINVAL, EPERM, ESRCH

import pytest

import migsim
from migsim import MigsimError, SegmentationFault, TaskError, UnknownStep, draw, explore, scenarios, widgets

PAGE = migsim.PAGE_SIZE
TASK_SIZE = 0xC0000000          # i386 with the 3G/1G split


# --- the machine ---------------------------------------------------------------

class Rig:
    """A built machine, its named processes and addresses, and its dump at build time."""

    def __init__(self, **options):
        self.options = options
        self.k = k = migsim.Kernel(at="v2.6.16", nodes=2, frames_per_node=32, seed=2006)
        for _ in range(options.get("swap_areas", 1)):
            k.sys_swapon(16)
        self.p = p = k.spawn("gcc", node=0, uid=1000)
        self.q = q = k.spawn("ld", node=1, uid=2000)
        self.notes = k.create_file("notes", 4, fs="ext2")
        self.log = k.create_file("log", 2, fs="listfs")
        self.a = p.mmap(4)                                  # anon rw      0x40000000
        p.write(self.a, b"hello")
        p.write(self.a + PAGE, b"world")
        k.reclaim(1)                                        # both go to swap
        self.m = p.mmap(4, file=self.notes, shared=True)    # file shared  0x40004000
        p.write(self.m, b"shared")
        self.ro = p.mmap(2, prot="r")                       # anon r--     0x40008000
        p.read(self.ro, 1)
        self.pn = p.mmap(1, prot="")                        # anon ---     0x4000a000
        self.b = q.mmap(2, file=self.log)                   # file private 0x40000000, then a hole
        q.write(self.b, b"cow")
        q.read(self.b + PAGE, 3)
        self.c = p.fork()
        self.c.write(self.a + 2 * PAGE, b"child")
        self.dead = k.spawn("dead")
        self.dead.mmap(1)
        self.dead.exit()
        if options.get("tasked"):
            k.start(k.sys_swapon, 8, label="S").run()                       # finished
            k.start(k.sys_migrate_pages, p.pid, [0], [1], label="M").step()  # paused
            k.start(q.fork, label="F").step()                               # paused, q busy
        self.before = k.dump()


def follow_up(rig):
    """Work done the same way on a machine and its twin: what it read, and the final dump."""
    k, seen = rig.k, []
    k.run_tasks()
    for pid in sorted(k.tasks_by_pid):
        proc = k.process(pid)
        for vma in list(proc.mm.mmap):
            for addr in range(vma.vm_start, vma.vm_end, PAGE):
                try:
                    seen.append(proc.read(addr, 8))
                except SegmentationFault:
                    seen.append("segv")
    n = k.spawn("later")
    x = n.mmap(2)
    n.write(x, b"later")
    seen.append(n.fork().pid)
    k.create_file("later", 1)
    seen.append(k.sys_swapon(4))
    k.check()
    return seen, k.dump()


def assert_unchanged(rig):
    """The machine is exactly as built: same dump, and it behaves like an untouched twin."""
    assert rig.k.dump() == rig.before
    twin = Rig(**rig.options)
    assert twin.before == rig.before
    assert follow_up(rig) == follow_up(twin)


@pytest.fixture
def rig():
    return Rig()


@pytest.fixture
def tasked():
    return Rig(tasked=True)


def raises(exc, fn, *args, **kwargs):
    """The message of the `exc` that fn(*args) raises (and it must raise exactly that kind)."""
    with pytest.raises(exc) as info:
        fn(*args, **kwargs)
    return str(info.value)


def assert_names(msg, *parts):
    for part in parts:
        assert part in msg, f"{part!r} not in {msg!r}"


# --- building a kernel -------------------------------------------------------------

@pytest.mark.parametrize("at", ["v9.9", "", "V2.6.16", None, ["v2.6.16"]])
def test_unknown_step_id_lists_valid_ids(rig, at):
    msg = raises(UnknownStep, migsim.Kernel, at=at)
    assert_names(msg, repr(at), *migsim.series.ids())
    assert_unchanged(rig)


@pytest.mark.parametrize("nodes", [0, 99, -1, 2.0, "2"])
def test_kernel_with_impossible_node_count(rig, nodes):
    msg = raises(MigsimError, migsim.Kernel, at="v2.6.16", nodes=nodes)
    assert_names(msg, f"nodes: {nodes!r}", "1..8")
    assert_unchanged(rig)


@pytest.mark.parametrize("frames", [0, -32, 1 << 21])
def test_kernel_with_impossible_frame_count(rig, frames):
    msg = raises(MigsimError, migsim.Kernel, at="v2.6.16", frames_per_node=frames)
    assert_names(msg, f"frames_per_node: {frames!r}", "1..1048576")
    assert_unchanged(rig)


# --- processes and nodes ---------------------------------------------------------------

@pytest.mark.parametrize("node", [2, -1, 99])
def test_spawn_on_a_node_that_does_not_exist(rig, node):
    msg = raises(MigsimError, rig.k.spawn, "cc1", node=node)
    assert_names(msg, f"node: {node!r}", "0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("comm", ["", None, "a" * 16, 7])
def test_spawn_with_a_bad_name(rig, comm):
    msg = raises(MigsimError, rig.k.spawn, comm)
    assert_names(msg, repr(comm), "non-empty string of at most 15 characters")
    assert_unchanged(rig)


@pytest.mark.parametrize("old, new, bad, which", [
    ([5], [1], 5, "old_nodes"), ([0], [2], 2, "new_nodes"), ([0, -1], [1, 0], -1, "old_nodes")])
def test_migrate_to_or_from_a_node_that_does_not_exist(rig, old, new, bad, which):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, rig.p.pid, old, new)
    assert_names(msg, f"node in {which}: {bad!r}", "0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("old, new, which", [([], [1], "old_nodes"), ([0], [], "new_nodes")])
def test_migrate_with_an_empty_node_list(rig, old, new, which):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, rig.p.pid, old, new)
    assert_names(msg, f"{which}: []", "at least one node id in 0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("old, new, which, bad", [
    ([0, 0], [1, 1], "old_nodes", "[0, 0]"), ([0, 1], [1, 1], "new_nodes", "[1, 1]")])
def test_migrate_with_a_node_listed_twice(rig, old, new, which, bad):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, rig.p.pid, old, new)
    assert_names(msg, f"{which}: {bad}", "each node listed once")
    assert_unchanged(rig)


@pytest.mark.parametrize("nodes", ["0", 0, None, b"\x00"])
def test_migrate_with_nodes_that_are_not_a_list(rig, nodes):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, rig.p.pid, nodes, [1])
    assert_names(msg, f"old_nodes: {nodes!r}", "a list of node ids in 0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("node", ["0", 0.0, None, True])
def test_migrate_with_a_node_that_is_not_an_int(rig, node):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, rig.p.pid, [node], [1])
    assert_names(msg, f"node in old_nodes: {node!r}", "an int in 0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("pid", ["100", -1, 100.0, None, True])
def test_migrate_with_a_pid_that_is_not_a_pid(rig, pid):
    msg = raises(MigsimError, rig.k.sys_migrate_pages, pid, [0], [1])
    assert_names(msg, f"pid: {pid!r}", "an int >= 0")
    assert_unchanged(rig)


@pytest.mark.parametrize("pid", ["100", -1, 4242])
def test_look_up_a_process_that_is_not_there(rig, pid):
    msg = raises(MigsimError, rig.k.process, pid)
    assert_names(msg, f"pid: {pid!r}", "a live pid", "100, 101, 102")
    assert_unchanged(rig)


def test_migrate_a_pid_that_does_not_exist_is_esrch(rig):
    assert rig.k.sys_migrate_pages(4242, [0], [1]) == -ESRCH
    assert_unchanged(rig)


def test_migrate_an_exited_process_is_esrch(rig):
    assert rig.k.sys_migrate_pages(rig.dead.pid, [0], [1]) == -ESRCH
    assert_unchanged(rig)


def test_migrate_another_users_process_is_eperm(rig):
    assert rig.p.migrate_pages(rig.q.pid, [1], [0]) == -EPERM      # uid 1000 on uid 2000
    assert_unchanged(rig)


@pytest.mark.parametrize("call, args", [
    ("fork", ()), ("write", (0x40000000, b"x")), ("mmap", (1,)), ("read", (0x40000000, 1)),
    ("munmap", (0x40000000, 1)), ("mprotect", (0x40000000, 1, "r")),
    ("mbind", (0x40000000, 1, "bind", [1])), ("migrate_pages", (0, [0], [1])), ("exit", ())])
def test_an_exited_process_can_do_nothing(rig, call, args):
    msg = raises(MigsimError, getattr(rig.dead, call), *args)
    assert_names(msg, f"process {rig.dead.pid} (dead) has exited", "expected a live process", "100, 101, 102")
    assert_unchanged(rig)


@pytest.mark.parametrize("code", [256, -1, "0"])
def test_exit_with_a_bad_code(rig, code):
    msg = raises(MigsimError, rig.c.exit, code)
    assert_names(msg, f"exit code: {code!r}", "0..255")
    assert_unchanged(rig)


# --- page counts and addresses --------------------------------------------------------------

@pytest.mark.parametrize("npages", [0, -1, 1 << 20])
def test_mmap_a_bad_number_of_pages(rig, npages):
    msg = raises(MigsimError, rig.p.mmap, npages)
    assert_names(msg, f"npages: {npages!r}", "1..524288")
    assert_unchanged(rig)


@pytest.mark.parametrize("npages", [0, -1])
def test_munmap_a_bad_number_of_pages(rig, npages):
    msg = raises(MigsimError, rig.p.munmap, rig.a, npages)
    assert_names(msg, f"npages: {npages!r}", "1..1048576")
    assert_unchanged(rig)


@pytest.mark.parametrize("length", [0, -1])
def test_read_a_bad_length(rig, length):
    msg = raises(MigsimError, rig.p.read, rig.a, length)
    assert_names(msg, f"length: {length!r}", f"1..{TASK_SIZE}")
    assert_unchanged(rig)


@pytest.mark.parametrize("call", ["read", "write"])
def test_touch_an_unmapped_address(rig, call):
    args = (0x50000000, 1) if call == "read" else (0x50000000, b"x")
    msg = raises(SegmentationFault, getattr(rig.p, call), *args)
    assert_names(msg, "gcc[100]", "0x50000000", "no mapping there", "40000000-40004000 rw-p")
    assert_unchanged(rig)


@pytest.mark.parametrize("call, args", [
    ("read", (TASK_SIZE, 1)), ("write", (TASK_SIZE, b"x")), ("write", (0xFFFFFFFF, b"x")),
    ("write", (-PAGE, b"x")), ("munmap", (TASK_SIZE, 1))])
def test_address_beyond_task_size(rig, call, args):
    msg = raises(MigsimError, getattr(rig.p, call), *args)
    assert_names(msg, f"address: {args[0]!r}", f"0..{TASK_SIZE - 1}")
    assert_unchanged(rig)


def test_write_past_the_end_of_a_mapping(rig):
    end = rig.b + 2 * PAGE                          # q's mapping of log is followed by a hole
    msg = raises(SegmentationFault, rig.q.write, end - 2, b"xyz")
    assert_names(msg, "ld[101]", f"0x{end:08x}", "no mapping there")
    assert_unchanged(rig)                           # not even the first two bytes landed


def test_write_running_from_a_writable_into_a_read_only_mapping(rig):
    msg = raises(SegmentationFault, rig.p.write, rig.ro - 2, b"abcd")
    assert_names(msg, "cannot write to", f"0x{rig.ro:08x}", "r--p")
    assert_unchanged(rig)                           # the shared file page was not written either


@pytest.mark.parametrize("who", ["p", "c"])
def test_write_to_a_read_only_mapping(rig, who):
    proc = getattr(rig, who)
    msg = raises(SegmentationFault, proc.write, rig.ro, b"x")
    assert_names(msg, f"[{proc.pid}]", f"cannot write to 0x{rig.ro:08x}", "r--p", "does not allow it")
    assert_unchanged(rig)


@pytest.mark.parametrize("call, verb", [("read", "read from"), ("write", "write to")])
def test_touch_a_prot_none_mapping(rig, call, verb):
    args = (rig.pn, 1) if call == "read" else (rig.pn, b"x")
    msg = raises(SegmentationFault, getattr(rig.p, call), *args)
    assert_names(msg, f"cannot {verb} 0x{rig.pn:08x}", "---p")
    assert_unchanged(rig)


@pytest.mark.parametrize("data", ["hello", None, 5, [104, 105], memoryview(b"hi")])
def test_write_data_that_is_not_bytes(rig, data):
    msg = raises(MigsimError, rig.p.write, rig.a, data)
    assert_names(msg, f"data: {data!r}", "non-empty bytes")
    assert_unchanged(rig)


@pytest.mark.parametrize("data", [b"", bytearray()])
def test_write_empty_data(rig, data):
    msg = raises(MigsimError, rig.p.write, rig.a, data)
    assert_names(msg, f"data: {data!r}", "non-empty bytes")
    assert_unchanged(rig)


@pytest.mark.parametrize("call, args, what, expected", [
    ("mmap", ("4",), "npages: '4'", "1..524288"),
    ("mmap", (1.5,), "npages: 1.5", "1..524288"),
    ("mmap", (True,), "npages: True", "1..524288"),
    ("read", (0x40000000, "4"), "length: '4'", "an int in 1.."),
    ("read", ("0x40000000", 4), "address: '0x40000000'", "an int in 0.."),
    ("munmap", (0x40000000, 1.0), "npages: 1.0", "an int in 1.."),
    ("mprotect", (0x40000000, 1.0, "r"), "npages: 1.0", "an int in 0.."),
    ("mbind", ("0x40000000", 1, "bind", [1]), "start: '0x40000000'", "an int in 0.."),
    ("mbind", (0x40000000, 1, "bind", [1], "move"), "flags: 'move'", "an int in 0..")])
def test_wrong_type_where_an_int_goes(rig, call, args, what, expected):
    msg = raises(MigsimError, getattr(rig.p, call), *args)
    assert_names(msg, what, expected)
    assert_unchanged(rig)


@pytest.mark.parametrize("call, args, what, expected", [
    ("sys_swapon", ("8",), "nr_slots (swap area size in pages): '8'", "1..16777214"),
    ("sys_swapon", (8, "high"), "prio: 'high'", "-1..32767"),
    ("reclaim", ("all",), "nr_pages: 'all'", "an int >= 1"),
    ("create_file", ("more", 1.0), "npages: 1.0", "1..65536"),
    ("spawn", ("cc1", 0, "root"), "uid: 'root'", "0..65535")])
def test_wrong_type_where_an_int_goes_in_a_kernel_call(rig, call, args, what, expected):
    msg = raises(MigsimError, getattr(rig.k, call), *args)
    assert_names(msg, what, expected)
    assert_unchanged(rig)


# --- mmap, mprotect, mbind arguments -----------------------------------------------------------

@pytest.mark.parametrize("call, prot", [
    ("mmap", "q"), ("mmap", "rwz"), ("mprotect", "rr"), ("mprotect", "read"), ("mprotect", "R")])
def test_bad_prot_string(rig, call, prot):
    args = (1,) if call == "mmap" else (rig.a, 1)
    msg = raises(MigsimError, getattr(rig.p, call), *args, prot=prot)
    assert_names(msg, f"prot: {prot!r}", 'letters from "rwx"')
    assert_unchanged(rig)


@pytest.mark.parametrize("prot", [8, -1, None, 1.5])
def test_bad_prot_value(rig, prot):
    msg = raises(MigsimError, rig.p.mprotect, rig.a, 1, prot)
    assert_names(msg, f"prot: {prot!r}", "an int in 0..7")
    assert_unchanged(rig)


def test_mprotect_misaligned_is_einval(rig):
    assert rig.p.mprotect(rig.a + 1, 1, "r") == -EINVAL
    assert_unchanged(rig)


def test_munmap_misaligned_is_einval(rig):
    assert rig.p.munmap(rig.a + 1, 1) == -EINVAL
    assert_unchanged(rig)


@pytest.mark.parametrize("mode", ["bnid", "BIND", "", "strict"])
def test_bad_mbind_mode_name(rig, mode):
    msg = raises(MigsimError, rig.p.mbind, rig.a, 1, mode, [1])
    assert_names(msg, f"mode: {mode!r}", "'bind'", "'default'", "'interleave'", "'preferred'")
    assert_unchanged(rig)


@pytest.mark.parametrize("mode", [7, -1, None, 1.5])
def test_bad_mbind_mode_number(rig, mode):
    msg = raises(MigsimError, rig.p.mbind, rig.a, 1, mode, [1])
    assert_names(msg, f"mode: {mode!r}", "an int in 0..3")
    assert_unchanged(rig)


@pytest.mark.parametrize("nodes", [5, "1", b"\x01"])
def test_mbind_nodes_that_are_not_a_list(rig, nodes):
    msg = raises(MigsimError, rig.p.mbind, rig.a, 1, "bind", nodes)
    assert_names(msg, f"nodes: {nodes!r}", "a list of node ids in 0..1")
    assert_unchanged(rig)


@pytest.mark.parametrize("nodes, bad", [([3], 3), ([0, "1"], "'1'")])
def test_mbind_node_that_does_not_exist(rig, nodes, bad):
    msg = raises(MigsimError, rig.p.mbind, rig.a, 1, "bind", nodes)
    assert_names(msg, f"node in nodes: {bad}", "an int in 0..1")
    assert_unchanged(rig)


def test_mbind_move_all_without_privilege_is_eperm(rig):
    assert rig.p.mbind(rig.a, 4, "bind", [1], migsim.MPOL_MF_MOVE_ALL) == -EPERM
    assert_unchanged(rig)


def test_mbind_bind_to_no_node_is_einval(rig):
    assert rig.p.mbind(rig.a, 4, "bind", []) == -EINVAL
    assert_unchanged(rig)


@pytest.mark.parametrize("file", ["notes", 3, "other kernel's file"])
def test_mmap_a_file_that_is_not_one_of_this_kernel(rig, file):
    if file == "other kernel's file":
        file = migsim.Kernel(at="v2.6.16").create_file("notes", 4)   # same name, other machine
    msg = raises(MigsimError, rig.p.mmap, 1, file=file)
    assert_names(msg, f"file: {file!r}", "a file made by k.create_file", "'log', 'notes'")
    assert_unchanged(rig)


@pytest.mark.parametrize("offset", [4, -1, "1"])
def test_mmap_a_file_from_an_offset_outside_it(rig, offset):
    msg = raises(MigsimError, rig.p.mmap, 1, file=rig.notes, offset=offset)
    assert_names(msg, f"offset (in pages): {offset!r}", "0..3")
    assert_unchanged(rig)


@pytest.mark.parametrize("kwargs, what, expected", [
    ({"shared": True}, "shared: True", "False for anonymous memory"),
    ({"offset": 1}, "offset: 1", "0 for anonymous memory"),
    ({"shared": "yes"}, "shared: 'yes'", "True or False")])
def test_mmap_anonymous_with_file_only_arguments(rig, kwargs, what, expected):
    msg = raises(MigsimError, rig.p.mmap, 1, **kwargs)
    assert_names(msg, what, expected)
    assert_unchanged(rig)


# --- files and swap ----------------------------------------------------------------------------

@pytest.mark.parametrize("fs", ["ext3", "", None, ["ext2"]])
def test_create_file_on_an_unknown_filesystem(rig, fs):
    msg = raises(MigsimError, rig.k.create_file, "more", 1, fs=fs)
    assert_names(msg, f"fs: {fs!r}", "'ext2'", "'listfs'")
    assert_unchanged(rig)


@pytest.mark.parametrize("name", ["notes", "log"])
def test_create_file_with_a_name_in_use(rig, name):
    msg = raises(MigsimError, rig.k.create_file, name, 1, fs="listfs")
    assert_names(msg, f"file name: {name!r}", "a new, non-empty name", "'log', 'notes'")
    assert_unchanged(rig)


@pytest.mark.parametrize("npages", [0, -4, 1 << 17])
def test_create_file_with_a_bad_size(rig, npages):
    msg = raises(MigsimError, rig.k.create_file, "more", npages)
    assert_names(msg, f"npages: {npages!r}", "1..65536")
    assert_unchanged(rig)


@pytest.mark.parametrize("slots", [0, -1, 1 << 24])
def test_swapon_with_a_bad_size(rig, slots):
    msg = raises(MigsimError, rig.k.sys_swapon, slots)
    assert_names(msg, f"nr_slots (swap area size in pages): {slots!r}", "1..16777214")
    assert_unchanged(rig)


def test_swapon_33rd_area_is_eperm():
    rig = Rig(swap_areas=32)                   # 32 areas fit (types 0..31) ...
    assert "<swap_info[31] swap31:" in rig.before
    assert rig.k.sys_swapon(16) == -EPERM      # ... the 33rd does not
    assert_unchanged(rig)


@pytest.mark.parametrize("nr_pages", [0, -5])
def test_reclaim_a_bad_number_of_pages(rig, nr_pages):
    msg = raises(MigsimError, rig.k.reclaim, nr_pages)
    assert_names(msg, f"nr_pages: {nr_pages!r}", "an int >= 1")
    assert_unchanged(rig)


# --- views ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["pte", "page"])
def test_view_a_process_of_another_kernel(rig, view):
    stranger = migsim.Kernel(at="v2.6.16").spawn("stranger")
    stranger.mmap(1)
    msg = raises(MigsimError, getattr(rig.k, view), stranger, 0x40000000)
    assert_names(msg, f"process: {stranger!r}", "a process of this kernel")
    assert_unchanged(rig)


@pytest.mark.parametrize("view", ["pte", "page"])
def test_view_something_that_is_not_a_process(rig, view):
    msg = raises(MigsimError, getattr(rig.k, view), rig.p.pid, rig.a)
    assert_names(msg, f"process: {rig.p.pid!r}", "a process of this kernel")
    assert_unchanged(rig)


@pytest.mark.parametrize("view", ["pte", "page"])
def test_view_an_exited_process(rig, view):
    msg = raises(MigsimError, getattr(rig.k, view), rig.dead, 0x40000000)
    assert_names(msg, "dead", "exited", "a live process")
    assert_unchanged(rig)


@pytest.mark.parametrize("addr", [TASK_SIZE, -1, "0x40000000"])
def test_view_an_address_beyond_task_size(rig, addr):
    msg = raises(MigsimError, rig.k.pte, rig.p, addr)
    assert_names(msg, f"address: {addr!r}", f"0..{TASK_SIZE - 1}")
    assert_unchanged(rig)


# --- tasks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [print, lambda: None, "sys_swapon", "other kernel"])
def test_start_something_that_is_not_a_call_of_this_kernel(rig, fn):
    if fn == "other kernel":
        fn = migsim.Kernel(at="v2.6.16").sys_swapon
    msg = raises(MigsimError, rig.k.start, fn, 8)
    assert_names(msg, f"function to start: {fn!r}", "a method of this kernel or of one of its processes")
    assert rig.k.tasks == []
    assert_unchanged(rig)


@pytest.mark.parametrize("method", ["dump", "check", "pfn_to_page"])
def test_start_a_kernel_method_that_is_not_a_kernel_path(rig, method):
    fn = getattr(rig.k, method)
    msg = raises(MigsimError, rig.k.start, fn)
    assert_names(msg, f"function to start: {fn!r}", "a syscall, a process call or a kernel function")
    assert rig.k.tasks == []
    assert_unchanged(rig)


def test_start_a_kernel_function_that_cannot_sleep(rig):
    msg = raises(MigsimError, rig.k.start, rig.k.mpol_check_policy, 0, frozenset())
    assert_names(msg, "function to start: 'mpol_check_policy'", "a kernel function that may sleep")
    assert_unchanged(rig)


@pytest.mark.parametrize("call", ["sys_migrate_pages", "mmap"])
def test_start_with_bad_arguments_starts_nothing(rig, call):
    fn, args = ((rig.k.sys_migrate_pages, (rig.p.pid, [0], [7])) if call == "sys_migrate_pages"
                else (rig.p.mmap, (0,)))
    msg = raises(MigsimError, rig.k.start, fn, *args)
    assert_names(msg, "7" if call == "sys_migrate_pages" else "npages: 0", "an int in")
    assert rig.k.tasks == []
    assert_unchanged(rig)


@pytest.mark.parametrize("label", ["M", "F"])          # S has finished: its label is free again
@pytest.mark.parametrize("call", ["sys_swapon", "fork"])
def test_start_with_a_label_in_use(tasked, label, call):
    fn, args = (tasked.k.sys_swapon, (4,)) if call == "sys_swapon" else (tasked.c.fork, ())
    msg = raises(MigsimError, tasked.k.start, fn, *args, label=label)
    assert_names(msg, f"label: {label!r}", "a label not in use", "FM")
    assert tasked.k.labels() == "SMF"
    assert_unchanged(tasked)             # in particular, the refused fork took no pid


@pytest.mark.parametrize("label", ["MM", "", "?", 1])
def test_start_with_a_label_that_is_not_a_letter(tasked, label):
    msg = raises(MigsimError, tasked.k.start, tasked.k.sys_swapon, 4, label=label)
    assert_names(msg, f"label: {label!r}", "one letter")
    assert_unchanged(tasked)


def test_start_a_second_task_on_a_busy_process(tasked):
    msg = raises(TaskError, tasked.k.start, tasked.q.fork)
    assert_names(msg, f"process {tasked.q.pid} (ld)", "already runs task F", "finish it first")
    assert_unchanged(tasked)             # the refused fork took no pid


def test_step_a_finished_task(tasked):
    msg = raises(TaskError, tasked.k.task("S").step)
    assert_names(msg, "task S", "has finished (done)", "runnable tasks: MF")
    assert_unchanged(tasked)


@pytest.mark.parametrize("label", ["Z", "m", None, 0])
def test_look_up_an_unknown_task_label(tasked, label):
    msg = raises(MigsimError, tasked.k.task, label)
    assert_names(msg, f"task label: {label!r}", "one of SMF")
    assert_unchanged(tasked)


@pytest.mark.parametrize("schedule", ["Z", "MZ", "MMFMZ", "M?"])
def test_replay_with_an_unknown_label_steps_nothing(tasked, schedule):
    k = tasked.k
    schedule_before, steps_before = k.schedule, [t.steps for t in k.tasks]
    bad = schedule[-1]
    msg = raises(MigsimError, k.replay, schedule)
    assert_names(msg, f"task label: {bad!r}", "one of SMF")
    assert k.schedule == schedule_before
    assert [t.steps for t in k.tasks] == steps_before
    assert_unchanged(tasked)


@pytest.mark.parametrize("schedule", ["S", "MS", "MFMS"])
def test_replay_naming_a_finished_task_steps_nothing(tasked, schedule):
    k = tasked.k
    schedule_before = k.schedule
    msg = raises(TaskError, k.replay, schedule)
    assert_names(msg, repr(schedule), "task S has finished", "unfinished tasks: MF")
    assert k.schedule == schedule_before
    assert_unchanged(tasked)


@pytest.mark.parametrize("schedule", [3, None, ["M"]])
def test_replay_a_schedule_that_is_not_a_string(tasked, schedule):
    msg = raises(MigsimError, tasked.k.replay, schedule)
    assert_names(msg, f"schedule: {schedule!r}", "task labels")
    assert_unchanged(tasked)


@pytest.mark.parametrize("addr", [0x50000000, 0x40010000])
def test_page_at_an_unmapped_address_names_it_and_the_mappings(rig, addr):
    msg = raises(MigsimError, rig.k.page, rig.p, addr)
    assert_names(msg, f"0x{addr:08x}", "not mapped in process 100 (gcc)", "40000000-40004000 rw-p [anon]",
                 "40004000-40008000 rw-s notes", "default=None")
    assert_unchanged(rig)


def test_page_where_the_pte_is_not_present_says_what_the_pte_is(rig):
    assert rig.k.pte(rig.p, rig.a).swap                         # reclaimed to swap when the rig was built
    msg = raises(MigsimError, rig.k.page, rig.p, rig.a)
    assert_names(msg, f"no page at 0x{rig.a:08x} in process 100 (gcc)", "swap entry", "k.pte(p, addr)",
                 "default=None")
    assert_unchanged(rig)


def test_page_with_a_default_gives_it_where_no_page_is_mapped(rig):
    assert rig.k.page(rig.p, 0x50000000, default=None) is None
    assert rig.k.page(rig.p, rig.a, default="no page") == "no page"
    assert rig.k.page(rig.p, rig.m, default=None) is rig.k.page(rig.p, rig.m)     # a present page is the page
    assert_unchanged(rig)


@pytest.mark.parametrize("comm", ["", "a" * 16, 7])
def test_fork_with_a_bad_name_for_the_child(rig, comm):
    msg = raises(MigsimError, rig.p.fork, comm=comm)
    assert_names(msg, f"comm (process name): {comm!r}", "non-empty string of at most 15 characters")
    assert_unchanged(rig)                                       # not even a pid was taken


# --- scenarios and the explorer -----------------------------------------------------------------

@pytest.mark.parametrize("schedule", [85, None, ["M", "F"], "85F9"])
def test_run_a_scenario_with_a_schedule_that_is_not_one(rig, schedule):
    msg = raises(MigsimError, scenarios.run, "fork_race", "swapless-core", schedule)
    assert_names(msg, f"schedule: {schedule!r}", "task labels")
    assert_unchanged(rig)


@pytest.mark.parametrize("bound", ["2", -1, 2.0, None, True])
def test_explore_with_a_bound_that_is_not_one(rig, bound):
    msg = raises(MigsimError, explore.explore, "fork_race", "swapless-core", bound=bound)
    assert_names(msg, f"bound (preemptions): {bound!r}", "an int >= 0")
    assert_unchanged(rig)


@pytest.mark.parametrize("kwargs, what, expected", [
    ({"prune": "yes"}, "prune: 'yes'", "True or False"), ({"limit": 0}, "limit (schedules): 0", "an int >= 1")])
def test_explore_with_other_bad_options(rig, kwargs, what, expected):
    msg = raises(MigsimError, explore.explore, "fork_race", "swapless-core", **kwargs)
    assert_names(msg, what, expected)
    assert_unchanged(rig)


# --- pictures and widgets -------------------------------------------------------------------------

@pytest.mark.parametrize("p, hint", [(100, "k.process(100)"), ("gcc", ""), (None, "")])
def test_draw_the_page_table_of_something_that_is_not_a_process(rig, p, hint):
    msg = raises(MigsimError, draw.draw_page_table, rig.k, p)
    assert_names(msg, f"process: {p!r}", "a process of this kernel", hint)
    assert_unchanged(rig)


def test_draw_the_page_table_of_another_kernels_process(rig):
    stranger = migsim.Kernel(at="v2.6.16").spawn("stranger")
    msg = raises(MigsimError, draw.draw_page_table, rig.k, stranger)
    assert_names(msg, f"process: {stranger!r}", "a process of this kernel")
    assert_unchanged(rig)


@pytest.mark.parametrize("picture", ["draw_machine", "MachinePicture", "draw_page_table", "draw_rmap"])
def test_draw_a_process_where_the_kernel_goes(rig, picture):
    args = (rig.p, rig.p) if picture in ("draw_page_table", "draw_rmap") else (rig.p,)
    msg = raises(MigsimError, getattr(draw, picture), *args)
    assert_names(msg, f"kernel: {rig.p!r}", "a migsim.Kernel", "draw_page_table(k, p)")
    assert_unchanged(rig)


@pytest.mark.parametrize("nodes, frames", [(1, 1025), (8, 129), (2, 4096)])     # a million: the same rule
def test_draw_a_machine_too_big_to_draw(nodes, frames):
    k = migsim.Kernel(at="v2.6.16", nodes=nodes, frames_per_node=frames)
    before = k.dump()
    for picture in (draw.draw_machine, draw.MachinePicture):
        msg = raises(MigsimError, picture, k)
        assert_names(msg, "too big to draw", f"{nodes} nodes x {frames} frames has {nodes * frames} frames",
                     "at most 1024 frames", "k.dump()")
    assert k.dump() == before


def test_draw_a_page_table_too_big_to_draw():
    k = migsim.Kernel(at="v2.6.16", nodes=1, frames_per_node=160)
    p = k.spawn("big")
    a = p.mmap(129)
    p.write(a, bytes(129 * PAGE))
    before = k.dump()
    msg = raises(MigsimError, draw.draw_page_table, k, p)
    assert_names(msg, "too big to draw", "page table of pid 100 (big) has 129 ptes in use", "at most 128")
    assert k.dump() == before


@pytest.mark.parametrize("picture", ["nope", "pid 999", None, "Machine"])
def test_stepper_asked_for_a_picture_it_cannot_show(picture):
    msg = raises(MigsimError, widgets.Stepper, scenarios.FORK_RACE, "swapless-core", picture=picture)
    assert_names(msg, f"picture: {picture!r}", "'machine'", "'timeline'", "'rmap'", "'pid 100'", "'pid 101'")
