"""The stepper: step, go back, play and slide through the states of a scenario's Recording."""

import html

import ipywidgets as widgets

from .. import draw
from ..errors import bad_value
from .calls import plain_arg, task_call
from .recording import FINISH, Recording


def _esc(text):
    return html.escape(str(text))


def _stack_text(functions, width):
    """'a > b > … > y > z': the outermost and innermost functions of a stack, within `width` characters."""
    text = " > ".join(functions)
    inner = list(functions)
    while len(text) > width and len(inner) > 2:
        del inner[1]                          # the outermost (the call) stays, and the innermost ones
        text = " > ".join([inner[0], "…"] + inner[1:])
    return text


def _short_result(value):
    """A task's result for its status line: a process by its pid and name (its repr is long)."""
    if hasattr(value, "pid") and hasattr(value, "comm"):
        return f"pid {value.pid} ({value.comm})"
    return plain_arg(value)


# A status line in characters: about what one line holds beside a task's button in JupyterLab at 1366x768
# (the file browser open); a task's call gives up whole arguments (…) to keep its line within it, and a
# long stack gives up the functions in its middle.
LINE_CHARS = 112
CALL_CHARS = 56               # the call's share of a task's line (the same in every state: it does not jump)


# Every picture at the size a laptop screen shows it (1:1: JupyterLab at 1366x768 leaves about 930px of
# width to an output), never scaled up; fewer pixels to encode and send at every step.
PICTURE_DPI = 75
# Font sizes (points) of the stepper's pictures: at PICTURE_DPI the smallest label is 9pt x 75/72 = 9.4px,
# and a frame's label keeps to 6 characters a line so that it stays inside its 39px frame.
PICTURE_STYLE = {"small": 9, "fontsize": 10, "title": 11, "label_chars": 6, "inch_per_unit": 0.5,
                 "timeline_inches": 9.5}
# The least width (px) the picture of a stepper is shown at, in JupyterLab at 1366x768; the browser test
# checks it, and the pictures' tests that none is wider.
PICTURE_MAX_WIDTH = 900

# Text lines at reading height rather than at the widgets' row height (28px a line), so the status
# fits with the picture on a laptop screen; a task's status line sits beside its button.
_CSS = """<style>
.migsim-stepper .widget-html > .widget-html-content { line-height: 1.4; }
.migsim-stepper .migsim-tasks .widget-html { align-self: center; margin-left: 6px; }
.migsim-stepper .migsim-where, .migsim-stepper .migsim-schedule { margin-top: 3px; }
</style>"""


class Stepper:
    """Step a scenario's tasks one scheduling point at a time, back, play, and slide through states.

    ``Stepper(scenario, at)`` starts at the scenario's first state;
    ``Stepper(scenario, at, schedule="M85F7M6F2M")`` opens a recorded
    schedule (for instance the explorer's shortest failing one) on its last
    state; `finish=True` also runs the scenario's ending if the tasks are
    over. A chapter may then `goto(i)` its decisive state, with recorded steps
    ahead (the status line says how many, and that step or play follows them);
    on the recording's last state, where nothing can step, the status line says
    to press reset to replay it. `picture` chooses the first picture
    ("machine", "timeline", "rmap", or "pid <n>" for a page table).
    """

    def __init__(self, scenario, at, schedule="", finish=False, picture="machine"):
        self.rec = Recording(scenario, at, schedule, finish)
        pictures = [value for _, value in self._picture_options()]
        if picture not in pictures:
            raise bad_value("picture", picture, f"one of {', '.join(map(repr, pictures))}")
        self.chosen = None
        self._quiet = False                   # True while the code (not the user) sets widget values
        self._machine = None
        self._rmap = None                     # the rmap picture's RmapPicture, made when first shown
        self._pictures = {}                   # (picture, schedule so far) -> PNG bytes, for slow pictures
        self._shown = None                    # the PNG bytes in the Image widget
        self._build(picture)
        self.refresh(moved=True)

    # --- building the widgets -----------------------------------------------------------------

    def _build(self, picture):
        """The widgets, laid out to fit a laptop screen (1366x768) at once: one row of controls, a line
        per task, the status lines, the picture under them scaled to what is left, the dump folded."""
        sc = self.rec.scenario
        self.title = widgets.HTML(f"{_CSS}<b>{_esc(sc.name)}</b> at <code>{_esc(self.rec.at)}</code> "
                                  f"(bug {_esc(sc.bug)}): {_esc(sc.title)}")
        self.banner = widgets.HTML("")
        button = widgets.Layout(width="76px")
        self.back_button = widgets.Button(description="back", icon="step-backward", layout=button,
                                          tooltip="one state back (by replay)")
        self.step_button = widgets.Button(description="step", icon="step-forward", button_style="primary",
                                          layout=button,
                                          tooltip="run the chosen task to its next scheduling point")
        self.reset_button = widgets.Button(description="reset", icon="undo", layout=button,
                                           tooltip="back to the first state and the opened recording")
        self.play = widgets.Play(value=0, min=0, max=1_000_000, interval=400, show_repeat=False,
                                 description="play", tooltip="play: one step per tick",
                                 layout=widgets.Layout(width="auto"))
        self.slider = widgets.IntSlider(value=0, min=0, max=0, description="state",
                                        continuous_update=False, style={"description_width": "40px"},
                                        layout=widgets.Layout(flex="1 1 200px", max_width="380px"))
        self.where = widgets.HTML("")
        self.schedule_html = widgets.HTML("")
        self.task_buttons, self.task_status = {}, {}
        rows = []
        for t in self.rec.k.tasks:
            b = widgets.ToggleButton(description=f"cpu{t.cpu}: {t.label}", value=False,
                                     layout=widgets.Layout(width="84px", min_width="84px"))
            b.observe(lambda change, label=t.label: self._on_choose(label, change), names="value")
            self.task_buttons[t.label] = b
            self.task_status[t.label] = widgets.HTML("", layout=widgets.Layout(flex="1 1 0%"))
            rows.append(widgets.HBox([b, self.task_status[t.label]]))
        if not rows:
            rows.append(widgets.HTML("<i>no tasks: the scenario's ending is its only step</i>"))
        self.picture = widgets.Dropdown(description="picture", options=self._picture_options(),
                                        style={"description_width": "50px"},
                                        layout=widgets.Layout(flex="1 1 220px", max_width="340px"))
        self.picture.value = picture
        # At its own size: never stretched to the output's width (align_self); scaled down only to the
        # output's width and the height the rows above leave, on a screen too small for it.
        self.image = widgets.Image(format="png", layout=widgets.Layout(
            max_width="100%", max_height="max(240px, calc(100vh - 390px))", object_fit="contain",
            align_self="flex-start"))
        self.dump_html = widgets.HTML("")
        self.dump = widgets.Accordion(children=[self.dump_html], titles=("the machine as text (k.dump())",),
                                      selected_index=None)
        self.back_button.on_click(lambda _: self.back())
        self.step_button.on_click(lambda _: self.step())
        self.reset_button.on_click(lambda _: self.reset())
        self.slider.observe(self._on_slider, names="value")
        self.play.observe(self._on_tick, names="value")
        self.picture.observe(lambda change: None if self._quiet else self._draw(), names="value")
        self.dump.observe(lambda change: self._show_dump(), names="selected_index")
        controls = widgets.HBox([self.back_button, self.step_button, self.play, self.reset_button,
                                 self.slider, self.picture], layout=widgets.Layout(flex_flow="row wrap"))
        tasks = widgets.VBox(rows)
        self.widget = widgets.VBox([self.title, self.banner, controls, tasks, self.where, self.schedule_html,
                                    self.image, self.dump])
        for w, name in ((self.widget, "stepper"), (self.banner, "banner"), (tasks, "tasks"),
                        (self.where, "where"), (self.schedule_html, "schedule"), (self.image, "picture"),
                        (self.dump, "dump")):
            w.add_class(f"migsim-{name}")          # stable CSS handles for browser tests and styling

    def _picture_options(self):
        """(text, value) for every picture of the current state."""
        k = self.rec.k
        options = [("machine: every node's frames", "machine"), ("timeline of the steps so far", "timeline")]
        if self._rmap_anon_vma() is not None:
            options.append(("rmap: the shared page's anon_vma list", "rmap"))
        options += [(f"page table of pid {pid} ({p.comm})", f"pid {pid}")
                    for pid, p in sorted(k.tasks_by_pid.items()) if p.mm is not None]
        return options

    def _rmap_anon_vma(self):
        """The anon_vma of the scenario's page (at ctx['a']), found through any live vma there."""
        address = self.rec.ctx.get("a") if isinstance(self.rec.ctx, dict) else None
        if address is None:
            return None
        for pid in sorted(self.rec.k.tasks_by_pid):
            mm = self.rec.k.tasks_by_pid[pid].mm
            for vma in (mm.mmap if mm is not None else []):
                if vma.vm_start <= address < vma.vm_end and vma.anon_vma is not None:
                    return vma.anon_vma
        return None

    @property
    def k(self):
        """The machine at the state shown."""
        return self.rec.k

    @property
    def ctx(self):
        """The scenario's context (addresses it uses, such as ctx['a'])."""
        return self.rec.ctx

    # --- what the user does ---------------------------------------------------------------------

    def step(self, label=None):
        """Step `label` (default: the chosen task, or the ending once the tasks are over)."""
        runnable = self.rec.runnable()
        if not runnable:
            return False
        label = label or (self.chosen if self.chosen in runnable else runnable[0])
        self.rec.step(label)
        self.refresh(moved=True)
        return True

    def back(self):
        """One state back (by replay)."""
        if self.rec.pos > 0:
            self.goto(self.rec.pos - 1)

    def goto(self, i):
        """Show recorded state `i`."""
        self.rec.goto(i)
        self.refresh(moved=True)

    def reset(self):
        """The first state, with the recording the stepper was opened with."""
        self._set(self.play, "playing", False)
        self.rec.reset()
        self.refresh(moved=True)

    def _on_choose(self, label, change):
        if self._quiet:
            return
        if change["new"]:
            self.chosen = label
        self.refresh()                        # one button stays pressed: the chosen task

    def _on_slider(self, change):
        if not self._quiet and change["new"] != self.rec.pos:
            self.goto(change["new"])

    def _on_tick(self, change):
        """A tick of the Play timer: follow the recording, else step the chosen task; stop when stuck."""
        if self._quiet or change["new"] <= change["old"]:
            return
        recorded = self.rec.history[self.rec.pos:self.rec.pos + 1]
        if not self.step(recorded[0] if recorded and recorded[0] in self.rec.runnable() else None):
            self._set(self.play, "playing", False)
        elif not self.rec.runnable():
            self._set(self.play, "playing", False)

    def _set(self, widget, name, value):
        """Set a widget's trait without reacting to it."""
        self._quiet, was = True, self._quiet
        try:
            setattr(widget, name, value)
        finally:
            self._quiet = was

    # --- showing the state ------------------------------------------------------------------------

    def _choose(self, moved):
        """Keep the chosen task if it can run; after a move prefer the recording's next step."""
        runnable = [c for c in self.rec.runnable() if c != FINISH]
        recorded = self.rec.history[self.rec.pos:self.rec.pos + 1]
        if moved and recorded and recorded[0] in runnable:
            self.chosen = recorded[0]
        elif self.chosen not in runnable:
            self.chosen = runnable[0] if runnable else None

    def refresh(self, moved=False):
        """Show the recording's current state in every widget."""
        rec = self.rec
        self._choose(moved)
        self._quiet, was = True, self._quiet
        try:
            for t in rec.k.tasks:
                b = self.task_buttons[t.label]
                b.value = t.label == self.chosen
                b.disabled = t.label not in rec.runnable()
                b.button_style = "info" if b.value else ""
                b.tooltip = self._task_line(t)
                self.task_status[t.label].value = self._task_html(t)
            self.slider.max = len(rec.history)
            self.slider.value = rec.pos
            if rec.error:
                self.play.playing = False
            options = self._picture_options()
            if options != list(self.picture.options):
                value = self.picture.value
                self.picture.options = options
                self.picture.value = value if value in dict(options).values() else "machine"
        finally:
            self._quiet = was
        self.banner.value = self._banner_html()
        runnable = rec.runnable()
        self.step_button.disabled = not runnable
        self.step_button.description = "finish" if runnable == [FINISH] else "step"
        self.back_button.disabled = rec.pos == 0
        self.play.disabled = not runnable and rec.pos == len(rec.history)
        self.where.value = self._where_html()
        self.schedule_html.value = self._schedule_html()
        self._draw()
        self._show_dump()

    def _show_dump(self):
        """The machine's dump in the folded panel, written only while the panel is open (it is long)."""
        if self.dump.selected_index is None:
            return
        self.dump_html.value = ("<pre style='font-size:11px;line-height:1.25;max-height:22em;"
                                f"overflow:auto;margin:0'>{_esc(self.rec.k.dump())}</pre>")

    def _draw(self):
        """The chosen picture of the current state, as PNG in the Image widget."""
        rec, kind = self.rec, self.picture.value
        if kind == "machine":
            if self._machine is None:
                with draw.restyled(**PICTURE_STYLE):
                    self._machine = draw.MachinePicture(rec.k, dpi=PICTURE_DPI)
            self._machine.update(rec.k)
            png = self._machine.png()
        elif kind == "rmap":
            if self._rmap is None:
                self._rmap = draw.RmapPicture(dpi=PICTURE_DPI)
            with draw.restyled(**PICTURE_STYLE):
                png = self._rmap.png(self._rmap_look())
        else:
            key = self._picture_key(kind)
            if key not in self._pictures:
                if len(self._pictures) > 64:
                    self._pictures.clear()
                with draw.offscreen(), draw.restyled(**PICTURE_STYLE):
                    self._pictures[key] = draw.drawn_png(self.picture_axes(kind).figure, dpi=PICTURE_DPI)
            png = self._pictures[key]
        if png is not self._shown:
            self._shown = self.image.value = png

    @property
    def png(self):
        """The picture shown now, as PNG bytes."""
        return self._shown

    def picture_axes(self, kind=None):
        """The axes of picture `kind` (default: the chosen one) of the current state, as the stepper draws it.

        Call it inside ``draw.offscreen()`` and ``draw.restyled(**PICTURE_STYLE)`` for the stepper's own
        figure (the tests measure its texts this way); the machine picture is the live MachinePicture's.
        """
        kind = kind or self.picture.value
        if kind == "machine":
            if self._machine is None:
                self._draw()
            return self._machine.ax
        return self._slow_picture(kind)

    def _picture_key(self, kind):
        """The key of slow picture `kind` of the current state among the kept PNGs: equal keys, equal pictures.

        A page table is keyed on what it shows (most steps change none of it); a timeline on the steps.
        """
        rec = self.rec
        if kind.startswith("pid "):
            return kind, draw.page_table_look(rec.k, rec.k.process(int(kind.split()[1])))
        return kind, tuple(rec.history[:rec.pos]), rec.error

    def _rmap_look(self):
        """What the rmap picture shows of the current state (`draw.rmap_look`)."""
        return draw.rmap_look(self.rec.k, self._rmap_anon_vma(), address=self.rec.ctx["a"])

    def _slow_picture(self, kind):
        rec = self.rec
        if kind == "timeline":
            steps = [(c, n) for c, n in zip(rec.history[:rec.pos], rec.names) if c != FINISH]
            failed_in_step = rec.error and rec.pos and rec.history[rec.pos - 1] != FINISH
            return draw.draw_timeline("".join(c for c, _ in steps),
                                      failing_step=-1 if failed_in_step else None,
                                      labels={t.label: task_call(t, 40) for t in rec.k.tasks},
                                      point_names=[n for _, n in steps])
        if kind == "rmap":
            return draw.draw_rmap_look(self._rmap_look())
        return draw.draw_page_table(rec.k, rec.k.process(int(kind.split()[1])))

    # --- text ----------------------------------------------------------------------------------------

    def _task_where(self, t):
        """(function, point) of a running task; a user access not yet in a kernel function is in its call."""
        fn, point = t.where()
        if fn == "(finished)":                 # the MMU's side of read/write: no kernel function on the stack
            fn = getattr(t, "call", (t.name,))[0]
        return fn, point

    def _task_detail(self, t):
        """Where a task stands, what it waits on, or how it ended."""
        if t.oops is not None:
            return f"{t.oops}"
        if t.done:
            return f"returned {_short_result(t.result)}"
        if t.point is None:
            return "not started"
        fn, point = self._task_where(t)
        if t.blocked:
            what = t.point.what
            on = f"pfn 0x{what.pfn:x}" if hasattr(what, "pfn") else repr(what)
            return f"waits in {t.point.name} on {on} (in {fn})"
        return f"at {point} in {fn}"

    def _task_line(self, t):
        """One line for a task: its state, then where it stands or what it waits on."""
        return f"{t.state}: {self._task_detail(t)}"

    def task_text(self, t):
        """A task's status line as the stepper shows it: (state, call, detail, chosen mark), plain text."""
        chosen = " ← chosen" if t.label == self.chosen else ""
        return t.state, task_call(t, CALL_CHARS), self._task_detail(t), chosen

    def _task_html(self, t):
        colour = {"ready": "#1a7f37", "blocked": "#b35900", "done": "#666666", "oopsed": "#d7191c"}[t.state]
        state, call, detail, chosen = self.task_text(t)
        return (f"<span style='color:{colour}'><b>{_esc(state)}</b></span> "
                f"<code title='{_esc(task_call(t))}'>{_esc(call)}</code>: {_esc(detail)}{_esc(chosen)}")

    def _banner_html(self):
        rec = self.rec
        if rec.error:
            return ("<div style='border:2px solid #d7191c;background:#fde0dd;padding:6px 10px;"
                    "font-weight:bold;color:#a50f15'>KERNEL BUG at state "
                    f"{rec.pos}: {_esc(rec.error)}<br><span style='font-weight:normal'>stepping forward "
                    "is disabled; go back, slide, or reset</span></div>")
        if rec.deadlocked():
            return ("<div style='border:2px solid #b35900;padding:6px 10px'><b>deadlock</b>: "
                    "every task left waits, and nothing can release it</div>")
        if rec.pos and rec.history[rec.pos - 1] == FINISH:
            return ("<div style='border:2px solid #1a7f37;padding:6px 10px'>the scenario ended without "
                    f"a kernel bug: {_esc(self._ending())}</div>")
        return ""

    def _ending(self):
        """What the scenario's ending does, in words."""
        return (self.rec.scenario.finish.__doc__ or "the machine is checked").strip().rstrip(".")

    def _where_lines(self):
        """(the step just taken, the chosen task's point, function and stack) as text lines."""
        rec = self.rec
        lines = []
        if rec.pos:
            label = rec.history[rec.pos - 1]
            if label == FINISH:
                lines.append(f"step {rec.pos - 1}: the scenario's ending ran: {self._ending()}")
            else:
                lines.append(f"step {rec.pos - 1}: task {label} stopped at {rec.names[rec.pos - 1]}")
        else:
            lines.append("state 0: nothing has run yet")
        if self.chosen is not None:
            t = rec.k.task(self.chosen)
            fn, point = self._task_where(t)
            lines.append(f"next for {t.label}: " + (f"scheduling point {point} in {fn}" if t.point is not None
                                                    else f"its first step, into {fn}"))
            lines.append("stack: " + (_stack_text(t.stack(), LINE_CHARS - 7) or "(not started)"))
        elif rec.runnable() == [FINISH]:
            lines.append(f"next: the scenario's ending: {self._ending()}")
        return lines

    def _where_html(self):
        rec = self.rec
        ahead = len(rec.history) - rec.pos
        if ahead and rec.runnable():
            note = (f" &nbsp; ({ahead} recorded step{'s' if ahead > 1 else ''} ahead: <b>step</b> or "
                    "<b>play</b> follows the recording)")
        elif rec.pos and not rec.runnable():
            note = (" &nbsp; (the recording ends here: press <b>reset</b> to replay it from state 0, "
                    "or go <b>back</b>)")
        else:
            note = ""
        out = [f"<b>state {rec.pos} of {len(rec.history)}</b>{note}"]
        for line in self._where_lines():
            head, sep, rest = line.partition(": ")
            out.append(f"<b>{_esc(head)}</b>{sep}{_esc(rest)}" if sep else _esc(line))
        return "<br>".join(out)

    def _schedule_html(self):
        rec = self.rec
        now, recorded = rec.schedule() or "(none)", rec.schedule(len(rec.history)) or "(none)"
        ending = " + ending" if FINISH in rec.history[:rec.pos] else ""
        call = f"scenarios.run({rec.scenario.name!r}, {rec.at!r}, {rec.schedule()!r})"
        return (f"schedule so far: <code>{_esc(now)}</code>{ending} &nbsp; (recorded: "
                f"<code>{_esc(recorded)}</code>) &nbsp; replay: <code>{_esc(call)}</code>")

    def state_text(self):
        """Everything the stepper shows about the current state, as plain text (the dump aside)."""
        rec = self.rec
        sc = rec.scenario
        lines = [f"{sc.name} at {rec.at} (bug {sc.bug}): state {rec.pos} of {len(rec.history)}",
                 f"schedule so far: {rec.schedule() or '(none)'}"
                 f"{' + ending' if FINISH in rec.history[:rec.pos] else ''}"
                 f" (recorded: {rec.schedule(len(rec.history)) or '(none)'})"]
        if rec.error:
            lines.append(f"KERNEL BUG: {rec.error}")
        elif rec.deadlocked():
            lines.append("deadlock: every task left waits")
        for t in rec.k.tasks:
            mark = " [chosen]" if t.label == self.chosen else ""
            lines.append(f"cpu{t.cpu} {t.label} {task_call(t)}: {self._task_line(t)}{mark}")
        lines += self._where_lines()
        runnable = rec.runnable()
        lines.append("can step: " + (", ".join("the ending" if c == FINISH else c for c in runnable)
                                     or "nothing"))
        return "\n".join(lines)

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        rec = self.rec
        return (f"<Stepper {rec.scenario.name} at {rec.at}: state {rec.pos} of {len(rec.history)}"
                f"{', kernel bug' if rec.error else ''}>")
