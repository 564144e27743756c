"""The patch series as data: one `Step` per buildable point, oldest first.

Each later issue of the project appends the steps it implements; a step is
listed here only when the simulator really changes at it (no placeholders).
Summaries are our own words; titles are the one-line git titles.
"""

from dataclasses import dataclass


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

    def __repr__(self):
        return f"<Step {self.id}: {self.title} ({self.commit[:12]}, {self.release})>"

    def badge(self):
        """One line naming the step, for notebook title cells and dumps."""
        return f"[{self.id}] {self.title} — {self.commit[:12]}, Linux {self.release}"


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
)

IDS = tuple(s.id for s in STEPS)
INDEX = {s.id: i for i, s in enumerate(STEPS)}
LAST = IDS[-1]
