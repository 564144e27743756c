"""kernel/module.c: loading a module links it against the exported symbols only.

A `Module` names the kernel symbols it calls. Loading it (init_module)
resolves each one in the running kernel's export table: a symbol that is
not exported (or no longer exists) fails the load with the kernel's
"Unknown symbol" message and -ENOENT. A loaded module reaches the kernel
only through `module.ksyms`, which holds exactly the symbols it linked.
Simplified: no versioning (modversions), no GPL-only exports, no unloading.
"""

from errno import EEXIST, ENOENT, EPERM

from ..include.linux.sched import CAP_SYS_ADMIN
from ..kbuild import kfile

module_c = kfile("kernel/module.c")


class Module:
    """An out-of-tree module: its name, the symbols it needs, and what it does."""

    def __init__(self, name, needs, about=""):
        self.name, self.needs, self.about = name, tuple(needs), about
        self.ksyms = None

    def __repr__(self):
        state = "loaded" if self.ksyms is not None else "not loaded"
        return f"<module {self.name}: needs {', '.join(self.needs)}; {state}>"


class Ksyms:
    """The kernel as a module sees it: only the symbols it linked."""

    def __init__(self, k, names):
        for name in names:
            setattr(self, name, getattr(k, name))


@module_c.function(since="v2.6.16", syscall=True)
def sys_init_module(k, mod):
    """Load `mod`: 0, or -ENOENT if it needs a symbol the kernel does not export."""
    if not k.current.capable(CAP_SYS_ADMIN):
        return -EPERM
    yield from ()
    if mod.name in k.modules:
        return -EEXIST
    missing = [name for name in mod.needs if name not in k.EXPORTS]
    for name in missing:
        k.printk(f"{mod.name}: Unknown symbol {name}")
    if missing:
        return -ENOENT
    mod.ksyms = Ksyms(k, mod.needs)
    k.modules[mod.name] = mod
    return 0
