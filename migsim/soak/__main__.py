"""python -m migsim.soak --at STEP --n N --seed S, or --replay FILE."""

import sys

from .cli import main

if __name__ == "__main__":                 # not when a test imports it
    sys.exit(main())
