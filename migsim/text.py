"""Text that shows as text: one `str` subclass for every listing, diff and verdict the package returns."""

import re


class Text(str):
    """A str that displays as text: its repr is the text itself, and Jupyter shows a code block.

    It compares equal to the plain string; `lang` names the highlighting
    ("diff", "python", "" for none) of the fenced Markdown block that Jupyter
    renders. Without `lang` Jupyter shows the plain text, as the REPL does.
    """

    def __new__(cls, text, lang=None):
        self = super().__new__(cls, text)
        self.lang = lang
        return self

    def __repr__(self):
        return str(self)

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def _repr_markdown_(self):
        if self.lang is None:
            return None                                   # IPython then shows text/plain alone
        runs = [len(m) for m in re.findall(r"`+", self)]
        fence = "`" * max(3, max(runs, default=0) + 1)    # longer than any run of backticks inside
        return f"{fence}{self.lang}\n{self.rstrip(chr(10))}\n{fence}\n"
