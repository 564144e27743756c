"""The contract of chapter 00's grader: 00.1 (predict: does the quiet fork race break anything?)."""

from . import predict

CHAPTER = "00-the-machine.ipynb"

ROWS = predict.rows(CHAPTER, "00.1", "no", correct=["No", " no ", False], wrong=["yes", True],
                    wrong_type=0, expected_words="one of 'yes', 'no'")
