"The model zoo: registry behaviour, errors, `upscale` shapes, and the sha256 check of registered weights."
import numpy as np
import pytest
from sr_course import zoo
from sr_course.resize import imresize


@pytest.fixture
def scratch_names():
    "Models registered by a test are removed afterwards, so tests do not leak into each other."
    before = set(zoo.model_names())
    yield
    for n in set(zoo.model_names()) - before: zoo.unregister(n)


def test_classical_models_registered():
    assert {"nearest", "bilinear", "bicubic", "lanczos"} <= set(zoo.model_names())
    assert zoo.DEFAULT_MODEL == "bicubic"
    df = zoo.list_models()
    assert list(df.columns[:3]) == ["name", "scales", "description"]
    assert set(df.name) == set(zoo.model_names())
    assert all(isinstance(d, str) and d for d in df.description)


@pytest.mark.parametrize("name,method", [("nearest", "nearest"), ("bilinear", "bilinear"),
                                         ("bicubic", "bicubic"), ("lanczos", "lanczos3")])
def test_classical_matches_imresize(name, method):
    lr = np.random.default_rng(0).integers(0, 256, (9, 7, 3), dtype=np.uint8)
    for s in (2, 3, 4):
        np.testing.assert_array_equal(zoo.get_upscaler(name, s)(lr), imresize(lr, float(s), method=method))
    # lanczos is lanczos3, not bicubic
    if name == "lanczos": assert not np.array_equal(zoo.upscale(lr, 4, "lanczos"), zoo.upscale(lr, 4, "bicubic"))


def test_names_case_insensitive_and_cached():
    assert zoo.get_upscaler("BiCubic", 2) is zoo.get_upscaler("bicubic", 2)
    assert zoo.get_upscaler("bicubic", 4.0) is zoo.get_upscaler("bicubic", 4)
    assert zoo.get_spec("LANCZOS").name == "lanczos"


def test_unknown_model_lists_available():
    with pytest.raises(ValueError) as e: zoo.get_upscaler("srcnn-9000", 4)
    msg = str(e.value)
    assert "srcnn-9000" in msg and all(n in msg for n in zoo.model_names())
    with pytest.raises(ValueError, match="did you mean 'bicubic'"): zoo.upscale(np.zeros((4, 4, 3), np.uint8), 2, "bicubc")


@pytest.mark.parametrize("scale", [5, 1, 0, -2, 2.5, "4", True])
def test_bad_scale(scale):
    with pytest.raises(ValueError) as e: zoo.get_upscaler("bicubic", scale)
    if scale == 5: assert "supported scales: 2, 3, 4, 8" in str(e.value)
    else: assert "whole number" in str(e.value)


def test_upscale_shapes_gray_and_rgb():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (10, 13, 3), dtype=np.uint8)
    gray = rgb[..., 0].copy()
    out = zoo.upscale(rgb)                           # defaults: x4 bicubic
    assert out.shape == (40, 52, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, imresize(rgb, 4.0))
    g = zoo.upscale(gray, 3, "lanczos")
    assert g.shape == (30, 39) and g.dtype == np.uint8
    np.testing.assert_array_equal(g, imresize(gray, 3.0, method="lanczos3"))   # gray in, gray out, same values
    assert zoo.upscale(gray[..., None], 2).shape == (20, 26, 1)
    # images smaller than the scale are fine
    assert zoo.upscale(np.full((1, 1), 9, np.uint8), 8, "nearest").shape == (8, 8)
    assert (zoo.upscale(np.full((1, 2, 3), 200, np.uint8), 4) == 200).all()


def test_upscale_bad_images():
    with pytest.raises(TypeError, match="uint8"): zoo.upscale(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="to_rgb"): zoo.upscale(np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="shape"): zoo.upscale(np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="empty"): zoo.upscale(np.zeros((0, 4, 3), np.uint8))


def test_register_function_and_decorator(scratch_names):
    calls = []
    def factory(s):
        calls.append(s)
        return lambda lr: np.repeat(np.repeat(lr, s, 0), s, 1)
    spec = zoo.register("Mine", factory, scales=(2, 4.0), description="block copy")
    assert spec.name == "mine" and spec.scales == (2, 4)
    assert "mine" in zoo.model_names() and "mine" in set(zoo.list_models().name)
    x = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    np.testing.assert_array_equal(zoo.upscale(x, 2, "MINE"), zoo.upscale(x, 2, "nearest"))
    zoo.get_upscaler("mine", 2)
    assert calls == [2]                              # built once
    zoo.register("mine", factory, scales=(2,))       # re-registering replaces and drops the cache
    zoo.get_upscaler("mine", 2)
    assert calls == [2, 2]
    with pytest.raises(ValueError, match="supported scales: 2"): zoo.get_upscaler("mine", 4)

    @zoo.register("deco", scales=(3,))
    def deco(s): return lambda lr: imresize(lr, float(s))
    assert callable(deco) and zoo.upscale(x, 3, "deco").shape == (6, 6, 3)
    zoo.unregister("DECO")
    assert "deco" not in zoo.model_names()


def test_register_validates(scratch_names):
    f = lambda s: (lambda lr: lr)
    with pytest.raises(ValueError, match="model name"): zoo.register("two words", f)
    with pytest.raises(ValueError, match="model name"): zoo.register("../evil", f)
    with pytest.raises(TypeError, match="callable"): zoo.register("x", 42)
    with pytest.raises(ValueError, match="whole number"): zoo.register("x", f, scales=(1.5,))
    with pytest.raises(ValueError, match="not among its scales"): zoo.register("x", f, scales=(2,), weights={4: ("a.weights.h5", "0" * 64)})
    with pytest.raises(ValueError, match=r"\.weights\.h5"): zoo.register("x", f, weights={2: ("a.h5", "0" * 64)})
    with pytest.raises(ValueError, match="sha256"): zoo.register("x", f, weights={2: ("a.weights.h5", "abc")})
    assert "x" not in zoo.model_names()


def test_factory_must_return_upscaler(scratch_names):
    zoo.register("broken", lambda s: 42)
    with pytest.raises(TypeError, match="must return"): zoo.get_upscaler("broken", 2)


def test_wrong_output_size_is_caught(scratch_names):
    zoo.register("wrongsize", lambda s: (lambda lr: lr))
    with pytest.raises(ValueError, match="expected"): zoo.upscale(np.zeros((4, 4, 3), np.uint8), 2, "wrongsize")


# --- trained models: weights files and their sha256 -------------------------------------------------------------

def _tiny(scale):
    "A tiny post-upsampling RGB network (conv + depth_to_space), deterministic weights."
    import keras
    inp = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(3 * scale * scale, 3, padding="same", kernel_initializer="ones")(inp)
    out = keras.layers.Lambda(lambda t: keras.ops.depth_to_space(t, scale))(x)
    return keras.Model(inp, out)


def _other(scale):
    "A different architecture: its weights do not fit `_tiny`."
    import keras
    inp = keras.Input((None, None, 3))
    x = keras.layers.Conv2D(5, 3, padding="same")(inp)
    x = keras.layers.Conv2D(3 * scale * scale, 1, padding="same")(x)
    return keras.Model(inp, keras.layers.Lambda(lambda t: keras.ops.depth_to_space(t, scale))(x))


@pytest.fixture
def saved_weights(tmp_path):
    import keras
    m = _tiny(2)
    m.set_weights([np.full(w.shape, 0.01, "float32") for w in m.get_weights()])
    path = tmp_path / "tiny_x2.weights.h5"
    m.save_weights(path)
    return path, m


def test_weights_load_with_matching_sha(saved_weights, scratch_names):
    path, trained = saved_weights
    sha = zoo.file_sha256(path)
    zoo.register("tiny", _tiny, scales=(2,), weights={2: (str(path), sha)}, recipe="tests/test_zoo.py")
    m = zoo.load_weights(_tiny(2), "tiny", 2)        # fresh model (ones) now holds the saved 0.01 weights
    for a, b in zip(m.get_weights(), trained.get_weights()): np.testing.assert_array_equal(a, b)
    assert zoo.weights_path("tiny", 2) == path
    up = zoo.get_upscaler("tiny", 2)                 # weights loaded and the model wrapped by as_upscaler
    assert getattr(up, "model", None) is not None
    assert zoo.upscale(np.zeros((5, 6, 3), np.uint8), 2, "tiny").shape == (10, 12, 3)


def test_weights_sha_mismatch(saved_weights, scratch_names):
    path, _ = saved_weights
    zoo.register("tiny", _tiny, scales=(2,), weights={2: (str(path), "ab" * 32)}, recipe="nbs/99_tiny.ipynb")
    for call in (lambda: zoo.load_weights(_tiny(2), "tiny", 2), lambda: zoo.get_upscaler("tiny", 2)):
        with pytest.raises(zoo.WeightsError) as e: call()
        msg = str(e.value)
        assert str(path) in msg and "sha256" in msg and "abababababab" in msg
        assert "reinstall" in msg and "nbs/99_tiny.ipynb" in msg
    assert isinstance(e.value, ValueError)            # the CLI reports it as an expected error


def test_weights_corrupt_file(saved_weights, scratch_names):
    path, _ = saved_weights
    zoo.register("tiny", _tiny, scales=(2,), weights={2: (str(path), zoo.file_sha256(path))})
    with open(path, "r+b") as f: f.truncate(path.stat().st_size // 2)     # a download cut short
    with pytest.raises(zoo.WeightsError, match="corrupt"): zoo.load_weights(_tiny(2), "tiny", 2)


def test_weights_missing_file_and_scale(tmp_path, scratch_names):
    zoo.register("tiny", _tiny, scales=(2, 3), weights={2: ("no_such_tiny_x2.weights.h5", "0" * 64)})
    with pytest.raises(zoo.WeightsError) as e: zoo.load_weights(_tiny(2), "tiny", 2)
    assert "no_such_tiny_x2.weights.h5" in str(e.value) and "missing" in str(e.value)
    assert str(zoo.weights_dir()) in str(e.value)          # relative names live in sr_course/weights/
    with pytest.raises(zoo.WeightsError, match="no weights for x3"): zoo.get_upscaler("tiny", 3)


def test_weights_that_do_not_fit(tmp_path, scratch_names):
    path = tmp_path / "other_x2.weights.h5"
    _other(2).save_weights(path)
    zoo.register("tiny", _tiny, scales=(2,), weights={2: (str(path), zoo.file_sha256(path))})
    with pytest.raises(zoo.WeightsError, match="does not fit"): zoo.load_weights(_tiny(2), "tiny", 2)
