"Every lesson notebook has the course anatomy: title and summary, a Colab badge matching its path, the Colab-only setup cell, GPU metadata."
import configparser, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(p for p in (ROOT / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
LESSONS = sorted((ROOT / "nbs" / "lessons").glob("*.ipynb"))
LIBRARY = sorted((ROOT / "nbs" / "library").glob("*.ipynb"))
def rel(p): return p.relative_to(ROOT / "nbs").as_posix()
cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
USER, REPO, BRANCH = (cfg["DEFAULT"][k] for k in ("user", "repo", "branch"))

def load(p): return json.loads(p.read_text())
def src(c): return "".join(c["source"])

def test_there_are_notebooks():
    "Lessons in nbs/lessons/ and toolkit chapters in nbs/library/, each folder numbered in one reading order."
    assert (ROOT / "nbs" / "index.ipynb").exists() and (ROOT / "nbs" / "lessons" / "01_interpolation.ipynb").exists()
    assert {rel(p).split("/")[0] for p in NBS} == {"index.ipynb", "lessons", "library"}, [rel(p) for p in NBS]
    for group in (LESSONS, LIBRARY):   # a notebook may follow its neighbour as 02a, 02b, ... (a lesson's exercises: 01a)
        names = [p.name for p in group]
        nums = [n.split("_")[0] for n in names]
        assert all(re.fullmatch(r"\d\d[a-z]?", n) for n in nums) and len(set(nums)) == len(nums), f"number every notebook once: {names}"
        assert {n[:2] for n in nums} == {n for n in nums if len(n) == 2}, f"02a follows a notebook 02: {names}"

def test_lesson_number_is_file_number():
    "Lesson N is nbs/lessons/0N_*.ipynb (its exercises' checks 0Na_*.ipynb): its title says so."
    import re as _re
    for p in LESSONS:
        first = src(load(p)["cells"][0])
        m = _re.search(r"Lesson (\d+)", first)
        assert m and int(m.group(1)) == int(p.name[:2]), f"{rel(p)}: the title must name Lesson {int(p.name[:2])}"

@pytest.mark.parametrize("nb", NBS, ids=rel)
def test_title_and_summary(nb):
    first = src(load(nb)["cells"][0])
    assert re.match(r"# \S", first), f"{nb.name}: first cell must be a '# Title'"
    assert "\n> " in first, f"{nb.name}: first cell needs a '> one-line summary'"

@pytest.mark.parametrize("nb", NBS, ids=rel)
def test_colab_badge_matches_path(nb):
    text = "\n".join(src(c) for c in load(nb)["cells"][:3] if c["cell_type"] == "markdown")
    urls = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", text)
    assert urls, f"{nb.name}: no Open-in-Colab badge in the first cells"
    assert urls[0] == f"https://colab.research.google.com/github/{USER}/{REPO}/blob/{BRANCH}/nbs/{rel(nb)}"

@pytest.mark.parametrize("nb", NBS, ids=rel)
def test_colab_setup_cell(nb):
    cells = [src(c) for c in load(nb)["cells"] if c["cell_type"] == "code"]
    setup = [c for c in cells if "pip install" in c]
    assert setup, f"{nb.name}: no Colab setup cell"
    c = setup[0]
    assert '"google.colab" in sys.modules' in c and 'IN_TEST' in c, f"{nb.name}: setup must run on Colab only, never under tests"
    assert f"github.com/{USER}/{REPO}" in c

@pytest.mark.parametrize("nb", NBS, ids=rel)
def test_colab_gpu_metadata(nb):
    md = load(nb)["metadata"]
    assert md.get("accelerator") == "GPU", f"{nb.name}: notebook metadata must ask Colab for a GPU"
    assert "colab" in md

def test_gpu_metadata_survives_nbdev_clean(tmp_path):
    from nbdev.clean import clean_nb
    nb = load(ROOT / "nbs" / "lessons" / "01_interpolation.ipynb")
    keys = cfg["DEFAULT"]["allowed_metadata_keys"].split()
    clean_nb(nb, allowed_metadata_keys=keys)
    assert nb["metadata"]["accelerator"] == "GPU" and "colab" in nb["metadata"]

@pytest.mark.parametrize("nb", LESSONS, ids=rel)
def test_lessons_check_the_gpu(nb):
    assert any("gpu_check()" in src(c) for c in load(nb)["cells"] if c["cell_type"] == "code"), f"{nb.name}: call gpu_check()"

def test_quarto_yml_is_one_file():
    q = ROOT / "nbs" / "_quarto.yml"
    assert q.is_symlink() and q.resolve() == (ROOT / "_quarto.yml").resolve()

def test_imports_in_cells_of_their_own():
    "nbdev's docs build runs every cell holding an import (and only those): one that also uses earlier cells' names fails there."
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "split_import_cells.py"), "--check"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + "\nfix: python tools/split_import_cells.py"

def test_split_import_cells_finds_and_fixes(tmp_path):
    "The checker flags a mixed cell and the fix leaves imports alone above the code, with the directives and outputs kept."
    import subprocess, sys
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "id": "a", "metadata": {}, "outputs": [{"x": 1}],
                     "source": ["#| hide\n", "x = 1\n", "import os\n", "y = os.sep"]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    p = tmp_path / "t.ipynb"; p.write_text(json.dumps(nb))
    tool = [sys.executable, str(ROOT / "tools" / "split_import_cells.py")]
    assert subprocess.run(tool + ["--check", str(p)], capture_output=True).returncode == 1
    subprocess.run(tool + [str(p)], check=True, capture_output=True)
    cells = load(p)["cells"]
    assert [src(c) for c in cells] == ["#| hide\nimport os", "#| hide\nx = 1\ny = os.sep"]
    assert cells[0]["outputs"] == [] and cells[1]["outputs"] == [{"x": 1}]
    assert subprocess.run(tool + ["--check", str(p)], capture_output=True).returncode == 0

def test_lesson3_exports_its_layers():
    "Lesson 3 teaches pixel shuffle and ICNR and exports them into sr_course.layers (nbdev exports by file name: the layers chapter, 02c, writes the module first)."
    text = (ROOT / "sr_course" / "layers.py").read_text()
    for name in ("PixelShuffle", "ICNR"):
        i = text.index(f"\nclass {name}(")
        assert text.rfind("# %% ../nbs/lessons/03_fast.ipynb", 0, i) > text.rfind("# %% ../nbs/library/", 0, i), name
    assert sorted(p.name for p in NBS).index("02c_layers.ipynb") < sorted(p.name for p in NBS).index("03_fast.ipynb")

def test_every_notebook_has_the_lesson_shape():
    "tools/lesson_shape.py: title, badge, setup, objectives, figure, summary, further reading, linked Next, as each kind needs."
    import runpy
    rows = runpy.run_path(str(ROOT / "tools" / "lesson_shape.py"))["table"]()     # the tool's own table, no subprocess
    missing = {r["notebook"]: r["missing"] for r in rows if r["missing"]}
    assert not missing, missing
