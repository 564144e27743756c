"""include/asm-i386/mman.h: the protection and mapping flags of mmap and mprotect."""

PROT_READ, PROT_WRITE, PROT_EXEC = 1, 2, 4
MAP_SHARED, MAP_PRIVATE = 1, 2
