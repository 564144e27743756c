"""include/linux/fs.h: address_space, its operations, inodes and filesystems.

`a_ops` entries name kernel functions (``"buffer_migrate_page"``) rather than
holding them, and are looked up on the running kernel, so that a patch that
replaces such a function changes every filesystem that uses it.
"""

from dataclasses import dataclass

from .spinlock import SpinLock


@dataclass(frozen=True)
class AddressSpaceOperations:
    """struct address_space_operations (None = the filesystem has no such method)."""

    readpage: str = None
    writepage: str = None
    set_page_dirty: str = None
    releasepage: str = None
    migratepage: str = None


class AddressSpace:
    """struct address_space: the page cache of one file (or of swap)."""

    is_anon_vma = False

    def __init__(self, host, a_ops, name):
        self.host, self.a_ops, self.name = host, a_ops, name
        self.page_tree = {}          # the radix tree: index -> page
        self.tree_lock = SpinLock(f"{name}->tree_lock")
        self.i_mmap = []             # vmas mapping this file (linear), in prio-tree order
        self.i_mmap_lock = SpinLock(f"{name}->i_mmap_lock")
        self.private_list = []       # a filesystem's own list of pages (listfs: dirty pages)

    @property
    def nrpages(self):
        return len(self.page_tree)

    def __repr__(self):
        return f"<address_space {self.name}: {self.nrpages} pages>"


class Inode:
    """A file: its size in pages, its blocks on disk and its page cache."""

    def __init__(self, ino, name, fs, npages):
        self.ino, self.name, self.fs, self.npages = ino, name, fs, npages
        self.i_mapping = AddressSpace(self, fs.a_ops, f"{name}")
        self.disk = {}       # page index -> bytes written back (absent = zeroes)
        self.shadow = {}     # page index -> bytes the file should hold (for check())

    def __repr__(self):
        return f"<file {self.name!r} on {self.fs.name}: {self.npages} pages>"


@dataclass(frozen=True)
class FileSystemType:
    """A filesystem: its name, its address_space operations, buffers or not."""

    name: str
    a_ops: AddressSpaceOperations
    uses_buffers: bool
    blocks_per_page: int = 1
    about: str = ""
