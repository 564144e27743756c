// Build matplotlib's font cache with Pyodide's own matplotlib, under node, at site-build time.
//     node tools/lite/fontlist.js PYODIDE_DIR > fontlist.json
// Pyodide's matplotlib keeps its cache in the package (matplotlib/fontlist.json, font paths relative
// to its data folder), so the file made here is the one the browser would build on its first import,
// with the "building the font cache" warning on stderr and a few seconds of wasm each time.
const path = require("path");
const dir = path.resolve(process.argv[2]);
const { loadPyodide } = require(path.join(dir, "pyodide.js"));

(async () => {
  const said = [];
  const py = await loadPyodide({ indexURL: dir + "/", stdout: (s) => said.push(s), stderr: (s) => said.push(s) });
  await py.loadPackage(["matplotlib"], { messageCallback: () => {}, errorCallback: (s) => said.push(s) });
  const text = py.runPython(`
import pathlib
import matplotlib.font_manager as fm
cache = pathlib.Path(fm.__file__).with_name("fontlist.json")
cache.read_text() if cache.exists() else ""`);
  if (!text) {
    console.error("matplotlib wrote no fontlist.json:\n" + said.join("\n"));
    process.exit(1);
  }
  process.stdout.write(text);
})().catch((e) => { console.error(String(e)); process.exit(1); });
