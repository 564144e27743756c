"""fs/ext2: a block filesystem with buffer heads and a migratepage method.

Pages of an ext2 file carry four 1 KiB buffers; migration uses
buffer_migrate_page. Simplified: no block allocation, no journal, I/O at once.
"""

from ..include.linux.buffer_head import BH_Dirty, page_buffers
from ..include.linux.fs import AddressSpaceOperations, FileSystemType
from ..include.linux.page_flags import PagePrivate, SetPageUptodate, SetPageWriteback
from ..kbuild import kfile

ext2 = kfile("fs/ext2/inode.c")

ext2_aops = AddressSpaceOperations(
    readpage="ext2_readpage", writepage="ext2_writepage",
    set_page_dirty="__set_page_dirty_buffers", migratepage="buffer_migrate_page")

EXT2 = FileSystemType("ext2", ext2_aops, uses_buffers=True, blocks_per_page=4,
                      about="block filesystem with buffer heads; migratepage = buffer_migrate_page")


@ext2.function(since="v2.6.16")
def ext2_readpage(k, page):
    """Read a locked page from disk through its buffers, then unlock it."""
    inode = page.mapping.host
    if not PagePrivate(page):
        k.create_empty_buffers(page, EXT2.blocks_per_page)
    data = inode.disk.get(page.index)
    page.data = None if data is None else bytearray(data)
    SetPageUptodate(page)
    k.unlock_page(page)
    return 0


@ext2.function(since="v2.6.16")
def ext2_writepage(k, page, wbc=None):
    """Write a locked page's dirty buffers to disk; the page comes back unlocked."""
    inode = page.mapping.host
    SetPageWriteback(page)
    inode.disk[page.index] = None if page.data is None else bytes(page.data)
    if PagePrivate(page):
        for bh in page_buffers(page):
            bh.b_state &= ~BH_Dirty
    k.unlock_page(page)
    k.end_page_writeback(page)
    return 0
