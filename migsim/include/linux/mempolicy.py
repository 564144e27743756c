"""include/linux/mempolicy.h: the policy modes and mbind flags a user passes in.

User-side constants (migsim.MPOL_MF_MOVE ...); mm/mempolicy.c adds its own
internal flags above MPOL_MF_INTERNAL.
"""

MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE = 0, 1, 2, 3
MPOL_MAX = MPOL_INTERLEAVE
MPOL_MF_STRICT, MPOL_MF_MOVE, MPOL_MF_MOVE_ALL = 1 << 0, 1 << 1, 1 << 2
MPOL_MF_INTERNAL = 1 << 3
