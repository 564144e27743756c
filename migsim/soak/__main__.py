"""python -m migsim.soak --at STEP --n N --seed S, or --replay FILE."""

import sys

from .cli import main

sys.exit(main())
