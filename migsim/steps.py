"""The patch series as data: one `Step` per buildable point, oldest first.

Each later issue of the project appends the steps it implements; a step is
listed here only when the simulator really changes at it (no placeholders),
except a release (no files), which names the tree as shipped: v2.6.18.
Summaries are our own words; titles are the one-line git titles.
"""

from dataclasses import dataclass

# Steps 10-15 are not a release: mainline while 2.6.18-rc1 was being merged, with the
# rest of 2.6.18's migration work still to come after them.
RC1_MERGE = "2.6.18-rc1 (June 2006)"


@dataclass(frozen=True)
class Step:
    """One point of the series: a patch (or the baseline) and what it did."""

    id: str
    title: str
    commit: str
    authors: tuple
    release: str
    files: tuple
    summary: str
    context: bool = False    # a mainline commit between the course's patches, not one of the numbered ones

    def __repr__(self):
        mark = ", context" if self.context else ""
        return f"<Step {self.id}: {self.title} ({self.commit[:12]}, {self.release}{mark})>"

    def badge(self):
        """One line naming the step, for notebook title cells and dumps."""
        mark = " (context patch)" if self.context else ""
        return f"[{self.id}] {self.title}{mark} — {self.commit[:12]}, Linux {self.release}"


STEPS = (
    Step(
        id="v2.6.16",
        title="Linux 2.6.16 (baseline: swap-based page migration)",
        commit="7705a8792b0fc82fd7d4dd923724606bbfd9fb20",
        authors=("Linus Torvalds (release)", "page migration by Christoph Lameter"),
        release="2.6.16",
        files=("mm/vmscan.c", "mm/mempolicy.c", "fs/buffer.c", "mm/rmap.c",
               "mm/swapfile.c", "mm/memory.c"),
        summary=(
            "Page migration as it shipped in March 2006. It borrows the swap "
            "machinery: an anonymous page is first given a swap slot and put "
            "in the swap cache, so that try_to_unmap can replace every pte "
            "by a swap entry; the page then moves like any page-cache page "
            "(radix tree slot switched under tree_lock, contents copied), and "
            "remove_from_swap turns the swap entries back into ptes to the "
            "new page. Without free swap nothing can migrate: mbind with "
            "MPOL_MF_MOVE fails with -ENODEV, and sys_migrate_pages quietly "
            "moves nothing. The code is spread over mm/vmscan.c, "
            "mm/mempolicy.c and fs/buffer.c."),
    ),
    Step(
        id="reorg",
        title="page migration reorg",
        commit="b20a35035f983f4ac7e29c4a68f30e43510007e0",
        authors=("Christoph Lameter",),
        release="2.6.17",
        files=("mm/migrate.c", "include/linux/migrate.h", "mm/vmscan.c", "mm/mempolicy.c",
               "fs/buffer.c", "include/linux/swap.h", "mm/Kconfig", "mm/Makefile", "mm/swap_state.c"),
        summary=(
            "Page migration gets a file of its own, mm/migrate.c. The migration "
            "half of vmscan.c, buffer_migrate_page from fs/buffer.c and "
            "migrate_pages_to from mempolicy.c move there unchanged; the "
            "LRU-drain and must-have-swap checks become migrate_prep(); "
            "isolate_lru_page now puts the page on the caller's list itself and "
            "answers 0 or -EBUSY; pageout and remove_mapping stop being static "
            "so that migrate.c can call them. Meant as code motion only; the "
            "exports move along, including one for the static swap_page."),
    ),
    Step(
        id="fixups",
        title="Some page migration fixups",
        commit="e23ca00bf1b1c6c0f04702cb4d29e275ab8dc330",
        authors=("Christoph Lameter",),
        release="2.6.17",
        files=("mm/migrate.c",),
        summary=(
            "In mainline five commits before the unexport (both 2.6.17-rc2). "
            "Besides a duplicated include and a stale comment, it mends one failure path of "
            "migrate_page_remove_references that the reorg brought back with the "
            "old convention: when the count or the radix-tree slot is not what "
            "it should be under tree_lock, the answer was 1, which migrate_pages "
            "takes for a permanent failure, instead of -EAGAIN, which asks for "
            "another pass. A reference taken meanwhile (a swap-in fault waiting "
            "for the page lock) made a page stay put for good."),
        context=True,
    ),
    Step(
        id="unexport-swap-page",
        title="mm/migrate.c: don't export a static function",
        commit="64a3ca5f7ec2606b03be4a65736164a5373732ed",
        authors=("Adrian Bunk",),
        release="2.6.17",
        files=("mm/migrate.c",),
        summary=(
            "swap_page is static, so exporting it to modules made no sense: the "
            "EXPORT_SYMBOL line goes. A one-line patch, visible only to a module "
            "that tried to link against swap_page."),
    ),
    Step(
        id="dirty-fallback",
        title="page migration: Fix fallback behavior for dirty pages",
        commit="4c28f81193b6778f7b49090930d88e6d12bcb928",
        authors=("Christoph Lameter",),
        release="2.6.17",
        files=("mm/migrate.c",),
        summary=(
            "For a filesystem without a migratepage method, migrate_pages tested "
            "PageDirty before unmapping. A page written through a shared mapping "
            "is dirty only in its pte until it is unmapped, so it looked clean, "
            "was unmapped (which dirtied it) and moved anyway, leaving any "
            "filesystem that tracks its own dirty pages pointing at the freed "
            "page. The fallback path now unmaps first (a locked vma fails with "
            "-EPERM, a page still mapped is retried) and only then looks at "
            "PageDirty, so the page is written out before it can move. Also in "
            "2.6.16.17."),
    ),
    Step(
        id="redo-fault",
        title="Page Migration: Make do_swap_page redo the fault",
        commit="4da5eda0dca9",                 # abbreviated: the full id is in the 2.6.18 log
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/memory.c",),
        summary=(
            "do_swap_page found its page by the swap entry it had read from the "
            "pte, and when the locked page turned out to have left the swap cache "
            "(migration had moved it) it looked the same entry up again, without "
            "reading the pte again, although migration might have replaced that "
            "pte and reused the slot. The retry loop goes: the existing check that "
            "the pte is unchanged backs the fault out, and the access faults anew."),
        context=True,
    ),
    Step(
        id="rename-migration",
        title='page migration cleanup: rename "ignrefs" to "migration"',
        commit="7352349a19e84b28f10668eca9cbb6bbbfa9d38e",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/rmap.c",),
        summary=(
            "try_to_unmap's second argument said what it did (ignore the "
            "references of young ptes), not who asks for it: it is renamed "
            "'migration' in try_to_unmap and the helpers it calls. A rename only; "
            "a young pte still does not stop migration, a VM_LOCKED vma still does."),
        context=True,
    ),
    Step(
        id="group-functions",
        title="page migration cleanup: group functions",
        commit="1d8b85ccf1ed53a71b092fb5d807edf1ea7dabdd",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c",),
        summary=(
            "Pure reordering: the functions a filesystem can use as its "
            "migratepage method (fail_migrate_page, migrate_page, "
            "buffer_migrate_page) are gathered under a 'Migration functions' "
            "banner. Nothing runs differently."),
    ),
    Step(
        id="remove-definitions",
        title="page migration cleanup: remove useless definitions",
        commit="e7340f73307abed9283d0a07570d06e228c205dd",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c", "include/linux/migrate.h"),
        summary=(
            "migrate_page_remove_references and migrate_page_copy were exported "
            "only because buffer_migrate_page lived in fs/buffer.c. Since the "
            "reorg it sits next to them, so both become static and lose their "
            "exports: an out-of-tree module that used them no longer links."),
    ),
    Step(
        id="drop-nr-refs",
        title="page migration cleanup: drop nr_refs in remove_references()",
        commit="5b5c7120e2154239837fad5e3c7b7b781092b19c",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c",),
        summary=(
            "Callers no longer say how many references to expect. The function "
            "works it out: two for a page with a mapping (the isolation "
            "reference plus the radix tree's), three when it also has buffers. "
            "The commit message also counts one for an anonymous page without "
            "a mapping, but the code still refuses such a page before "
            "unmapping it; that case only arrives with swapless-core. The early "
            "unlocked mapcount-plus-refs shortcut goes; only the count seen "
            "under tree_lock decides."),
    ),
    Step(
        id="extract-unmap",
        title="page migration cleanup: extract try_to_unmap from migration functions",
        commit="c3fcf8a5daacf350f0632e1379414c01f34eeea3",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c",),
        summary=(
            "Unmapping can change a page (it moves the pte dirty bit into "
            "PG_dirty), so it must happen before anything inspects the page. "
            "try_to_unmap moves out of the per-filesystem helper into the loop "
            "of migrate_pages, ahead of the migratepage method or the fallback; "
            "the helper, now only switching the radix-tree slot, is renamed "
            "migrate_page_move_mapping, and the extra unmap of the dirty-page "
            "fix becomes redundant."),
    ),
    Step(
        id="pass-mapping",
        title='page migration cleanup: pass "mapping" to migration functions',
        commit="2d1db3b1170db4e8bf0531dd636742269c2cf579",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c", "include/linux/fs.h", "include/linux/migrate.h"),
        summary=(
            "Every migration function, and the migratepage method itself, takes "
            "the address_space first instead of looking it up again. "
            "migrate_pages takes and locks the new page only after the old one "
            "is unmapped, gives it the old page's index and mapping there, and "
            "clears the mapping again if the attempt fails."),
    ),
    Step(
        id="fallback-function",
        title="page migration cleanup: move fallback handling into special function",
        commit="8351a6e4785218a2b03c142be92926baff95ba5c",
        authors=("Christoph Lameter",),
        release="2.6.18",
        files=("mm/migrate.c",),
        summary=(
            "The default path for mappings without migratepage becomes "
            "fallback_migrate_page: write a dirty page out with pageout and "
            "retry (re-locking the page, since writing it out unlocked it), "
            "drop buffers if possible, then migrate_page. The old last resort "
            "of swapping out a page whose buffers would not go is dropped."),
    ),
)

STEPS = STEPS + (
    Step(
        id="migration-entries",
        title="Swapless page migration: add R/W migration entries",
        commit="0697212a411c1dae03c27845f2de2f3adb32c331",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("include/linux/swap.h", "include/linux/swapops.h", "mm/memory.c", "mm/migrate.c",
               "mm/mprotect.c", "mm/rmap.c", "mm/swapfile.c"),
        summary=(
            "As first posted on linux-mm, before the fixes folded into the "
            "merged commit. The two highest swap types become migration "
            "entries: a pte can say 'this page is being migrated, wait for its "
            "lock' (read or write), carrying the pfn of the locked old page "
            "instead of a swap slot, so anonymous pages will not need swap to "
            "move. MAX_SWAPFILES drops to 30. Faults on such an entry wait; "
            "fork and mprotect know how to copy and downgrade them; "
            "try_to_unmap installs them for anonymous pages not in the swap "
            "cache; remove_migration_ptes is added but not called yet. Three "
            "bugs came with it: new vmas still go to the head of the anon_vma "
            "list, fork's downgrade passes SWP_MIGRATION_READ where a yes/no "
            "'write' is expected, and swapon's old range check still admits "
            "types 30 and 31."),
    ),
    Step(
        id="rip-out-swap",
        title="Swapless page migration: rip out swap based logic",
        commit="d75a0fcda2cfc71b50e16dc89e0c32c57d427e85",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/rmap.c", "mm/swapfile.c", "include/linux/rmap.h",
               "include/linux/swap.h"),
        summary=(
            "Everything that made migration go through swap is deleted: "
            "swap_page, the add_to_swap step, the must-have-swap check, "
            "remove_from_swap and remove_vma_swap. Nothing puts the new "
            "migration entries back yet, so migration is broken at this commit, "
            "as its own message admits: anonymous ptes are left as migration "
            "entries for a page that is no longer locked, and migrate_page "
            "still calls the deleted remove_from_swap."),
    ),
    Step(
        id="swapless-core",
        title="Swapless page migration: modify core logic",
        commit="6c5240ae7f48c83fcaa8e24fa63e7eb09aba5651",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/Kconfig"),
        summary=(
            "Migration without swap. An anonymous page outside the swap cache "
            "has no mapping: migrate_page_move_mapping accepts it when the "
            "isolation reference is the only one left (all its ptes are "
            "migration entries and it is locked, so nobody can take another). "
            "On success the migration entries become ptes to the new page, on "
            "failure ptes to the old one again (remove_migration_ptes). "
            "MIGRATION no longer depends on SWAP."),
    ),
    Step(
        id="fork-race-fix",
        title="swapless page migration: fix swapops.h:97 BUG (folded into 0697212a)",
        commit="0697212a411c1dae03c27845f2de2f3adb32c331",
        authors=("Hugh Dickins",),
        release=RC1_MERGE,
        files=("mm/rmap.c",),
        summary=(
            "Hugh Dickins' fix, folded into the merged migration-entries "
            "commit. fork links the child's vma into the anon_vma before it "
            "copies the page tables; with new vmas at the head of the list, "
            "remove_migration_ptes could visit the child before the copy and "
            "the parent after it, leaving the child a migration entry for a "
            "page that is gone. New vmas now go to the tail, after their "
            "parent, so whichever way the two race the child's pte is fixed."),
    ),
    Step(
        id="cow-fix",
        title="swapless page migration: fix fork corruption (folded into 0697212a)",
        commit="0697212a411c1dae03c27845f2de2f3adb32c331",
        authors=("Hugh Dickins",),
        release=RC1_MERGE,
        files=("mm/memory.c",),
        summary=(
            "Hugh Dickins' second fix. At fork, copy_one_pte must make a write "
            "migration entry read-only in parent and child, as it write-protects "
            "a present pte. The first version rebuilt the entry with "
            "make_migration_entry(page, SWP_MIGRATION_READ), but that argument "
            "means 'write?', and 30 is true: both processes got write entries, "
            "and after migration one writable page shared by both. Now only "
            "write entries are touched, and they are downgraded in place with "
            "make_migration_entry_read."),
    ),
    Step(
        id="swapon-fix",
        title="fix folded into 0697212a: sys_swapon checks type >= MAX_SWAPFILES",
        commit="0697212a411c1dae03c27845f2de2f3adb32c331",
        authors=("Hugh Dickins",),
        release=RC1_MERGE,
        files=("mm/swapfile.c",),
        summary=(
            "Hugh Dickins' third fix. sys_swapon refused a new area only when "
            "its type could not be encoded in a swap pte, which is 31 on every "
            "architecture; that equalled MAX_SWAPFILES - 1 only while "
            "MAX_SWAPFILES was 32. With 30 slots the 31st swapon wrote past "
            "the end of swap_info[], and areas 30 and 31 would have been taken "
            "for migration entries. The check becomes type >= MAX_SWAPFILES."),
    ),
)

# After the series proper: the rest of 2.6.18-rc1's migration patches (all authored
# 2006-06-23..25, in mainline order), then the release. Commit ids are given as far
# as they were checked (12 hex digits); `git show` resolves them.
STEPS = STEPS + (
    Step(
        id="no-rss",
        title="More page migration: do not inc/dec rss counters",
        commit="442c9137de8d",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/rmap.c"),
        summary=(
            "A page under migration is still the process's page, so its rss "
            "should not dip while the ptes are migration entries and come back "
            "afterwards. try_to_unmap_one stops decrementing anon_rss when it "
            "installs a migration entry, and remove_migration_pte stops "
            "incrementing it when it puts a real pte back."),
    ),
    Step(
        id="file-entries",
        title="More page migration: use migration entries for file pages",
        commit="04e62a29bf15",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/rmap.c", "mm/vmscan.c"),
        summary=(
            "File pages were simply unmapped for migration, so a process lost "
            "its ptes and had to fault them back in from the page cache. Now "
            "try_to_unmap_one gives them migration entries too, and "
            "remove_migration_ptes restores them through the file's i_mmap "
            "list (remove_file_migration_ptes) as well as the anon_vma "
            "(remove_anon_migration_ptes). Because ->writepage may unlock the "
            "page, a dirty page on the fallback path first gets its ptes "
            "back, is written with writeout() and the attempt is retried; "
            "pageout() is static to vmscan.c again."),
    ),
    Step(
        id="unmap-and-move",
        title="page migration: simplify migrate_pages()",
        commit="e24f0b8f76cc",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c",),
        summary=(
            "The body of the big loop in migrate_pages becomes two functions: "
            "unmap_and_move (skip a page freed under us, lock the old page, wait "
            "for writeback, turn its ptes into migration entries, put them back "
            "if the move fails) and move_to_new_page (lock the new page, hand "
            "both to the mapping's migratepage method or the fallback, restore "
            "the ptes to the new page). On any answer but -EAGAIN (moved, freed "
            "under us, failed for good) unmap_and_move itself takes the new page "
            "off its list and gives it to the LRU, which frees it if it was not "
            "used; so list_del moves out of move_to_lru into putback_lru_pages. "
            "migrate_pages keeps only the passes and the bookkeeping."),
    ),
    Step(
        id="free-pages",
        title="page migration: handle freeing of pages in migrate_pages()",
        commit="aaa994b300a1",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/mempolicy.c", "include/linux/migrate.h"),
        summary=(
            "migrate_pages stops handing pages back on 'moved' and 'failed' "
            "lists for the caller to release: unmap_and_move puts the old page "
            "back on the LRU itself once it is done with it (which frees it if "
            "it moved), and migrate_pages puts back whatever is still on its "
            "list at the end. Nothing stays on the list, so the callers' "
            "putbacks go (migrate_to_node, do_mbind), and with do_mbind's the "
            "only one for pages check_range isolated before it failed: from "
            "here on, 2.6.18 included, they stay off the LRU for good. Two "
            "slips of this commit alone, mended by the next: migrate_pages_to "
            "no longer frees the new pages left over, and when an allocation "
            "fails it returns without putting the isolated pages back, "
            "counting them as not moved instead of answering -ENOMEM."),
    ),
    Step(
        id="new-page-t",
        title="page migration: use allocator function for migrate_pages()",
        commit="95a402c3847c",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/mempolicy.c", "include/linux/migrate.h"),
        summary=(
            "Instead of a list of new pages allocated in advance, migrate_pages "
            "takes a new_page_t function that allocates the target of each page "
            "when it is needed: new_node_page for sys_migrate_pages, "
            "new_vma_page for mbind, which now places each page where the "
            "vma's policy (interleave too) wants it. migrate_pages_to and its "
            "batches go, and with them free-pages' two leaks; an allocation "
            "failure (-ENOMEM) ends the whole call, after migrate_pages has "
            "put back what is left on the list."),
    ),
    Step(
        id="move-pages",
        title="page migration: sys_move_pages(): support moving of individual pages",
        commit="742755a1d8ce",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/mempolicy.c", "include/linux/migrate.h"),
        summary=(
            "A new system call moves given pages of a process to given nodes "
            "and reports, page by page, where each one ended up or why it did "
            "not move (-EFAULT no vma at or above the address, -ENOENT not "
            "present (a hole below a vma too), -EACCES shared "
            "without MPOL_MF_MOVE_ALL, -EBUSY not on the LRU, or the error of "
            "the move). With no node list it only reports where the pages are. "
            "The allocator callback gets a third argument through which it "
            "names the status slot of the page it allocates for."),
    ),
    Step(
        id="vma-migrate",
        title="page migration: Support a vma migration function",
        commit="7b2259b3e53f",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/mempolicy.c", "include/linux/mm.h"),
        summary=(
            "A vma's vm_ops may carry a migrate method, for mappings whose "
            "memory has no struct page to move (the case in mind was uncached "
            "memory on Altix). do_migrate_pages asks every vma's method first "
            "(migrate_vmas) and stops if one of them fails. No mapping of the "
            "simulator has such a method."),
    ),
    Step(
        id="mlock-migrate",
        title="Allow migration of mlocked pages",
        commit="e6a1530d692d",
        authors=("Christoph Lameter",),
        release=RC1_MERGE,
        files=("mm/migrate.c", "mm/rmap.c"),
        summary=(
            "mlock promises that a page stays in memory, not that it stays in "
            "the same frame, and a migration entry keeps it resident. So "
            "try_to_unmap_one in migration mode no longer refuses a VM_LOCKED "
            "vma, and no longer clears the young bit of the ptes it unmaps "
            "(a young pte never stopped migration), and unmap_and_move no "
            "longer treats try_to_unmap's answer as a permanent failure: "
            "whether the page is still mapped is all that counts. The policy "
            "layer still skips mlocked vmas: vma_migratable refuses VM_LOCKED "
            "until 0dc952dc (2.6.21), so sys_migrate_pages and mbind(MOVE) "
            "leave their pages; sys_move_pages and mbind(MOVE|STRICT) move them."),
    ),
    Step(
        id="v2.6.18",
        title="Linux 2.6.18",
        commit="e478bec0",
        authors=("Linus Torvalds (release)",),
        release="2.6.18",
        files=(),
        summary=(
            "The release, September 2006. The files the simulator models are "
            "as the last patch left them, so this step changes nothing: it "
            "names the tree as shipped. Its mm/migrate.c is the swapless "
            "migration of the series with migration entries for every page, "
            "unmap_and_move, the allocator callback and sys_move_pages."),
    ),
)

IDS = tuple(s.id for s in STEPS)
INDEX = {s.id: i for i, s in enumerate(STEPS)}
LAST = IDS[-1]
