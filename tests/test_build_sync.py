"""tools/build_course.py keeps a chapter's .md and its .ipynb paired: an edit made to either survives a build."""

import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_course  # noqa: E402  (tools/ is not a package)

CHAPTER = "02-the-dirty-page"


@pytest.fixture
def pair(tmp_path):
    """A copy of one chapter's source and built notebook: (md, ipynb)."""
    for suffix in (".md", ".ipynb"):
        shutil.copy(ROOT / "notebooks" / (CHAPTER + suffix), tmp_path / (CHAPTER + suffix))
    return tmp_path / (CHAPTER + ".md"), tmp_path / (CHAPTER + ".ipynb")


def edit_notebook(ipynb, new_text):
    nb = nbformat.read(ipynb, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and not c.source.startswith("#"))
    cell.source = new_text
    nbformat.write(nb, ipynb)
    return nb


def test_a_built_notebook_is_not_taken_for_an_edited_one(pair):
    md, ipynb = pair
    before = md.read_text()
    assert not build_course.edited(nbformat.read(ipynb, as_version=4))
    assert build_course.sync_back(md) is False
    assert md.read_text() == before


def test_an_edit_in_the_notebook_is_written_back_into_the_md(pair):
    md, ipynb = pair
    before = md.read_text()
    nb = edit_notebook(ipynb, "An edit made in JupyterLab.")
    assert build_course.sync_back(md, check=True) is True and md.read_text() == before   # --check writes nothing
    assert build_course.sync_back(md) is True
    text = md.read_text()
    assert "An edit made in JupyterLab." in text
    assert text.split("\n---\n")[0] == before.split("\n---\n")[0]          # the front matter as it was
    rebuilt = build_course.read_source(md)                                   # what the next build starts from
    assert [c.source for c in rebuilt.cells] == [c.source for c in nb.cells]
    assert [c.metadata.get("tags") for c in rebuilt.cells] == [c.metadata.get("tags") for c in nb.cells]


def test_edits_on_both_sides_stop_the_build_and_name_both_files(pair):
    md, ipynb = pair
    edit_notebook(ipynb, "Edited in the notebook.")
    md.write_text(md.read_text().replace("\n## ", "\nA new paragraph in the md.\n\n## ", 1))
    with pytest.raises(SystemExit, match=f"{CHAPTER}.ipynb was edited, and so was .*{CHAPTER}.md"):
        build_course.sync_back(md)
    assert "Edited in the notebook." not in md.read_text()
