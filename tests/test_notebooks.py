"Every lesson notebook has the course anatomy: title and summary, a Colab badge matching its path, the Colab-only setup cell, GPU metadata."
import configparser, json, re
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted((ROOT / "nbs").glob("*.ipynb"))
cfg = configparser.ConfigParser(); cfg.read(ROOT / "settings.ini")
USER, REPO, BRANCH = (cfg["DEFAULT"][k] for k in ("user", "repo", "branch"))

def load(p): return json.loads(p.read_text())
def src(c): return "".join(c["source"])

def test_there_are_notebooks():
    names = [p.name for p in NBS]
    assert "index.ipynb" in names and "01_interpolation.ipynb" in names
    nums = [n.split("_")[0] for n in names if n[0].isdigit()]
    assert nums == sorted(nums) and len(set(nums)) == len(nums), f"notebook numbers must give one reading order: {names}"

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.name)
def test_title_and_summary(nb):
    first = src(load(nb)["cells"][0])
    assert re.match(r"# \S", first), f"{nb.name}: first cell must be a '# Title'"
    assert "\n> " in first, f"{nb.name}: first cell needs a '> one-line summary'"

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.name)
def test_colab_badge_matches_path(nb):
    text = "\n".join(src(c) for c in load(nb)["cells"][:3] if c["cell_type"] == "markdown")
    urls = re.findall(r"https://colab\.research\.google\.com/github/[^)\s]+", text)
    assert urls, f"{nb.name}: no Open-in-Colab badge in the first cells"
    assert urls[0] == f"https://colab.research.google.com/github/{USER}/{REPO}/blob/{BRANCH}/nbs/{nb.name}"

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.name)
def test_colab_setup_cell(nb):
    cells = [src(c) for c in load(nb)["cells"] if c["cell_type"] == "code"]
    setup = [c for c in cells if "pip install" in c]
    assert setup, f"{nb.name}: no Colab setup cell"
    c = setup[0]
    assert '"google.colab" in sys.modules' in c and 'IN_TEST' in c, f"{nb.name}: setup must run on Colab only, never under tests"
    assert f"github.com/{USER}/{REPO}" in c

@pytest.mark.parametrize("nb", NBS, ids=lambda p: p.name)
def test_colab_gpu_metadata(nb):
    md = load(nb)["metadata"]
    assert md.get("accelerator") == "GPU", f"{nb.name}: notebook metadata must ask Colab for a GPU"
    assert "colab" in md

def test_gpu_metadata_survives_nbdev_clean(tmp_path):
    from nbdev.clean import clean_nb
    nb = load(ROOT / "nbs" / "01_interpolation.ipynb")
    keys = cfg["DEFAULT"]["allowed_metadata_keys"].split()
    clean_nb(nb, allowed_metadata_keys=keys)
    assert nb["metadata"]["accelerator"] == "GPU" and "colab" in nb["metadata"]

@pytest.mark.parametrize("nb", [p for p in NBS if p.name[0].isdigit() and p.name[:2] != "00"], ids=lambda p: p.name)
def test_lessons_check_the_gpu(nb):
    assert any("gpu_check()" in src(c) for c in load(nb)["cells"] if c["cell_type"] == "code"), f"{nb.name}: call gpu_check()"

def test_quarto_yml_is_one_file():
    q = ROOT / "nbs" / "_quarto.yml"
    assert q.is_symlink() and q.resolve() == (ROOT / "_quarto.yml").resolve()
