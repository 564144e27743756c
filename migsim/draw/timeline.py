"""A schedule as a timeline: one lane per task, one box per scheduling step (draw_timeline)."""

from matplotlib.patches import Rectangle

from ..errors import bad_value
from ..sched import compress, expand
from .style import LANE_COLOURS, STYLE, _figure_axes, check_picture


def _lanes(steps, labels):
    """(lane labels in order, {label: lane text}) for a timeline of `steps`."""
    used = list(dict.fromkeys(steps))
    if labels is None:
        return used, {c: c for c in used}
    if not isinstance(labels, (str, list, tuple, dict)):
        raise bad_value("labels", labels, f"the lanes, naming every label of the schedule ({''.join(used)})")
    names = dict(labels) if isinstance(labels, dict) else {c: c for c in labels}
    if not set(used) <= set(names):
        raise bad_value("labels", labels, f"the lanes, naming every label of the schedule ({''.join(used)})")
    return list(names), {c: (c if names[c] == c else f"{c}  {names[c]}") for c in names}


def _check_timeline_args(steps, failing_step, point_names):
    """failing_step as an index from 0 (None stays None); raises on a bad argument."""
    if point_names is not None and (not isinstance(point_names, (list, tuple))
                                    or not all(isinstance(n, str) for n in point_names)):
        raise bad_value("point_names", point_names, "a list of names, one per step (or None)")
    if point_names is not None and len(point_names) != len(steps):
        raise bad_value("point_names", f"{len(point_names)} names", f"one name per step ({len(steps)})")
    if failing_step is None:
        return None
    if isinstance(failing_step, bool) or not isinstance(failing_step, int) \
            or not -len(steps) <= failing_step < len(steps):
        raise bad_value("failing_step", failing_step,
                        f"a step index in 0..{len(steps) - 1} (or -1 for the last)")
    return failing_step % len(steps)


def _spaced(positions, gap):
    """`positions` (sorted) thinned so that kept ones are at least `gap` apart; the last is kept."""
    kept = []
    for x in positions:
        if not kept or x - kept[-1] >= gap:
            kept.append(x)
        elif x == positions[-1]:
            kept[-1] = x
    return kept


def draw_timeline(schedule, labels=None, failing_step=None, point_names=None, ax=None, title=None):
    """A schedule as one lane per task and one box per scheduling step; the axes.

    `schedule` is a schedule string ("M85F7M6F2M" or expanded). `labels` sets
    the lanes (a string of labels, or a dict label -> what the task runs);
    `failing_step` (an index, -1 for the last) is drawn red; `point_names`
    (one per step: where each step stopped) label the first step of every run
    where there is room, and the failing step in the title. The x axis is
    marked where the CPU changes.
    """
    if not isinstance(schedule, str):
        raise bad_value("schedule", schedule, "a schedule string such as 'M85F7M6F2M'")
    check_picture(ax, title)
    steps = expand(schedule)
    failing_step = _check_timeline_args(steps, failing_step, point_names)
    lanes, names = _lanes(steps, labels)
    n = len(steps)
    if ax is None:
        ax = _figure_axes((min(STYLE["timeline_inches"], max(5.0, 2.0 + 0.085 * n)),
                           1.3 + 0.5 * len(lanes) + (0.4 if point_names is not None else 0)))
    row = {c: len(lanes) - 1 - i for i, c in enumerate(lanes)}
    colour = {c: LANE_COLOURS[i % len(LANE_COLOURS)] for i, c in enumerate(lanes)}
    starts = [i for i in range(n) if i == 0 or steps[i] != steps[i - 1]]
    for i, c in enumerate(steps):
        failing = i == failing_step
        ax.add_patch(Rectangle((i + 0.06, row[c] + 0.15), 0.88, 0.7, gid=f"step:{i}:{c}",
                               facecolor=STYLE["failing"] if failing else colour[c],
                               edgecolor=STYLE["failing"] if failing else STYLE["edge"],
                               linewidth=1.5 if failing else 0.3))
    ax.set_xlim(-0.5, max(n, 1) + 0.5)
    ax.set_ylim(0, len(lanes) + (0.6 if point_names is not None else 0.1))
    # Steps per inch of the axes, to keep texts and ticks from running into each other.
    per_inch = (max(n, 1) + 1) / (ax.get_position().width * ax.figure.get_figwidth())
    if point_names is not None:
        last_end = {}
        # The figure's right edge, in steps: a label running past it would widen the picture.
        right = max(n, 1) + 0.5 + (1 - ax.get_position().x1) * ax.figure.get_figwidth() * per_inch
        for i in starts:
            text = point_names[i]
            end = i + (len(text) + 1) * STYLE["small"] * 0.6 / 72 * per_inch
            if i < last_end.get(steps[i], -1) or end > right:
                continue                        # no room: the previous label of this lane, or the edge
            ax.text(i + 0.1, row[steps[i]] + 0.88, text, ha="left", va="bottom",
                    fontsize=STYLE["small"], color="#333333", clip_on=False, gid=f"name:{i}")
            last_end[steps[i]] = end
    ticks = _spaced(sorted(set(starts + [n])), 0.3 * per_inch)
    ax.set_xticks(ticks, [str(t) for t in ticks], fontsize=STYLE["small"] + 1)
    ax.set_yticks([row[c] + 0.5 for c in lanes], [names[c] for c in lanes], family=STYLE["mono"])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xlabel("scheduling step (marked where the CPU changes)", fontsize=STYLE["fontsize"] - 1)
    verdict = ""
    if failing_step is not None:
        where = f" ({point_names[failing_step]})" if point_names is not None else ""
        verdict = f"; step {failing_step} fails{where}, in red"
    ax.set_title(title or f"schedule {compress(steps) or '(empty)'}: {n} steps{verdict}",
                 fontsize=STYLE["title"], loc="left")
    return ax
