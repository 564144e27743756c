"""Widgets over the model: a stepper for a scenario's tasks, and the explorer.

    from migsim import scenarios, widgets
    s = widgets.Stepper(scenarios.FORK_RACE, "swapless-core")
    display(s)                       # step, back, play, reset, a slider over every recorded state
    print(s.state_text())            # everything the stepper shows, as text

    e = widgets.ExplorerView(scenarios.FORK_RACE, "swapless-core")
    display(e)                       # explore, then open the shortest failing schedule

A thin view: a `Recording` (plain Python, no widgets) holds the scenario's
machine and the steps taken so far; the widgets only read it. Time travel is
by deterministic replay: going to state i rebuilds the scenario and replays
the first i recorded steps (a scenario's machine is seeded, so the state is
the same one, byte for byte). Nothing here uses threads or sleeps: "play" is
the front end's own `widgets.Play` timer, which ticks a counter that steps.

Design choices, so that a notebook stays honest under nbval:
- pictures are PNG bytes in a `widgets.Image` (no Output widget, nothing
  printed while a cell runs), drawn offscreen, never through pyplot;
- the machine picture is a `draw.MachinePicture`: drawn once, then only the
  frames that change are redrawn, so a step costs milliseconds;
- a kernel bug (raised by a step, or by `k.check()` after every step) stops
  the stepper on the failing state, shows the kernel's words, and disables
  stepping forward; back, the slider and reset still work.

The pieces: `recording` (the model side), `stepper`, `explorer`.
"""

from .explorer import ExplorerView
from .recording import FINISH, Recording
from .stepper import Stepper

__all__ = ["Recording", "Stepper", "ExplorerView", "FINISH"]
