"""Build the course: each chapter's MyST Markdown source into its executed notebook, and the student copies.

    python tools/build_course.py                 # every chapter
    python tools/build_course.py 02 00           # only the chapters whose file name starts so
    python tools/build_course.py --check         # build in memory and compare: write nothing, exit 1 if stale
    python tools/build_course.py --check --inputs-only   # the same without executing (sources and exercises only)

The sources are `notebooks/NN-name.md` and `solutions/NN-name.md` (MyST
Markdown, read by jupytext); they are the only files an author edits.
Each becomes `NN-name.ipynb` beside it, executed with its outputs stored
(so strict nbval compares them), and each solution also becomes the student
copy `exercises/NN-name.ipynb` (nbgrader's ClearSolutions, ClearHiddenTests,
ClearMarkScheme and ClearOutput; no course directory or database).

A chapter's first cell carries its patch badge on a line of its own,
`> **Patch badge:** ` followed by `migsim.series.step(ID).badge()`; cell
options go in the MyST cell header (`:tags: [...]`, or a YAML block with
`nbgrader:` metadata). Building twice gives the same bytes: cell ids come
from each cell's content, the metadata is fixed, no timing or widget state is
stored (a widget's output keeps only its text), and streams are coalesced.
Kernels run with this checkout first on PYTHONPATH, in the notebook's folder.

The pair survives an edit on either side. A cell's id is the hash of the
text it was built from, so a built notebook edited in JupyterLab shows which
cells changed; if its source `.md` is still the one it was built from (the
same cells), the build first writes the notebook's cells back into the
`.md` (`sync_back`), then builds from it. If both were edited, the build
stops and names both files, so that neither edit is lost; `--check` reports
an edited notebook as stale.
"""

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from migsim import series  # noqa: E402  (after the path: this checkout's migsim)

SOURCE_DIRS = ("notebooks", "solutions")
CHAPTERS = ("[0-9][0-9]-*.md", "[A-Z]-*.md")   # the chapters in order, then the appendices (A-appendix.md)
EXERCISES = "exercises"
BADGE = "> **Patch badge:** "          # the title cell's line, followed by series.step(ID).badge()
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"     # a model id: random, and useless without state
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                      "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                      "pygments_lexer": "ipython3"},
}


# --- the pieces of a build ------------------------------------------------------------------------

def sources(root=ROOT, names=()):
    """The chapter sources under `root` (notebooks, then solutions); with `names`, those whose name starts so."""
    found = [md for d in SOURCE_DIRS for pattern in CHAPTERS for md in sorted((root / d).glob(pattern))]
    if not names:
        return found
    chosen = [md for md in found if any(md.name.startswith(Path(n).stem) or md == Path(n).resolve()
                                        for n in names)]
    if not chosen:
        raise SystemExit(f"no chapter source matches {' '.join(names)}; the sources are: "
                         + ", ".join(str(md.relative_to(root)) for md in found))
    return chosen


def cell_id(cell, seen):
    """A stable id from the cell's kind and text (a repeat gets -2, -3 ...)."""
    digest = hashlib.sha1(f"{cell.cell_type}\0{cell.source}".encode()).hexdigest()[:12]
    seen[digest] = seen.get(digest, 0) + 1
    return digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"


BUILT_ID = re.compile(r"[0-9a-f]{12}(-[0-9]+)?")   # cell_id's shape (JupyterLab's new cells get uuids)
TRANSIENT = ("collapsed", "scrolled", "jupyter", "execution", "trusted", "editable")   # the front end's, not ours


def edited(nb):
    """Whether built notebook `nb` was edited since its build: a cell whose id is not its text's hash."""
    seen = {}
    return any(cell.get("id") != cell_id(cell, seen) for cell in nb.cells)


def sync_back(md, check=False):
    """Write the cells of `md`'s built notebook into `md` if the notebook was edited and `md` was not.

    Returns True if it wrote (with `check`, if it would write). Stops the
    build (SystemExit) if both the notebook and `md` changed since the build.
    """
    built = md.with_suffix(".ipynb")
    if not built.exists():
        return False
    nb = nbformat.read(built, as_version=4)
    if not edited(nb):
        return False
    source_ids = [cell.id for cell in read_source(md).cells]
    built_from = [cell.id for cell in nb.cells if BUILT_ID.fullmatch(cell.get("id", ""))]
    if built_from != source_ids:
        raise SystemExit(f"{built} was edited, and so was {md} since that build (or cells were deleted in "
                         f"the notebook): merge the notebook's edits into the .md by hand, then build")
    if check:
        return True
    text = md.read_text(encoding="utf-8")
    paired = jupytext.read(md, fmt="md:myst")
    paired.cells = []
    for cell in nb.cells:
        meta = {k: v for k, v in cell.metadata.items() if k not in TRANSIENT}
        make = nbformat.v4.new_code_cell if cell.cell_type == "code" else (
            nbformat.v4.new_markdown_cell if cell.cell_type == "markdown" else nbformat.v4.new_raw_cell)
        paired.cells.append(make(cell.source, metadata=meta))
    body = jupytext.writes(paired, fmt="md:myst")
    header = re.match(r"---\n.*?\n---\n", text, re.S)          # the source's own front matter, kept as written
    new_header = re.match(r"---\n.*?\n---\n", body, re.S)
    if header and new_header:
        body = header.group(0) + body[new_header.end():]
    md.write_text(body, encoding="utf-8")
    return True


def badge_step(nb):
    """The step whose badge the first cell shows; ValueError if the line is missing or not that step's badge."""
    first = nb.cells[0].source if nb.cells else ""
    lines = [line[len(BADGE):] for line in first.splitlines() if line.startswith(BADGE)]
    if len(lines) != 1 or not lines[0].startswith("[") or "]" not in lines[0]:
        raise ValueError(f"the first cell needs one line '{BADGE}[ID] ...' (series.step(ID).badge()); "
                         f"it reads {first[:200]!r}")
    step_id = lines[0][1:lines[0].index("]")]
    badge = series.step(step_id).badge()
    if lines[0] != badge:
        raise ValueError(f"the badge line reads {lines[0]!r}; series.step({step_id!r}).badge() is {badge!r}")
    return step_id


def read_source(md):
    """The notebook of a MyST source, unexecuted, with fixed metadata and content ids (its badge checked)."""
    nb = jupytext.read(md, fmt="md:myst")
    badge_step(nb)
    nb.metadata = nbformat.from_dict(METADATA)
    nb.nbformat, nb.nbformat_minor = 4, 5
    seen = {}
    for cell in nb.cells:
        cell.id = cell_id(cell, seen)
    return nb


def _kernel_manager():
    """A kernel of this interpreter (not whatever `python3` kernelspec is first on the path)."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class CurrentEnv(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              display_name="Python 3", language="python", resource_dir=str(ROOT))

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=CurrentEnv())


def execute(nb, folder, timeout, **options):
    """Run `nb` top to bottom in a fresh kernel whose cwd is `folder`; the notebook, outputs stored.

    `options` go to nbclient's NotebookClient (hooks such as `on_cell_executed`, for benchmarks).
    """
    from nbclient import NotebookClient
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, record_timing=False,
                            store_widget_state=False, coalesce_streams=True,
                            resources={"metadata": {"path": str(folder)}}, **options)
    client.execute(cleanup_kc=True)           # a kernel manager passed in is not shut down by default
    return normalize(nb)


def normalize(nb):
    """Drop what differs from one run to the next: kernel metadata and widget model ids."""
    nb.metadata = nbformat.from_dict(METADATA)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                out.metadata = nbformat.from_dict({})
    return nb


def student_copy(nb):
    """The exercise handed out: solutions, hidden tests and mark schemes removed, outputs cleared."""
    try:
        from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearOutput, ClearSolutions
    except ImportError:
        raise SystemExit("the student copies need nbgrader: pip install -e '.[instructor]'") from None
    nb, resources = nbformat.from_dict(nb), {}
    for pp in (ClearSolutions(), ClearHiddenTests(), ClearMarkScheme(), ClearOutput()):
        nb, resources = pp.preprocess(nb, resources)
    return nb


def text(nb):
    """The file's bytes as nbformat writes them, with one final newline."""
    return nbformat.writes(nb).rstrip("\n") + "\n"


def outputs(md, execute_it=True, timeout=60):
    """{path: text} of everything built from one source (`execute_it=False`: the exercise only)."""
    nb = read_source(md)
    built = {}
    if md.parent.name == "solutions":
        built[md.parent.parent / EXERCISES / md.with_suffix(".ipynb").name] = text(student_copy(nb))
    if execute_it:
        built[md.with_suffix(".ipynb")] = text(execute(nb, md.parent, timeout))
    return built


def expected_files(root=ROOT):
    """Every file a full build writes."""
    files = set()
    for md in sources(root):
        files.add(md.with_suffix(".ipynb"))
        if md.parent.name == "solutions":
            files.add(root / EXERCISES / md.with_suffix(".ipynb").name)
    return files


def orphans(root=ROOT):
    """Built notebooks with no source any more (a full build deletes them)."""
    found = {nb for d in SOURCE_DIRS + (EXERCISES,) for nb in (root / d).glob("*.ipynb")}
    return sorted(found - expected_files(root))


# --- the command ------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*", help="chapter names or prefixes (default: every chapter)")
    ap.add_argument("--check", action="store_true", help="compare with the files on disk, write nothing")
    ap.add_argument("--inputs-only", action="store_true",
                    help="with --check: do not execute; compare the exercises and every notebook's inputs")
    ap.add_argument("--timeout", type=int, default=60, help="seconds a cell may take (default 60)")
    args = ap.parse_args(argv)
    if args.inputs_only and not args.check:
        ap.error("--inputs-only goes with --check (a build always executes)")
    stale = []
    for md in sources(ROOT, args.chapters):
        print(f"{md.relative_to(ROOT)}", flush=True)
        if sync_back(md, args.check):
            print(f"  {md.with_suffix('.ipynb').relative_to(ROOT)} was edited: "
                  + ("a build writes its cells back into the .md" if args.check else "its cells written back"))
            if args.check:
                stale.append(md)
        try:
            built = outputs(md, execute_it=not args.inputs_only, timeout=args.timeout)
        except Exception as e:                                  # a cell failed: say where, build nothing more
            print(f"  FAILED: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
        if args.inputs_only:
            nb = md.with_suffix(".ipynb")
            if not nb.exists() or not same_inputs(nbformat.read(nb, as_version=4), read_source(md)):
                built[nb] = None                                # None: differs from any file
        stale += update(built, args.check)
    if not args.chapters:
        stale += remove_orphans(args.check)
    if stale:
        print(f"{len(stale)} file(s) out of date: run python tools/build_course.py", file=sys.stderr)
        return 1
    return 0


def update(built, check):
    """Write each built file that differs from the one on disk (with `check`, only list it); the stale ones."""
    stale = []
    for path, new in built.items():
        if path.exists() and path.read_text(encoding="utf-8") == new:
            continue
        stale.append(path)
        if check:
            print(f"  stale: {path.relative_to(ROOT)}")
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(new, encoding="utf-8")
            print(f"  wrote {path.relative_to(ROOT)}")
    return stale if check else []


def remove_orphans(check):
    """Delete the built notebooks without a source (with `check`, only list them); the ones listed."""
    for path in orphans(ROOT):
        print(f"  no source: {path.relative_to(ROOT)}" if check else f"  removed {path.relative_to(ROOT)}")
        if not check:
            path.unlink()
    return orphans(ROOT) if check else []


def same_inputs(a, b):
    """Whether two notebooks have the same cells (kind, id, source, metadata), outputs aside."""
    def inputs(nb):
        return [(c.cell_type, c.get("id"), c.source, c.metadata) for c in nb.cells]
    return inputs(a) == inputs(b)


if __name__ == "__main__":
    sys.exit(main())
