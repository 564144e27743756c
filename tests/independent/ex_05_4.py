"""Prediction 05.4: the 32-bit value of the pte holding a write migration entry for pfn 0x1234. An int.

Worked out from section 1's layout: i386 swap pte = type in bits 1-5, offset from bit 8;
SWP_MIGRATION_WRITE is 31, the offset is the pfn: (31 << 1) | (0x1234 << 8) = 0x0012343E;
`swp_entry_to_pte(k.make_migration_entry(page, 1))` on a locked page at pfn 0x1234 agrees.
Right: 0x0012343E.
"""

import runpy
from pathlib import Path

H = runpy.run_path(str(Path(__file__).with_name("predict_hostile.py")))
RIGHT, READ = 0x0012343E, 0x0012343C

# the value as worked out from the fields (the same int as 0x0012343E: how it is written does not reach the grader)
CORRECT = H["answers"]({**H["shapes"](RIGHT), "from_fields": (31 << 1) | (0x1234 << 8)})

WRONG = H["answers"]({
    "read_entry": READ,                       # type 30: the read one
    "swp_entry_t": 0xF8001234,                # the arch-independent entry, not the pte
    "type_bits_only": 0x3E,
    "offset_bits_only": 0x123400,
    "present_bit_set": 0x0012343F,
    "pfn_at_bit_12": (0x1234 << 12) | 0x3E,   # as a present pte's pfn
    "type_at_bit_2": (31 << 2) | (0x1234 << 8),
    "type_unshifted": 31 | (0x1234 << 8),
    "chapter_08s_entry": 0x0010003E,          # the write entry for pfn 0x1000
    "signed_overflow": RIGHT - (1 << 32),
})

DEBATABLE = H["answers"]({**H["debatable"](RIGHT), "hex_string_padded": "0x0012343E"})


def _write_is_read():
    # every build from migration-entries on: write entries made with the read type
    from migsim import steps
    for at in steps.IDS[steps.INDEX["migration-entries"]:]:
        H["set_on_cached_build"](at, "SWP_MIGRATION_WRITE", 30)


def _pte_helper_patched():
    import migsim.include.linux.swapops as swapops
    swapops.swp_entry_to_pte = lambda entry: READ


HOSTILE = {**H["all_hostile"]("05.4", RIGHT, READ, _write_is_read, READ),
           # the helpers module's swp_entry_to_pte made to give the read entry's pte
           "swp_entry_to_pte_patched": H["fresh"](_pte_helper_patched, READ)}
