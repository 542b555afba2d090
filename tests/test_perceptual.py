"""Feature (perceptual) losses: VGG's preprocessing, the cut before/after the ReLU, weights from a file, the clear
error when ImageNet weights cannot be had (no network here), the shipped course network, the named terms, and the
same numbers on TensorFlow and JAX."""
import json, os, shutil, subprocess, sys, textwrap
import numpy as np
import pytest
import keras
from keras import ops
from sr_course import perceptual as P, losses as L

rng = np.random.default_rng(0)
IMG = rng.random((2, 40, 40, 3)).astype("float32")

def np_(x): return ops.convert_to_numpy(x)

def test_caffe_preprocessing_is_keras():
    for app in (keras.applications.vgg16, keras.applications.vgg19):
        np.testing.assert_allclose(np_(P.caffe_preprocess(IMG)), app.preprocess_input(IMG * 255.0), atol=1e-4)

@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    return tmp_path / "keras" / "models"

def test_no_imagenet_weights_says_how_to_provide_them(empty_keras_home):
    "Offline (the tests block the network, so Keras' download fails): the error names the file, the folder and the alternatives."
    for net in ("vgg19", "vgg16"):
        with pytest.raises(P.FeatureWeightsError) as e:
            P.FeatureExtractor(net)
        msg = str(e.value)
        assert P.IMAGENET_FILES[net][0] in msg and str(empty_keras_home) in msg, msg
        assert "weights='/path/to/" in msg and "network='course'" in msg and "downloading it failed" in msg, msg
    with pytest.raises(P.FeatureWeightsError, match="downloading it failed"):   # also through a named loss term
        L.get_loss({"l1": 1.0, "vgg19_54": 1.0})

def test_a_wrong_file_in_keras_cache_is_refused(empty_keras_home):
    empty_keras_home.mkdir(parents=True)
    (empty_keras_home / P.IMAGENET_FILES["vgg19"][0]).write_bytes(b"not the weights")
    with pytest.raises(P.FeatureWeightsError, match="is not Keras' file"):
        P.FeatureExtractor("vgg19", weights="imagenet")

def test_random_vgg_cut_before_and_after_relu():
    after = P.FeatureExtractor("vgg19", "54", before_activation=False, weights=None)
    before = P.FeatureExtractor("vgg19", "block5_conv4", before_activation=True, weights=None)
    fa, fb = np_(after(IMG)), np_(before(IMG))
    assert fa.shape == fb.shape == (2, 2, 2, 512)
    assert fa.min() >= 0 and fb.min() < 0
    assert [l.trainable for l in before.model.layers] == [False] * len(before.model.layers)
    assert before.model.trainable_weights == []
    with pytest.raises(ValueError, match="before_activation=False"):
        P.FeatureExtractor("vgg19", "block3_pool", weights=None)
    with pytest.raises(ValueError, match="has no layer 'block5_conv4'"):
        P.FeatureExtractor("vgg16", "block5_conv4", weights=None)

def test_vgg16_sixth_layer_is_block2_conv2():
    m = P.feature_network("vgg16", weights=None)
    assert P.layer_name(m, 5) == "block2_conv2" and P.layer_name(m, 6) == "block2_pool"
    assert P.FEATURE_TERMS["vgg16_6"][0] == P.FEATURE_TERMS["vgg16_22"][0]
    assert P.FEATURE_TERMS["vgg16_6"][0]["layer"] == "block2_conv2"

def test_weights_from_a_file_written_here(tmp_path):
    "A VGG built with weights=None, saved, and loaded back by path gives the same features; the SRGAN scale is applied."
    src = P.feature_network("vgg16", weights=None)
    f = tmp_path / "vgg16.weights.h5"; src.save_weights(f)
    fx = P.FeatureExtractor("vgg16", "22", before_activation=False, weights=str(f))
    ref = np_(P.cut(src, "block2_conv2")(P.caffe_preprocess(IMG))) / 12.75
    np.testing.assert_allclose(np_(fx(IMG)), ref, rtol=1e-5, atol=1e-5)
    assert "vgg16.weights.h5" in fx.label
    with pytest.raises(P.FeatureWeightsError, match="does not fit vgg19"):
        P.FeatureExtractor("vgg19", weights=str(f))
    with pytest.raises(P.FeatureWeightsError, match="no weights file"):
        P.FeatureExtractor("vgg16", weights=str(tmp_path / "missing.weights.h5"))

def test_gray_input_is_repeated_to_rgb():
    fx = P.FeatureExtractor("course", "22", before_activation=False, weights=None)
    y = IMG[..., :1]
    np.testing.assert_allclose(np_(fx(y)), np_(fx(np.repeat(y, 3, -1))), atol=1e-6)
    with pytest.raises(ValueError, match="1-channel"):
        fx(IMG[..., :2])

def test_shipped_course_network_is_checked(tmp_path):
    path = P.course_weights_path()
    entry = P.features_manifest()["course"]
    assert path.name == P.COURSE_WEIGHTS and P.file_sha256(path) == entry["sha256"]
    assert entry["record"]["fresh_patch_accuracy"] > 3 * entry["record"]["chance"]   # it learned something
    fx = P.FeatureExtractor("course", "block2_conv2", before_activation=False)
    assert "offline substitute" in fx.label and "shipped weights" in fx.label
    d = tmp_path / "w"; d.mkdir()
    shutil.copy(path, d / path.name); shutil.copy(path.parent / P.FEATURES_MANIFEST, d / P.FEATURES_MANIFEST)
    assert P.course_weights_path(d) == d / path.name
    (d / path.name).write_bytes((d / path.name).read_bytes()[:-8])
    with pytest.raises(P.FeatureWeightsError, match="corrupt.*tools/train_feature_net.py"):
        P.course_weights_path(d)
    (d / path.name).unlink()
    with pytest.raises(P.FeatureWeightsError, match="missing"):
        P.course_weights_path(d)

def test_named_terms_are_built_by_get_loss_not_by_naming(monkeypatch):
    for n in P.FEATURE_TERMS: assert isinstance(L.LOSSES[n], L.LossFactory), n
    def boom(*a, **k): raise AssertionError("a network was built")
    monkeypatch.setattr(P, "FeatureExtractor", boom)
    monkeypatch.setattr(P, "_EXTRACTORS", {})
    L.check_loss({"l1": 1.0, "vgg19_54": 1.0, "course_22": 0.5})     # naming builds nothing
    from sr_course.recipes import Recipe, RecipeError
    Recipe("vggtest", "a recipe naming a VGG term", lambda scale: None, "post", {4: 32}, loss={"l1": 1, "vgg19_54": 1})
    with pytest.raises(RecipeError, match="unknown loss 'vgg19_45'"):
        Recipe("vggtest", "a typo", lambda scale: None, "post", {4: 32}, loss={"l1": 1, "vgg19_45": 1})
    monkeypatch.undo()
    wl = L.get_loss({"l1": 1.0, "course_22": 0.5})
    t, p = IMG, np.clip(IMG + 0.1, 0, 1)
    parts = {k: float(v) for k, v in wl.parts(t, p).items()}
    assert parts["course_22"] > 0
    np.testing.assert_allclose(float(wl(t, p)), parts["l1"] + 0.5 * parts["course_22"], rtol=1e-5)
    fx = wl.terms["course_22"][0].extractor
    f_t, f_p = np_(fx(t)), np_(fx(p))
    np.testing.assert_allclose(parts["course_22"], np.mean((f_t - f_p) ** 2), rtol=1e-4)
    assert L.get_loss("course_22").extractor is fx                  # one network per process

def test_recipe_with_vgg_term_fails_clearly_when_training_starts(empty_keras_home):
    from sr_course.recipes import Recipe, Phase, compile_phase
    gen = lambda scale: keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(3, 3, padding="same")])
    r = Recipe("vggtest", "test", gen, "post", {4: 32}, channels="rgb", loss={"l1": 1, "vgg19_54": 1})
    with pytest.raises(P.FeatureWeightsError, match="vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        compile_phase(r, gen(4), r.run_phases()[0], steps=2)

CODE = textwrap.dedent('''
    import json, os, sys, numpy as np, keras
    from sr_course import perceptual as P, losses as L
    rng = np.random.default_rng(0)
    t = rng.random((2, 36, 36, 3)).astype("float32"); p = np.clip(t + rng.normal(0, 0.05, t.shape), 0, 1).astype("float32")
    out = {"caffe": np.asarray(keras.ops.convert_to_numpy(P.caffe_preprocess(t))).ravel()[:8].tolist()}
    for n in ("course_22", "course_32"): out[n] = float(L.get_loss(n)(t, p))
    out["course_y"] = float(L.get_loss("course_22")(t[..., :1], p[..., :1]))
    fx = P.FeatureExtractor("vgg19", "54", before_activation=True, weights=sys.argv[1])
    out["vgg19_54_pre_l1"] = float(P.perceptual_loss(t, p, fx, "l1"))
    out["vgg19_22_mse"] = float(P.perceptual_loss(t, p, P.FeatureExtractor("vgg19", "22", False, weights=sys.argv[1])))
    # a tiny generator learns with a pixel + feature loss on this backend (the feature network stays frozen)
    keras.utils.set_random_seed(0)
    x = keras.Input((None, None, 3))
    g = keras.Model(x, keras.layers.Conv2D(3, 3, padding="same")(keras.layers.UpSampling2D(2)(x)))
    loss = L.get_loss({"l1": 1.0, "course_22": 0.1})
    g.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, metrics=loss.metrics())
    fnet = loss.terms["course_22"][0].extractor.model
    before = [w.copy() for w in fnet.get_weights()]
    xs, ys = rng.random((4, 16, 16, 3)).astype("float32"), rng.random((4, 32, 32, 3)).astype("float32")
    h = g.fit(xs, ys, epochs=12, verbose=0).history
    assert h["loss"][-1] < h["loss"][0], h["loss"]
    assert "loss_course_22" in h, list(h)
    assert all(np.array_equal(a, b) for a, b in zip(before, fnet.get_weights()))
    print(json.dumps(out))
''')

def _run(backend, wfile):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", CODE, str(wfile)], env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_feature_losses_agree_on_tf_and_jax(tmp_path):
    w = tmp_path / "vgg19.weights.h5"
    keras.utils.set_random_seed(1)
    P.feature_network("vgg19", weights=None).save_weights(w)
    tf, jx = _run("tensorflow", w), _run("jax", w)
    assert tf.keys() == jx.keys()
    for k in tf:
        a, b = (tf[k], jx[k]) if isinstance(tf[k], list) else ([tf[k]], [jx[k]])
        assert max(abs(x - y) / max(1.0, abs(x)) for x, y in zip(a, b)) < 1e-4, (k, a, b)
