"""listfs: a filesystem with no migratepage that keeps its own dirty-page list.

Some filesystems of the era tracked dirty pages themselves (for delayed
allocation or their own writeback ordering) instead of through buffer heads.
listfs stands for them: its set_page_dirty puts the page on the mapping's
`private_list`, and its writepage takes it off. Migration has no method for
it, so the fallback path in migrate_pages must handle its pages, and must
never move one that is on that list.
"""

from ..include.linux.fs import AddressSpaceOperations, FileSystemType
from ..include.linux.page_flags import SetPageUptodate, SetPageWriteback, TestSetPageDirty
from ..kbuild import kfile

listfs = kfile("fs/listfs/inode.c")

listfs_aops = AddressSpaceOperations(
    readpage="listfs_readpage", writepage="listfs_writepage",
    set_page_dirty="listfs_set_page_dirty", migratepage=None)

LISTFS = FileSystemType("listfs", listfs_aops, uses_buffers=False,
                        about="no migratepage; keeps its own list of dirty pages")


@listfs.function(since="v2.6.16")
def listfs_readpage(k, page):
    """Fill a locked page from disk, then unlock it."""
    data = page.mapping.host.disk.get(page.index)
    page.data = None if data is None else bytearray(data)
    SetPageUptodate(page)
    k.unlock_page(page)
    return 0


@listfs.function(since="v2.6.16")
def listfs_set_page_dirty(k, page):
    """Dirty a page and remember it on the filesystem's own list. 1 if newly dirty."""
    if TestSetPageDirty(page):
        return 0
    page.mapping.private_list.append(page)
    return 1


@listfs.function(since="v2.6.16")
def listfs_writepage(k, page, wbc=None):
    """Write a locked page to disk and forget it; the page comes back unlocked."""
    mapping = page.mapping
    if page in mapping.private_list:
        mapping.private_list.remove(page)
    SetPageWriteback(page)
    mapping.host.disk[page.index] = None if page.data is None else bytes(page.data)
    k.unlock_page(page)
    k.end_page_writeback(page)
    return 0
