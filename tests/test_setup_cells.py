"Every notebook's Colab setup cell installs the release `settings.ini` names, and what the notebooks import at run time is installed by it."
import ast, configparser, importlib.util, json, re, shlex, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(ROOT / "settings.ini", encoding="utf-8")
S = cfg["DEFAULT"]
WANT = f"{S['lib_name']} @ git+{S['git_url']}@v{S['version']}"

def rel(p): return p.relative_to(ROOT / "nbs").as_posix()
def code_cells(p): return ["".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code"]

def pin_tool():
    spec = importlib.util.spec_from_file_location("pin_setup_cells", ROOT / "tools" / "pin_setup_cells.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", S["version"]), f"settings.ini version {S['version']!r} is not X.Y.Z"
    import sr_course
    assert sr_course.__version__ == S["version"], "sr_course/__init__.py disagrees with settings.ini: run nbdev_export"

@pytest.mark.parametrize("nb", NBS, ids=rel)
def test_setup_cell_pins_the_release(nb):
    "Exactly one `%pip install` of sr_course per notebook, at tag v<settings.ini version>, as the first code after the title."
    lines = [l.strip() for c in code_cells(nb) for l in c.splitlines() if l.strip().startswith("%pip install")]
    assert len(lines) == 1, f"{rel(nb)}: expected one %pip install line, found {len(lines)}"
    args = shlex.split(lines[0])[2:]
    reqs = [a for a in args if not a.startswith("-")]
    assert reqs == [WANT], f"{rel(nb)}: setup cell installs {reqs}, not {WANT!r}: run python tools/pin_setup_cells.py"

def test_pin_tool_agrees_and_rewrites_only_the_install_line(tmp_path):
    "The tool's --check passes on the checkout; on a copy with a new version it rewrites the install line and nothing else."
    tool = pin_tool()
    assert tool.main(["--check"]) == 0
    (tmp_path / "nbs").mkdir()
    (tmp_path / "settings.ini").write_text((ROOT / "settings.ini").read_text().replace(
        f"version = {S['version']}", "version = 9.8.7"))
    src = (ROOT / "nbs" / "library" / "00_core.ipynb").read_text()
    new, n = tool.pin_text(src, root=tmp_path)
    assert n == 1 and new != src
    assert new.replace("@v9.8.7", f"@v{S['version']}") == src
    json.loads(new)   # still a notebook
    unpinned = src.replace(f"@v{S['version']}", "")
    assert tool.pin_text(unpinned)[0] == src, "an unpinned install line gets the tag"

# The distributions that provide modules imported under another name.
PROVIDES = {"skimage": "scikit-image", "PIL": "pillow", "png": "pypng", "IPython": "ipywidgets", "yaml": "pyyaml"}

def test_notebook_imports_are_runtime_requirements():
    "A module a notebook imports unconditionally (e.g. nbdev.showdoc, fastcore.test) comes with `pip install sr_course`, no [dev]."
    reqs = {re.split(r"[<>=!~\[ ]", r)[0].lower() for r in shlex.split(S["requirements"])}
    missing = {}
    for nb in NBS:
        for c in code_cells(nb):
            body = "\n".join(l for l in c.splitlines() if not l.lstrip().startswith(("%", "!")))
            try: tree = ast.parse(body)
            except SyntaxError: continue
            for node in tree.body:                      # top-level statements only: guarded imports are optional
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                        [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top == S["lib_name"]: continue
                    if PROVIDES.get(top, top).lower().replace("_", "-") not in {r.replace("_", "-") for r in reqs}:
                        missing.setdefault(top, rel(nb))
    assert not missing, f"notebooks import {missing} (module: first notebook) but settings.ini requirements lack them"
