"Training recipes: runs resume, records are written, published weights load by name through the sha256-checked zoo."
import json
import numpy as np
import pytest
from sr_course import zoo, recipes
from sr_course.cli import main

def _images(n=6, size=48, seed=0):
    rng = np.random.default_rng(seed)
    base = [np.clip(rng.normal(128, 40, (size, size, 3)), 0, 255).astype(np.uint8) for _ in range(n)]
    return base[:-2], {f"v{i}": im for i, im in enumerate(base[-2:])}

def test_untrained_model_refuses_to_run(weights_tmp):
    with pytest.raises(zoo.WeightsError, match="no trained weights yet.*sr-course train srcnn"):
        zoo.get_upscaler("srcnn", 3)
    assert not zoo.available("srcnn", 3) and zoo.available("bicubic", 3)

def test_recipe_runs_resumes_and_publishes(tmp_path, weights_tmp):
    imgs = _images()
    rec = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=2, images=imgs, verbose=0,
                               from_scratch=True)
    run = tmp_path / "runs" / "espcn_x2"
    assert (run / "espcn_x2.weights.h5").is_file() and rec["epochs_done"] == 1
    saved = json.loads((run / "espcn_x2.json").read_text())
    assert saved["recipe"]["name"] == "espcn" and saved["sha256"] == zoo.file_sha256(run / "espcn_x2.weights.h5")
    assert saved["hardware"] and saved["backend"] and len(saved["val_psnr_y"]) == 1
    rec2 = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=2, steps=2, images=imgs, publish=True, verbose=0,
                                from_scratch=True)
    assert rec2["epochs_done"] == 2 and rec2["loss"][:1] == rec["loss"]          # resumed, not restarted
    man = json.loads((weights_tmp / "manifest.json").read_text())
    assert man["espcn"]["2"]["sha256"] == zoo.file_sha256(weights_tmp / "espcn_x2.weights.h5")
    up = zoo.get_upscaler("espcn", 2)                                           # loads by name, sha256 checked
    assert up(np.zeros((5, 6, 3), np.uint8)).shape == (10, 12, 3)
    (weights_tmp / "espcn_x2.weights.h5").write_bytes(b"tampered")
    zoo._CACHE.clear()
    with pytest.raises(zoo.WeightsError, match="corrupt"):
        zoo.get_upscaler("espcn", 2)

def test_warm_start_needs_the_source_weights(tmp_path, weights_tmp):
    "x2 starts from the shipped x3 weights: without them the error names the command that makes them; --from-scratch runs."
    with pytest.raises(zoo.WeightsError, match=r"sr-course train espcn --scale 3 --publish.*--from-scratch"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=1, images=_images(), verbose=0)
    assert not (tmp_path / "runs" / "espcn_x2" / "espcn_x2.weights.h5").exists()
    assert main(["train", "espcn", "--scale", "4", "--epochs", "1", "--steps", "1", "--out", str(tmp_path / "r")]) == 2
    rec = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=1, images=_images(), verbose=0,
                               from_scratch=True)
    assert rec["warm_start"] is None and rec["epochs_done"] == 1

@pytest.mark.parametrize("name,copied", [("srcnn", ["extract", "map", "reconstruct"]),
                                         ("fsrcnn", ["extract", "extract_act", "shrink", "shrink_act"] +
                                          [f"map{i}{a}" for i in range(4) for a in ("", "_act")] + ["expand", "expand_act"]),
                                         ("espcn", ["conv1", "conv2"])])
def test_warm_start_copies_the_scale_free_layers(tmp_path, weights_tmp, monkeypatch, name, copied):
    "A warm-started run copies exactly the layers whose job does not depend on the scale, and records where from."
    import dataclasses
    imgs = _images(size=60)
    target, src_scale = min(recipes.RECIPES[name].warm_start.items())     # e.g. x2 from x3
    src = recipes.train_recipe(name, src_scale, out_dir=tmp_path / "runs", epochs=1, steps=1, images=imgs, publish=True, verbose=0)
    source = recipes.RECIPES[name].build(src_scale); zoo.load_weights(source, name, src_scale)
    model = recipes.RECIPES[name].build(target); before = {l.name: l.get_weights() for l in model.layers}
    init = recipes.warm_start(model, name, src_scale, skip=recipes.RECIPES[name].warm_skip)
    assert sorted(init["layers"]) == sorted(copied) and init["from"] == f"{name}_x{src_scale}" and init["sha256"] == src["sha256"]
    for l in model.layers:
        if not l.weights: continue
        same = all(np.array_equal(a, b) for a, b in zip(l.get_weights(), source.get_layer(l.name).get_weights()))
        assert same == (l.name in copied), l.name
        if l.name not in copied:                                   # left as initialised
            assert all(np.array_equal(a, b) for a, b in zip(l.get_weights(), before[l.name]))
    monkeypatch.setitem(recipes.RECIPES, name, dataclasses.replace(recipes.RECIPES[name], warm_epochs=1, steps=1))
    rec = recipes.train_recipe(name, target, out_dir=tmp_path / "runs", images=imgs, verbose=0)
    assert rec["epochs_done"] == 1 and rec["recipe"]["epochs"] == 1          # a warm run's default length is warm_epochs
    assert rec["warm_start"]["from"] == f"{name}_x{src_scale}" and sorted(rec["warm_start"]["layers"]) == sorted(copied)

def test_recipe_bad_arguments():
    with pytest.raises(ValueError, match="unknown recipe"): recipes.train_recipe("vdsr", 2)
    with pytest.raises(ValueError, match="no settings for x8"): recipes.train_recipe("espcn", 8)

def test_cli_train_and_models(capsys, weights_tmp):
    assert main(["train", "vdsr", "--scale", "2"]) == 2
    assert "no training recipe for 'vdsr'" in capsys.readouterr().err
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "srcnn" in out and "not yet" in out and "bicubic" in out
    assert main(["bench", "--model", "srcnn", "--scale", "3"]) == 2
    assert "no trained weights yet" in capsys.readouterr().err

def test_training_precision(monkeypatch):
    "auto: mixed_bfloat16 on a CPU with native bfloat16 where the recipe allows it, float32 elsewhere; a bad name is refused."
    r = recipes.get_recipe("espcn")
    monkeypatch.setattr(recipes, "gpu_devices", lambda: [])
    monkeypatch.setattr(recipes, "cpu_has_bf16", lambda: True)
    assert recipes.training_precision(r) == "mixed_bfloat16"
    assert recipes.training_precision(r, "float32") == "float32"
    from dataclasses import replace
    assert recipes.training_precision(replace(r, cpu_bf16=False)) == "float32"
    monkeypatch.setattr(recipes, "cpu_has_bf16", lambda: False)
    assert recipes.training_precision(r) == "float32"
    monkeypatch.setattr(recipes, "gpu_devices", lambda: ["/physical_device:GPU:0"])
    monkeypatch.setattr(recipes, "cpu_has_bf16", lambda: True)
    assert recipes.training_precision(r) == "float32"
    with pytest.raises(ValueError, match="precision 'bf16' is not one of auto, float32, mixed_bfloat16"):
        recipes.training_precision(r, "bf16")

def test_recipe_trains_in_bfloat16_and_restores_the_policy(tmp_path, weights_tmp):
    "A mixed_bfloat16 run says so in its record, saves float32 weights the zoo loads, and leaves the global policy as it was."
    import keras
    before = keras.mixed_precision.global_policy().name
    rec = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=2, images=_images(), verbose=0,
                               from_scratch=True, precision="mixed_bfloat16", publish=True)
    assert rec["precision"] == "mixed_bfloat16" and np.isfinite(rec["loss"][0])
    assert keras.mixed_precision.global_policy().name == before
    assert zoo.get_upscaler("espcn", 2)(np.zeros((5, 6, 3), np.uint8)).shape == (10, 12, 3)
    with pytest.raises(ValueError, match="precision"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "bad", images=_images(), precision="half")
    assert not (tmp_path / "bad").exists()                                        # refused before anything is written

def test_continue_shipped_weights(tmp_path, weights_tmp):
    "A fine-tuning run starts from the shipped weights (every layer) and its record continues theirs: curve, epochs, steps, time."
    imgs = _images()
    first = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=2, images=imgs, verbose=0,
                                 from_scratch=True, publish=True)
    with pytest.raises(ValueError, match="pass one of them"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", images=imgs, continue_shipped=True, from_scratch=True)
    with pytest.raises(ValueError, match="lr must be a positive"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", images=imgs, continue_shipped=True, lr=0)
    with pytest.raises(zoo.WeightsError, match="no shipped espcn x3 weights to continue.*sr-course train espcn --scale 3"):
        recipes.train_recipe("espcn", 3, out_dir=tmp_path / "runs", images=imgs, continue_shipped=True)
    rec = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=3, images=imgs, verbose=0,
                               continue_shipped=True, lr=1e-5, publish=True)
    assert (tmp_path / "runs" / "espcn_x2_continued" / "espcn_x2.weights.h5").is_file()
    assert rec["warm_start"]["from"] == "espcn_x2" and rec["warm_start"]["sha256"] == first["sha256"]
    assert set(rec["warm_start"]["layers"]) == {l.name for l in recipes.get_recipe("espcn").build(2).layers if l.weights}
    assert rec["recipe"]["lr"] == 1e-5 and rec["continues"]["sha256"] == first["sha256"]
    assert rec["epochs_done"] == 2 and rec["steps_done"] == 2 + 3 and len(rec["val_psnr_y"]) == 2
    assert rec["val_psnr_y"][0] == first["val_psnr_y"][0]
    assert rec["wall_seconds"] > first["wall_seconds"]
    assert recipes.manifest()["espcn"]["2"]["sha256"] == rec["sha256"] != first["sha256"]

def test_patch_and_batch_size_overrides(tmp_path, weights_tmp):
    "A run can take other patches and batches than its recipe (e.g. larger patches to fine-tune); the record says so; bad values are refused first."
    imgs = _images()
    with pytest.raises(recipes.RecipeError, match="field 'patch'.*divides"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "bad", images=imgs, patch=21)
    with pytest.raises(ValueError, match="batch_size must be a whole number"):
        recipes.train_recipe("espcn", 2, out_dir=tmp_path / "bad", images=imgs, batch_size=0)
    assert not (tmp_path / "bad").exists()                                        # refused before anything is written
    rec = recipes.train_recipe("espcn", 2, out_dir=tmp_path / "runs", epochs=1, steps=2, images=imgs, verbose=0,
                               from_scratch=True, patch=40, batch_size=3)
    assert {int(k): v for k, v in rec["recipe"]["patch"].items()}[2] == 40 and rec["recipe"]["batch_size"] == 3
    assert recipes.get_recipe("espcn").patch[2] != 40                              # the registered recipe is unchanged
    assert main(["train", "espcn", "--scale", "2", "--patch", "21", "--out", str(tmp_path / "cli")]) == 2   # the CLI says why
    assert not (tmp_path / "cli").exists()

def test_recipe_with_worker_threads(tmp_path, weights_tmp):
    imgs = _images(size=60)                      # x3 patches are 51x51 HR (17x17 LR)
    rec = recipes.train_recipe("fsrcnn", 3, out_dir=tmp_path / "runs", epochs=1, steps=3, images=imgs, workers=2, verbose=0)
    assert rec["epochs_done"] == 1 and np.isfinite(rec["loss"][0])

def test_recipes_build_the_documented_models():
    for name, r in recipes.RECIPES.items():
        for s in r.patch:
            m = r.build(s)
            assert r.patch[s] % s == 0
            c = {"y": 1, "rgb": 3}[r.channels]
            x = np.zeros((1, 12, 12, c), "float32") if r.upsample == "post" else np.zeros((1, 12 * s, 12 * s, c), "float32")
            assert m(x).shape == (1, 12 * s, 12 * s, c), (name, s)
            if r.options.get("residual"): assert any("plus" in l.name for l in m.layers), (name, s)

COMPARISONS = {"autoencoder_plain": "autoencoder"}   # shipped for a lesson's picture, worse than bicubic by design

def test_shipped_weights_beat_bicubic(data_dir):
    "Every published model loads by name and is clearly better than bicubic on Set5 at its scale (standard protocol)."
    from sr_course.bench import PUBLISHED
    from sr_course.datasets import load_dataset
    from sr_course.metrics import evaluate
    man = recipes.manifest()
    if not man: pytest.skip("no weights are shipped yet")
    set5 = load_dataset("Set5", root=data_dir)
    score = lambda name, s: evaluate(zoo.get_upscaler(name, s), set5, s).psnr.mean()
    for name, scales in man.items():
        for s in map(int, scales):
            if name in COMPARISONS:   # a comparison loads and is below the model it is compared with
                assert score(name, s) < score(COMPARISONS[name], s), (name, s); continue
            psnr = score(name, s)
            assert psnr > PUBLISHED[("bicubic", "set5", s)] + 0.5, (name, s, psnr)

def test_gan_recipe_pretrains_then_trains_a_gan(tmp_path, weights_tmp):
    "Phases: L1 pretraining, then a GAN phase with two optimizers; each phase checkpoints; the weights are the generator's."
    import keras
    from sr_course.gan import discriminator
    from sr_course.layers import upsampler
    def gen(scale=2, channels=3):
        x = keras.Input((None, None, channels))
        h = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(x)
        return keras.Model(x, keras.layers.Conv2D(channels, 3, padding="same")(upsampler(h, scale, 8)), name="tinygen")
    disc = lambda channels: discriminator(channels, filters=4, blocks=3, dense=8)
    r = recipes.Recipe("tinygan", "a tiny GAN (test)", gen, "post", {2: 16}, channels="rgb", batch_size=4, steps=2,
                       epochs=1, patience=None, discriminator=disc, adversarial="ragan", adversarial_weight=0.1,
                       phases=[recipes.Phase("pixel", 1, "l1", 1e-3), recipes.Phase("gan", 2, "l1", 1e-4, trainer="gan")])
    recipes.RECIPES["tinygan"] = r
    try:
        rec = recipes.train_recipe("tinygan", 2, out_dir=tmp_path / "runs", images=_images(), verbose=0)
    finally:
        del recipes.RECIPES["tinygan"]
    run = tmp_path / "runs" / "tinygan_x2"
    assert [p["epochs_done"] for p in rec["phases_done"]] == [1, 2] and rec["epochs_done"] == 3
    assert (run / "1_pixel" / "checkpoint" / "state.json").is_file() and (run / "2_gan" / "checkpoint" / "state.json").is_file()
    gan_hist = json.loads((run / "2_gan" / "checkpoint" / "state.json").read_text())["history"]
    assert {"content", "adversarial", "d_loss", "d_real", "d_fake"} <= set(gan_hist), sorted(gan_hist)
    m = gen(); m.load_weights(run / "tinygan_x2.weights.h5")          # the generator alone, no discriminator inside
    assert len(m.get_weights()) == len(gen().get_weights())

def test_gan_recipe_without_discriminator_fails_at_once():
    with pytest.raises(recipes.RecipeError, match="discriminator"):
        recipes.Recipe("bad", "x", lambda scale: None, "post", {2: 16}, phases=[recipes.Phase("gan", 1, "l1", 1e-4, trainer="gan")])
