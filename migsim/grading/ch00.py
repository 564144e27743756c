"""Chapter 00, the machine (v2.6.16): its graded prediction.

00.1 (predict): in the stepper's interleaving of the quiet fork race at
v2.6.16 (M until the shared pages are swap entries, the whole fork, the rest
of M), does anything break? The answer is computed by replaying that
schedule with the machine checked after every scheduling point.
"""

from .. import scenarios
from .core import Predict

SCHEDULE_00 = "M110F9M28"            # the chapter's stepper opens on this interleaving


def breaks_00():
    """'yes' if the quiet fork race fails at v2.6.16 under the stepper's schedule, else 'no'."""
    return "yes" if scenarios.run(scenarios.FORK_RACE_QUIET, "v2.6.16", SCHEDULE_00).failed else "no"


PREDICT_00_1 = Predict("00.1", "v2.6.16", "a fork while the shared pages are swap entries: does anything break?",
                       breaks_00, choices=("yes", "no"))

EXERCISES = (PREDICT_00_1,)
