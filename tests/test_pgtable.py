"""i386 ptes and swap entries, bit for bit."""

from hypothesis import given, strategies as st

from migsim.include.asm_i386 import pgtable as pg
from migsim.include.linux import swapops as so


def test_swap_entry_keeps_type_in_the_top_five_bits():
    assert so.swp_entry(31, 0x1234) == 0xF8001234
    assert so.swp_entry(30, 0x1234) == 0xF0001234
    assert so.swp_type(0xF8001234) == 31 and so.swp_offset(0xF8001234) == 0x1234


def test_i386_swap_pte_has_type_in_bits_1_to_5_and_offset_from_bit_8():
    assert so.swp_entry_to_pte(so.swp_entry(31, 0x1234)) == 0x12343E
    assert so.swp_entry_to_pte(so.swp_entry(30, 0x1234)) == 0x12343C
    assert so.swp_entry_to_pte(so.swp_entry(0, 1)) == 0x100


def test_a_swap_pte_is_neither_present_nor_file_nor_none():
    pte = so.swp_entry_to_pte(so.swp_entry(3, 77))
    assert not pg.pte_present(pte) and not pg.pte_file(pte) and not pg.pte_none(pte)
    assert so.is_swap_pte(pte)


def test_the_old_swapon_probe_yields_31():
    # sys_swapon's check round-trips swp_entry(~0UL, 0) through a pte
    probe = so.pte_to_swp_entry(so.swp_entry_to_pte(so.swp_entry(0xFFFFFFFF, 0)))
    assert so.swp_type(probe) == 31


@given(st.integers(0, 31), st.integers(0, (1 << 24) - 1))
def test_swap_entries_round_trip_through_ptes(type_, offset):
    entry = so.swp_entry(type_, offset)
    assert so.pte_to_swp_entry(so.swp_entry_to_pte(entry)) == entry


def test_present_pte_layout():
    pte = pg.pfn_pte(0x1a, pg.PAGE_SHARED)
    assert pte == 0x1a027
    assert pg.pte_pfn(pte) == 0x1a and pg.pte_write(pte) and pg.pte_young(pte)
    assert pg.pte_bits(pg.pte_mkdirty(pte)) == ["present", "rw", "user", "accessed", "dirty"]
    assert not pg.pte_write(pg.pte_wrprotect(pte))


def test_prot_none_is_present_to_the_kernel_but_not_to_the_mmu():
    pte = pg.pfn_pte(5, pg.PAGE_NONE)
    assert pg.pte_present(pte) and not pte & pg._PAGE_PRESENT


def test_pte_modify_keeps_frame_dirty_and_accessed():
    pte = pg.pte_mkdirty(pg.pfn_pte(9, pg.PAGE_SHARED))
    ro = pg.pte_modify(pte, pg.PAGE_READONLY)
    assert pg.pte_pfn(ro) == 9 and pg.pte_dirty(ro) and not pg.pte_write(ro)
