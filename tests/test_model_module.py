"""A new model lesson touches only its own module: a model module written here (architecture, recipe, zoo entry) is
trained, published to a temporary weights folder, benched and used to upscale, through the Python API and the CLI,
without any edit to a file of the `sr_course` package."""
import hashlib, importlib, json, os, shutil, subprocess, sys, textwrap
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULE = textwrap.dedent('''
    "A learner's own model lesson: a two-layer sub-pixel network, its recipe, and with that its zoo entry."
    import keras
    from sr_course.layers import PixelShuffle, bicubic_skip
    from sr_course.recipes import Recipe, add_recipe

    def toysr(scale, channels=1, filters=8):
        inp = keras.Input((None, None, channels), name="lr")
        x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name="feat")(inp)
        x = keras.layers.Conv2D(channels * scale ** 2, 3, padding="same", name="subpixel")(x)
        out = keras.layers.Add(name="plus_bicubic")([PixelShuffle(scale, name="shuffle")(x), bicubic_skip(inp, scale)])
        return keras.Model(inp, out, name=f"toysr_x{scale}")

    TOY = add_recipe(Recipe("toysr", "a test's own model (two convolutions + pixel shuffle)", toysr, "post", {2: 16, 3: 24},
                            batch_size=4, steps=2, epochs=1, train_sets=("samples",), n_val=1, warm_start={3: 2}))
''')

def _package_state() -> dict:
    "sha256 of every file of the installed package (sources and shipped weights), to prove nothing there changes."
    pkg = ROOT / "sr_course"
    return {str(p.relative_to(pkg)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(pkg.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

@pytest.fixture
def toy_module(tmp_path, monkeypatch):
    (tmp_path / "mods").mkdir(); (tmp_path / "mods" / "toysr.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    monkeypatch.setenv("SR_COURSE_WEIGHTS", str(tmp_path / "weights"))
    before = _package_state()
    yield tmp_path
    from sr_course import zoo, recipes
    sys.modules.pop("toysr", None)
    if "toysr" in recipes.RECIPES: del recipes.RECIPES["toysr"]
    if "toysr" in zoo.model_names(): zoo.unregister("toysr")
    monkeypatch.undo(); recipes.register_course_models()
    assert _package_state() == before, "a file of the sr_course package changed"

def test_own_model_module_through_the_api(toy_module):
    from sr_course import zoo, recipes
    from sr_course.metrics import evaluate
    importlib.import_module("toysr")                                  # importing the module declares recipe + zoo entry
    assert "toysr" in recipes.RECIPES and "toysr" in zoo.model_names()
    assert not zoo.available("toysr", 2)                              # declared, not trained yet
    rec = recipes.train_recipe("toysr", 2, out_dir=toy_module / "runs", publish=True, verbose=0)
    assert rec["epochs_done"] == 1 and rec["recipe"]["builder"] == "toysr.toysr" and len(rec["val_psnr_y"]) == 1
    man = json.loads((toy_module / "weights" / "manifest.json").read_text())
    assert man["toysr"]["2"]["sha256"] == zoo.file_sha256(toy_module / "weights" / "toysr_x2.weights.h5")
    rec3 = recipes.train_recipe("toysr", 3, out_dir=toy_module / "runs", verbose=0)      # warm start from the published x2
    assert rec3["warm_start"]["from"] == "toysr_x2" and rec3["warm_start"]["layers"] == ["feat"]
    from sr_course.datasets import sample_images
    samples = sample_images()
    table = evaluate(zoo.get_upscaler("toysr", 2), samples, 2)
    assert len(table) == len(samples) and np.isfinite(table.psnr).all()
    img = next(iter(samples.items()))[1][:30, :40]
    assert zoo.upscale(img, 2, "toysr").shape == (60, 80, 3)

def _cli(args, env, cwd):
    "The installed `sr-course` command, as a learner runs it."
    exe = shutil.which("sr-course") or str(Path(sys.executable).parent / "sr-course")
    return subprocess.run([exe, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600)

def test_own_model_module_through_the_cli(toy_module):
    from sr_course.datasets import sample_images
    from sr_course.images import save_image
    env = {**os.environ, "SR_COURSE_MODELS": "toysr", "SR_COURSE_WEIGHTS": str(toy_module / "weights"),
           "PYTHONPATH": os.pathsep.join([str(toy_module / "mods"), str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = _cli(["train", "toysr", "--scale", "2", "--out", str(toy_module / "runs"), "--publish"], env, toy_module)
    assert r.returncode == 0, r.stderr
    assert "toysr x2: 1 epochs" in r.stdout and (toy_module / "weights" / "toysr_x2.weights.h5").is_file()
    r = _cli(["models"], env, toy_module)
    assert r.returncode == 0 and "toysr" in r.stdout, r.stderr
    r = _cli(["bench", "--model", "toysr", "bicubic", "--dataset", "samples", "--scale", "2", "--json", "b.json"], env, toy_module)
    assert r.returncode == 0, r.stderr
    recs = json.loads((toy_module / "b.json").read_text())
    assert {x["model"] for x in recs} == {"toysr", "bicubic"} and all(np.isfinite(x["psnr"]) for x in recs)
    save_image(toy_module / "in.png", next(iter(sample_images().items()))[1][:20, :30])
    r = _cli(["upscale", "in.png", "--model", "toysr", "--scale", "2", "-o", "out.png"], env, toy_module)
    assert r.returncode == 0, r.stderr
    from sr_course.images import read_image
    assert read_image(toy_module / "out.png").shape == (40, 60, 3)
    r = _cli(["upscale", "in.png", "--model", "toysr", "--scale", "3", "-o", "out3.png"], env, toy_module)
    assert r.returncode != 0 and "no weights for x3" in r.stderr and not (toy_module / "out3.png").exists()
