"""Build the course as a static web site that runs in the browser (JupyterLite, Pyodide kernel).

    python tools/build_site.py                   # into build/site
    python tools/build_site.py --out DIR         # elsewhere
    python tools/build_site.py --extra tests/browser/lite-swapless.ipynb   # ship more notebooks (the test's)
    python -m http.server 8000 --bind 127.0.0.1 --directory build/site     # then open it

The site holds everything it needs: the JupyterLite app, Pyodide 0.27.7 with the
wheels of its official lock that the course uses (numpy, matplotlib, ipython ...),
the course wheel and its pure-Python needs (ipywidgets, comm, jupyterlab_widgets)
for piplite, every notebook of notebooks/ and the student copies of exercises/.
PyPI fallback is off: nothing is fetched from anywhere else when it is viewed.

Every version and sha256 comes from tools/lite/pins.toml (the build venv's other
packages from tools/lite/constraints.txt); a download that is missing or differs
fails the build. The build tools get their own venv (.lite/venv, made here, never
the project's), and downloads are kept in .lite/cache, so a second build is quick.
The shipped notebooks get one cell that installs the course in the browser
(`INSTALL_CELL`); the chapter sources are not changed.
"""

import argparse
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path, PurePosixPath

try:
    import tomllib
except ImportError:                          # Python 3.10
    raise SystemExit("tools/build_site.py needs Python 3.11 or newer (tomllib reads tools/lite/pins.toml)")

ROOT = Path(__file__).resolve().parent.parent
PINS = ROOT / "tools" / "lite" / "pins.toml"
CONSTRAINTS = ROOT / "tools" / "lite" / "constraints.txt"
WORK = ROOT / ".lite"                        # gitignored: the build venv, the download cache, the lite dir
NOTEBOOK_DIRS = ("notebooks", "exercises")   # shipped as they are at build time (solutions stay home)
RUNTIME_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "package.json")
PYODIDE_KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"

INSTALL_TAG = "lite-install"
INSTALL_CELL = """\
# In the browser (JupyterLite) the course package is installed from this site's own files.
import sys
if sys.platform == "emscripten":
    import piplite
    await piplite.install("migsim")"""

LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": "migsim: page migration, one patch at a time",
        "litePluginSettings": {PYODIDE_KERNEL: {"disablePyPIFallback": True}},
    },
}
OVERRIDES = {   # no news, no update check: the site asks nobody anything
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


class BuildError(SystemExit):
    """A failed build: the message says what and what to do."""

    def __init__(self, message):
        super().__init__(f"build_site: {message}")


def log(message):
    print(f"[build_site] {message}", flush=True)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd, **kwargs):
    """Run a command; on failure stop the build with its output."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise BuildError(f"`{' '.join(map(str, cmd))}` failed ({done.returncode}):\n"
                         f"{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return done


# --- downloads, each checked against its pin ------------------------------------------------------

def fetch(pin, cache, how):
    """The pinned file `pin["file"]` in `cache`, downloaded by `how` if missing; its sha256 must be the pin's."""
    path = cache / pin["file"]
    for attempt in ("cached", "downloaded"):
        if not path.exists():
            if attempt == "cached":
                continue
            log(f"downloading {pin.get('pypi') or pin.get('npm')}")
            how(pin, cache)
            if not path.exists():
                raise BuildError(f"the download of {pin.get('pypi') or pin.get('npm')} gave no {pin['file']} "
                                 f"in {cache} (the pin in {PINS.relative_to(ROOT)} names that file)")
        got = sha256(path)
        if got == pin["sha256"]:
            return path
        if attempt == "downloaded":
            path.rename(path.with_suffix(path.suffix + ".rejected"))
            raise BuildError(f"{pin['file']} has sha256 {got}, but {PINS.relative_to(ROOT)} pins "
                             f"{pin['sha256']}: the file on the registry changed (kept aside as "
                             f"{path.name}.rejected); do not take the new hash without knowing why")
        path.unlink()                       # a stale or truncated cached copy: fetch it again once
    raise AssertionError("unreachable")


def pip_download(pin, cache):
    run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
         "-q", "-d", cache, pin["pypi"]])


def npm_pack(pin, cache):
    if shutil.which("npm") is None:
        raise BuildError("npm is not installed (it fetches the Pyodide runtime): apt-get install npm")
    run(["npm", "pack", "--silent", pin["npm"], "--pack-destination", cache])


# --- the build venv -------------------------------------------------------------------------------

def build_venv(pins, cache):
    """The venv with the pinned build tools (made once; again when the pins change); its bin/ folder."""
    venv = WORK / "venv"
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    wheels = [fetch(p, cache, pip_download) for p in pins["tools"]]
    stamp = hashlib.sha256(json.dumps(pins["tools"]).encode() + CONSTRAINTS.read_bytes()
                           + sys.version.encode()).hexdigest()   # only what the venv is made of
    marker = venv / "pins.sha256"
    if marker.exists() and marker.read_text() == stamp and (bindir / "jupyter-lite").exists():
        return bindir
    log(f"making the build venv {venv.relative_to(ROOT)}")
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", venv])
    run([bindir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-c", CONSTRAINTS, *wheels, "jupyter_server", "hatchling"])
    marker.write_text(stamp)
    return bindir


# --- Pyodide, self-hosted -------------------------------------------------------------------------

def canon(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(packages, roots):
    """The lock entries `roots` need (themselves and what they depend on, by the lock)."""
    by_canon = {canon(k): k for k in packages}
    chosen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        key = by_canon.get(canon(name))
        if key is None:
            raise BuildError(f"Pyodide package {name!r} is needed but its wheel could not be had "
                             f"(not in the redistributed wheel, or its sha256 differs from the lock)")
        if key not in chosen:
            chosen.add(key)
            todo += packages[key].get("depends", [])
    return chosen


def assemble_pyodide(pins, cache):
    """A folder with the Pyodide runtime and the wheels `packages` needs, every file checked; cached."""
    npm = fetch(pins["pyodide"], cache, npm_pack)
    redist = fetch(pins["pyodide"]["wheels"], cache, pip_download)
    key = hashlib.sha256(json.dumps([pins["pyodide"], sorted(pins["pyodide"]["packages"])],
                                    sort_keys=True).encode()).hexdigest()[:12]
    out = cache / f"pyodide-{key}" / "pyodide"
    manifest = out.parent / "manifest.json"
    if manifest.exists():                       # made before: every file must still be what it was
        files = json.loads(manifest.read_text())
        if all((out / f).exists() and sha256(out / f) == h for f, h in files.items()):
            return out
        log("the cached Pyodide folder changed on disk: assembling it again")
    shutil.rmtree(out.parent, ignore_errors=True)
    out.mkdir(parents=True)
    files = {}
    with tarfile.open(npm) as tar:
        for name in RUNTIME_FILES:
            (out / name).write_bytes(tar.extractfile(f"package/{name}").read())
        lock = json.load(tar.extractfile("package/pyodide-lock.json"))
    inside = {}
    with zipfile.ZipFile(redist) as z:
        for n in z.namelist():
            if "/assets/pyodide/" in n:
                inside[PurePosixPath(n).name] = n
        verified = {}
        for k, entry in lock["packages"].items():
            member = inside.get(entry["file_name"])
            if member and hashlib.sha256(z.read(member)).hexdigest() == entry["sha256"]:
                verified[k] = entry
            elif member:
                log(f"sha256 of {entry['file_name']} differs from Pyodide's lock: not used")
        kept = closure(verified, pins["pyodide"]["packages"])
        for k in sorted(kept):
            (out / verified[k]["file_name"]).write_bytes(z.read(inside[verified[k]["file_name"]]))
    lock["packages"] = {k: lock["packages"][k] for k in sorted(kept)}
    (out / "pyodide-lock.json").write_text(json.dumps(lock))
    for f in sorted(out.iterdir()):
        files[f.name] = sha256(f)
    manifest.write_text(json.dumps(files, indent=1))
    log(f"Pyodide {lock['info']['version']}: kept {len(kept)} lock packages, each sha256-checked against its lock")
    return out


# --- the course -----------------------------------------------------------------------------------

def course_wheel(bindir, dest):
    """The project's wheel, built without build isolation by the venv's pinned hatchling."""
    run([bindir / "python", "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-w", dest, ROOT])
    found = sorted(dest.glob("migsim-*.whl"))
    if not found:
        raise BuildError(f"pip wheel made no migsim wheel in {dest}")
    return found[-1]


def for_the_browser(nb):
    """A copy of notebook `nb` (a dict) that installs the course first and runs on the Pyodide kernel."""
    nb = copy.deepcopy(nb)
    nb["metadata"]["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    cells = [c for c in nb["cells"] if INSTALL_TAG not in c.get("metadata", {}).get("tags", [])]
    cell = {"cell_type": "code", "execution_count": None, "id": "lite-install",
            "metadata": {"tags": [INSTALL_TAG]}, "outputs": [], "source": INSTALL_CELL}
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    nb["cells"] = cells[:first_code] + [cell] + cells[first_code:]
    if nb.get("nbformat_minor", 0) < 5:
        cell.pop("id")
    return nb


def contents(dest, extra=()):
    """The notebooks of NOTEBOOK_DIRS and `extra`, changed for the browser, under `dest`; their paths."""
    paths = [p for d in NOTEBOOK_DIRS for p in sorted((ROOT / d).glob("*.ipynb"))]
    for p in extra:
        p = Path(p).resolve()
        if p.suffix != ".ipynb" or not p.is_file() or not p.is_relative_to(ROOT):
            raise BuildError(f"--extra {p}: expected a notebook (.ipynb) inside {ROOT}")
        paths.append(p)
    shipped = []
    for path in paths:
        rel = path.relative_to(ROOT).as_posix()
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        nb = for_the_browser(json.loads(path.read_text(encoding="utf-8")))
        target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        shipped.append(rel)
    if not shipped:
        raise BuildError(f"no notebook in {', '.join(NOTEBOOK_DIRS)}: nothing to ship")
    return shipped


def check_site(out, pins):
    """What the built site must hold: a local Pyodide, PyPI fallback off, the course wheel."""
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"][PYODIDE_KERNEL]
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        raise BuildError(f"the site's pyodideUrl is {kernel.get('pyodideUrl')!r}, not the self-hosted one")
    if kernel.get("disablePyPIFallback") is not True:
        raise BuildError("PyPI fallback is not disabled in the site's jupyter-lite.json")
    index = json.loads((out / "pypi" / "all.json").read_text())
    missing = {"migsim", *(canon(p["pypi"].split("==")[0]) for p in pins["served"])} - {canon(n) for n in index}
    if missing:
        raise BuildError(f"the site's wheel index lacks {sorted(missing)}")


def build(out, extra=()):
    started = time.perf_counter()
    pins = tomllib.loads(PINS.read_text())
    cache = WORK / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    bindir = build_venv(pins, cache)
    pyodide = assemble_pyodide(pins, cache)
    served = [fetch(p, cache, pip_download) for p in pins["served"]]

    lite = WORK / "lite"                     # always built from clean: an incremental build can drop pyodideUrl
    shutil.rmtree(lite, ignore_errors=True)
    (lite / "wheels").mkdir(parents=True)
    shutil.copytree(pyodide, lite / "static" / "pyodide", copy_function=os.link)
    for w in served:
        os.link(w, lite / "wheels" / w.name)
    wheel = course_wheel(bindir, lite / "wheels")
    shipped = contents(lite / "content", extra)
    (lite / "jupyter-lite.json").write_text(json.dumps(LITE_CONFIG, indent=1))
    (lite / "overrides.json").write_text(json.dumps(OVERRIDES, indent=1))

    out = out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    log(f"jupyter lite build: {len(shipped)} notebooks, {wheel.name}")
    run([bindir / "jupyter-lite", "build", "--contents", "content", "--piplite-wheels", "wheels",
         "--output-dir", out, "--no-sourcemaps"], cwd=lite)
    check_site(out, pins)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    nfiles = sum(1 for f in out.rglob("*") if f.is_file())
    log(f"built {out} in {time.perf_counter() - started:.1f} s: {size / 1e6:.1f} MB in {nfiles} files; "
        f"notebooks: {', '.join(shipped)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site", help="output folder (replaced)")
    parser.add_argument("--extra", action="append", default=[], metavar="NOTEBOOK",
                        help="ship this notebook too, at its path in the repository (repeatable)")
    args = parser.parse_args(argv)
    build(args.out, args.extra)


if __name__ == "__main__":
    main()
