// Byte-compile wheels with Pyodide's own Python (3.12), under node, at site-build time.
//     node tools/lite/pycompile.js PYODIDE_DIR IN.whl OUT.whl [IN.whl OUT.whl ...]
// Pyodide never writes .pyc files (sys.dont_write_bytecode), so without them every notebook compiles
// IPython, numpy, matplotlib, ipywidgets and the course from source again as it imports them: seconds
// of wasm per notebook. OUT is IN with __pycache__/*.cpython-312.pyc beside each module, unchecked-hash
// pycs (PEP 552: used without looking at the source's mtime, which a wheel does not keep); the sources
// stay, so tracebacks still show the lines. Tests folders are left uncompiled: nothing imports them.
const path = require("path");
const dir = path.resolve(process.argv[2]);
const pairs = process.argv.slice(3).map((p) => path.resolve(p));
const { loadPyodide } = require(path.join(dir, "pyodide.js"));

const COMPILE = `
import importlib._bootstrap_external as external
import importlib.util
import sys
import warnings
import zipfile

def compile_wheel(src, dst):
    tag = sys.implementation.cache_tag
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        added = []
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data)
            name = info.filename
            if (not name.endswith(".py") or ".dist-info/" in name or ".data/" in name
                    or "/tests/" in name or "/test/" in name):
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    code = compile(data, "/lib/python3.12/site-packages/" + name, "exec", dont_inherit=True)
            except SyntaxError:
                continue                      # never imported as it is (a template, a py2 file)
            folder, _, module = name.rpartition("/")
            pyc = (folder + "/" if folder else "") + "__pycache__/" + module[:-3] + "." + tag + ".pyc"
            added.append((pyc, external._code_to_hash_pyc(code, importlib.util.source_hash(data), False)))
        for name, data in added:              # fixed dates: the same bytes on every build
            zout.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return len(added)
`;

(async () => {
  const said = [];
  const py = await loadPyodide({ indexURL: dir + "/", stdout: (s) => said.push(s), stderr: (s) => said.push(s) });
  py.FS.mkdir("/host");
  py.FS.mount(py.FS.filesystems.NODEFS, { root: "/" }, "/host");
  py.runPython(COMPILE);
  const compile = py.globals.get("compile_wheel");
  const counts = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    counts[path.basename(pairs[i])] = compile("/host" + pairs[i], "/host" + pairs[i + 1]);
  }
  process.stdout.write(JSON.stringify(counts));
})().catch((e) => { console.error(String(e)); process.exit(1); });
