"""Every python block of README.md runs as written.

Each block is run on its own, in a fresh namespace, as a reader who pastes it
into a new session would run it (so a block may not lean on an earlier one).
Blocks fenced as anything but python (bash, text ...) are not run.
"""

import linecache
import pathlib
import re

import matplotlib.pyplot as plt
import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```[ \t]*(\S*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


def blocks(text):
    """(line number, language, code) of every fenced block of `text`, in order."""
    return [(text.count("\n", 0, m.start()) + 1, m.group(1).lower(), m.group(2)) for m in FENCE.finditer(text)]


def python_blocks():
    return [(line, code) for line, lang, code in blocks(README.read_text()) if lang in ("python", "py")]


def test_the_fence_reader_finds_blocks_and_their_languages():
    text = "x\n```bash\nls\n```\n\n```python\nprint(1)\n```\n```\nplain\n```\n"
    assert blocks(text) == [(2, "bash", "ls\n"), (6, "python", "print(1)\n"), (9, "", "plain\n")]


def test_the_readme_has_python_blocks():
    assert python_blocks(), "README.md has no python block (the test would check nothing)"


@pytest.mark.parametrize("line, code", python_blocks(), ids=[f"line{line}" for line, _ in python_blocks()])
def test_readme_block_runs_as_written(line, code):
    name = f"<README.md, block at line {line}>"
    # Like a notebook cell, the block's source is kept where inspect finds it (patch= needs it).
    linecache.cache[name] = (len(code), None, code.splitlines(keepends=True), name)
    try:
        exec(compile(code, name, "exec"), {"__name__": "__readme__"})
    finally:
        plt.close("all")
