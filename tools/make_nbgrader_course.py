"""Make an nbgrader course directory for the whole course: config, sources from solutions/, release copies.

    python tools/make_nbgrader_course.py COURSE_DIR              # every chapter with exercises
    python tools/make_nbgrader_course.py COURSE_DIR 02 07        # only these chapters
    python tools/make_nbgrader_course.py COURSE_DIR --no-release # config and sources only

It writes COURSE_DIR/nbgrader_config.py, one assignment per chapter
(`source/chNN/NN-name.ipynb`, the executed solution notebook with its
nbgrader metadata) and, unless --no-release, runs `nbgrader
generate_assignment chNN` for each, which makes `release/chNN/` (solutions
and hidden tests removed) and the gradebook. From there it is standard
nbgrader: students' notebooks go to `submitted/<student>/chNN/`, then
`nbgrader autograde chNN` and `nbgrader generate_feedback chNN`; on
JupyterHub, `release_assignment`, `collect` and `release_feedback` use the
exchange. `source/` holds every answer: never hand it out.

nbgrader's kernels must import migsim: install it where they run, or keep
this checkout on PYTHONPATH (this tool does so for the commands it runs).
Needs the instructor extra: pip install -e '.[instructor]'.
"""

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = '''\
# nbgrader configuration of the migsim course (made by tools/make_nbgrader_course.py).
c = get_config()
c.CourseDirectory.root = "."
c.CourseDirectory.course_id = "migsim"
c.CourseDirectory.assignments = {assignments}
# The graders explore schedules and run seeded workloads: give a cell time on a loaded machine.
c.ExecutePreprocessor.timeout = 300
# On JupyterHub with nbgrader's exchange, students fetch and submit through it:
# c.Exchange.root = "/srv/nbgrader/exchange"
'''

README = '''\
# migsim course directory (nbgrader)

Made by `tools/make_nbgrader_course.py`. `source/` is the instructor's copy, with every answer
and the hidden tests: **never hand it out**. `release/` is what students get.

    nbgrader autograde chNN            # after students' notebooks are in submitted/<student>/chNN/
    nbgrader generate_feedback chNN    # feedback/<student>/chNN/*.html
    nbgrader formgrader                # or review in Jupyter's Formgrader tab

On JupyterHub: `nbgrader release_assignment chNN`, `nbgrader collect chNN`,
`nbgrader release_feedback chNN` (the exchange root is in nbgrader_config.py).
'''


def chapters(names=()):
    """{assignment name: the solution notebook} for the chapters with exercises (those starting with `names`)."""
    found = {f"ch{nb.name[:2]}": nb for nb in sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))}
    if names:
        found = {a: nb for a, nb in found.items() if any(nb.name.startswith(n) for n in names)}
        if not found:
            raise SystemExit(f"no chapter with exercises matches {' '.join(names)}; they are: "
                             + ", ".join(nb.name for nb in sorted((ROOT / "solutions").glob("*.ipynb"))))
    return found


def nbgrader_env(extra=None):
    """The environment for nbgrader: this checkout's migsim and this interpreter's kernels and tools first."""
    env = dict(os.environ, **(extra or {}))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (str(Path(sys.prefix) / "share" / "jupyter"),
                                                      env.get("JUPYTER_PATH")) if p)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])   # nbgrader runs alembic
    return env


def run_nbgrader(course, *args, env=None):
    """`nbgrader ARGS` in `course`; its output (SystemExit with it if the command fails)."""
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=nbgrader_env(env),
                          capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise SystemExit(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


def make_course(course, names=(), release=True, env=None):
    """Write the course directory; the assignment names, in order."""
    course = Path(course)
    found = chapters(names)
    course.mkdir(parents=True, exist_ok=True)
    (course / "nbgrader_config.py").write_text(CONFIG.format(
        assignments="{" + ", ".join(f'"{a}": {{}}' for a in found) + "}"))
    (course / "README.md").write_text(README)
    for assignment, nb in found.items():
        folder = course / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(nb, folder / nb.name)
    if release:
        for assignment in found:
            print(f"nbgrader generate_assignment {assignment}", flush=True)
            run_nbgrader(course, "generate_assignment", assignment, "--force", env=env)
    return list(found)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("course", help="the course directory to make (created if missing)")
    ap.add_argument("chapters", nargs="*", help="chapter prefixes (default: every chapter with exercises)")
    ap.add_argument("--no-release", action="store_true", help="write config and sources; run no nbgrader")
    args = ap.parse_args(argv)
    if not args.no_release and importlib.util.find_spec("nbgrader") is None:
        raise SystemExit("nbgrader is not installed: pip install -e '.[instructor]'")
    made = make_course(args.course, args.chapters, release=not args.no_release)
    print(f"{args.course}: {len(made)} assignments ({', '.join(made)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
