"""mm/swapfile.c details: the swap area flags, a device's stale slots, free_swap_and_cache's re-check."""

import pytest

import migsim
from migsim import machine
from migsim.include.linux import swap
from migsim.include.linux.page_flags import PageSwapCache, SetPageLocked
from migsim.include.linux.swapops import swp_offset
from helpers import written_pages

PAGE = migsim.PAGE_SIZE


def test_swap_area_flags_are_the_kernels():
    assert (swap.SWP_USED, swap.SWP_WRITEOK, swap.SWP_ACTIVE) == (1, 2, 3)
    k = migsim.Kernel(at="v2.6.16")
    t = k.sys_swapon(4)
    assert k.swap_info[t].flags == swap.SWP_ACTIVE


def test_an_area_being_set_up_is_used_but_not_writable():
    k = migsim.Kernel(at="v2.6.16")
    t = k.sys_swapon(4)
    k.swap_info[t].flags = swap.SWP_USED         # as between the two halves of sys_swapon
    assert k.get_swap_page() == 0
    k.swap_info[t].flags = swap.SWP_ACTIVE
    assert k.get_swap_page() != 0


@pytest.mark.parametrize("seed", [2006, 7])
def test_a_new_swap_area_is_not_zero_filled(seed):
    """A slot not written since swapon holds a previous boot's bytes, naming the slot; the same for the same seed."""
    k = migsim.Kernel(at="v2.6.16", seed=seed)
    t = k.sys_swapon(4)
    data = k.swap_info[t].read_slot(3)
    assert len(data) == PAGE and data != bytes(PAGE)
    assert data.startswith(f"stale swap{t} slot 3, left by a previous boot (seed {seed})".encode())
    assert data == migsim.Kernel(at="v2.6.16", seed=seed).swap_info[t].read_slot(3)
    assert data != k.swap_info[t].read_slot(2)


def test_a_written_slot_reads_back_what_was_written():
    k = migsim.Kernel(at="v2.6.16", nodes=1, frames_per_node=8)
    k.sys_swapon(16)
    p, a = written_pages(k, 6, b"mine %d")
    k.reclaim(8)
    out = [k.pte(p, a + i * PAGE) for i in range(6)]
    assert any(pte.swap for pte in out)
    assert [p.read(a + i * PAGE, 6) for i in range(6)] == [b"mine %d" % i for i in range(6)]
    k.check()


@pytest.mark.parametrize("at", ["v2.6.16", "migration-entries", "swapon-fix"])
def test_free_swap_and_cache_tests_the_swap_cache_again_once_the_page_is_locked(at):
    """Between its lookup and its trylock the page can leave the swap cache (another CPU)."""
    class Racy(machine.build(at)):
        def find_get_page(self, mapping, index):
            page = yield from super().find_get_page(mapping, index)
            if page is not None and mapping is self.swapper_space:
                SetPageLocked(page)
                yield from self.delete_from_swap_cache(page)     # someone else's, meanwhile
                self.unlock_page(page)
            return page

    k = Racy(at, nodes=1, frames_per_node=8)
    k.sys_swapon(4)
    p = k.spawn("gcc")
    a = p.mmap(1)
    p.write(a, b"x")
    page = k.page(p, a)
    SetPageLocked(page)
    assert k._run(k.add_to_swap(page), k.init) == 1
    k.unlock_page(page)
    entry = page.private
    assert k.swap_duplicate(entry) == 1          # as if a swap pte shared the slot: count 2
    count = page._count
    k._run(k.free_swap_and_cache(entry), k.init)
    assert not PageSwapCache(page) and page._count == count - 1     # only the cache's reference went
    assert k.swap_info[0].swap_map[swp_offset(entry)] == 0
