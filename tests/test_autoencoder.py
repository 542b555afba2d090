"Lesson 4's autoencoders where the notebooks cannot test them well: the same numbers on TensorFlow and JAX (odd sizes), and both recipes training through `train_recipe`."
import os, subprocess, sys, textwrap
import numpy as np
import pytest
from sr_course import zoo, recipes

CODE = textwrap.dedent('''
    import sys, numpy as np, keras
    from sr_course.models.autoencoder import sr_autoencoder, denoising_autoencoder, PadToMultiple, CropToScale
    assert keras.backend.backend() == "{backend}", keras.backend.backend()
    rng = np.random.default_rng(0)
    out = {{}}
    x = rng.random((2, 7, 9, 3)).astype("float32")
    out["pad"] = keras.ops.convert_to_numpy(PadToMultiple(4)(x))
    out["crop"] = keras.ops.convert_to_numpy(CropToScale(3)([rng.random((2, 24, 36, 3)).astype("float32"), x]))
    for s in (2, 3, 4):
        m = sr_autoencoder(s, filters=8, residual=s != 3)
        m.set_weights([np.random.default_rng(i).normal(0, 0.2, w.shape).astype("float32")   # the same weights everywhere
                       for i, w in enumerate(m.get_weights())])
        y = keras.ops.convert_to_numpy(m(x))
        assert y.shape == (2, 7 * s, 9 * s, 3), y.shape
        p = m.predict(x, verbose=0)                                   # a traced graph (tf.function / jax.jit) too
        assert np.abs(p - y).max() < 1e-4
        out[f"x{{s}}"] = y
    d = denoising_autoencoder(8)
    d.set_weights([np.random.default_rng(i).normal(0, 0.2, w.shape).astype("float32") for i, w in enumerate(d.get_weights())])
    out["dae"] = keras.ops.convert_to_numpy(d(x))
    np.savez(sys.argv[1], **out)
    print("ok")
''')

def _run(backend, path):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", CODE.format(backend=backend), str(path)], env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-3000:]
    return dict(np.load(path))

def test_tensorflow_and_jax_agree_on_odd_sizes(tmp_path):
    "Pad, crop and whole models give the same numbers on both backends, for a 7x9 input at x2, x3 and x4."
    pytest.importorskip("jax")
    tf_out, jax_out = _run("tensorflow", tmp_path / "tf.npz"), _run("jax", tmp_path / "jax.npz")
    assert set(tf_out) == set(jax_out) == {"pad", "crop", "x2", "x3", "x4", "dae"}
    np.testing.assert_array_equal(tf_out["pad"], jax_out["pad"])
    np.testing.assert_array_equal(tf_out["crop"], jax_out["crop"])
    for k in ("x2", "x3", "x4", "dae"):
        np.testing.assert_allclose(tf_out[k], jax_out[k], atol=2e-4, rtol=1e-3, err_msg=k)
    assert np.abs(tf_out["x2"]).max() > 1e-3                        # not trivially zero

def _images(n=4, size=80, seed=0):
    rng = np.random.default_rng(seed)
    base = [np.clip(rng.normal(128, 40, (size, size + 5, 3)), 0, 255).astype(np.uint8) for _ in range(n)]
    return base[:-1], {"v0": base[-1][:37, :45]}                      # an odd-sized validation image

@pytest.mark.parametrize("name", ["autoencoder", "autoencoder_plain"])
def test_recipe_trains_two_steps(name, tmp_path, weights_tmp):
    "Both recipes are in the zoo, train 2 steps on RGB through `train_recipe`, and validate on an odd-sized image."
    assert name in zoo.model_names() and zoo.get_spec(name).scales == (2, 3, 4) and not zoo.available(name, 2)
    r = recipes.get_recipe(name)
    assert (r.channels, r.loss, r.upsample, r.options["skips"]) == ("rgb", "l1", "post", name == "autoencoder")
    rec = recipes.train_recipe(name, 2, out_dir=tmp_path / "runs", epochs=1, steps=2, images=_images(), verbose=0)
    assert rec["epochs_done"] == 1 and rec["steps_done"] == 2 and len(rec["val_psnr_y"]) == 1
    assert np.isfinite(rec["loss"]).all() and np.isfinite(rec["val_psnr_y"]).all()
    assert (tmp_path / "runs" / f"{name}_x2" / f"{name}_x2.weights.h5").is_file()
    with pytest.raises(zoo.WeightsError, match=f"sr-course train {name} --scale 2 --publish"):   # x3 starts from x2
        recipes.train_recipe(name, 3, out_dir=tmp_path / "runs", epochs=1, steps=1, images=_images(), verbose=0)

def test_shipped_autoencoder_beats_lessons_2_and_3(data_dir):
    "Issue bar: at every shipped scale, on Set5 and on Set14, the autoencoder beats the best shipped model of Lessons 2-3."
    from sr_course.datasets import load_dataset
    from sr_course.metrics import evaluate
    man = recipes.manifest()
    scales = sorted(int(s) for s in man.get("autoencoder", {}))
    if not scales: pytest.skip("no autoencoder weights are shipped yet")
    for ds in ("Set5", "Set14"):
        test = load_dataset(ds, root=data_dir)
        for s in scales:
            score = lambda m: evaluate(zoo.get_upscaler(m, s), test, s).psnr.mean()
            best = max(score(m) for m in ("srcnn", "fsrcnn", "espcn") if str(s) in man.get(m, {}))
            assert score("autoencoder") > best, (ds, s, score("autoencoder"), best)
