"""include/linux/hugetlb.h: the one test other code makes of huge-page vmas.

Simplified: the simulator has no hugetlbfs, so no vma carries VM_HUGETLB
unless a test sets it.
"""

from .mm import VM_HUGETLB


def is_vm_hugetlb_page(vma):
    """A hugetlbfs vma: page-table walkers such as check_range leave it alone."""
    return bool(vma.vm_flags & VM_HUGETLB)
