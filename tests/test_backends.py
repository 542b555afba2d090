"The Keras pieces run on the TensorFlow and JAX backends alike (each in its own process: the backend is fixed at import)."
import os, subprocess, sys, textwrap
import pytest

CODE = textwrap.dedent('''
    import numpy as np, keras
    from sr_course.tensor_metrics import PSNRMetric, batch_psnr
    from sr_course.inference import model_upscaler
    assert keras.backend.backend() == "{backend}", keras.backend.backend()
    t = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    m = PSNRMetric(); m.update_state(t, t + 0.01)
    assert abs(float(m.result()) - 40.0) < 1e-3, float(m.result())
    model = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(4, 3, padding="same"),
                              keras.layers.Lambda(lambda x: keras.ops.depth_to_space(x, 2))])
    up = model_upscaler(model, 2)
    out = up(np.zeros((5, 7, 3), np.uint8))
    assert out.shape == (10, 14, 3) and out.dtype == np.uint8
    # the course's models build and run, and the bicubic skip is MATLAB's bicubic (away from the border)
    from sr_course.models.fast import espcn, fsrcnn
    from sr_course.models.srcnn import srcnn
    from sr_course.resize import imresize
    x = np.random.default_rng(1).random((1, 12, 12, 1)).astype("float32")
    for s in (2, 3, 4):
        m = espcn(s, activation="relu", residual=True)
        sub = m.get_layer("subpixel"); sub.set_weights([np.zeros_like(w) for w in sub.get_weights()])
        y = np.asarray(keras.ops.convert_to_numpy(m(x)))[0, ..., 0]
        ref = imresize(x[0, ..., 0].astype(np.float64), float(s))
        assert np.abs(y - ref)[2 * s:-2 * s, 2 * s:-2 * s].max() < 1e-3, s
        assert tuple(fsrcnn(s, residual=True)(x).shape) == (1, 12 * s, 12 * s, 1)
    assert tuple(srcnn(residual=True)(x).shape) == (1, 12, 12, 1)
    # the bicubic skip gives the same numbers on every backend, borders included (Keys a=-0.5, edge taps renormalised)
    from sr_course.layers import BicubicUpsample
    def cubic(d):
        d = abs(d); return 1.5 * d**3 - 2.5 * d**2 + 1 if d <= 1 else (-0.5 * d**3 + 2.5 * d**2 - 4 * d + 2 if d < 2 else 0.0)
    def up1d(v, s):                       # one row, directly from the definition
        out = []
        for o in range(len(v) * s):
            u = (o + 0.5) / s - 0.5
            ks = [k for k in range(int(np.floor(u)) - 1, int(np.floor(u)) + 3) if 0 <= k < len(v)]
            w = [cubic(u - k) for k in ks]; out.append(sum(wi * v[k] for wi, k in zip(w, ks)) / sum(w))
        return np.array(out)
    x = np.random.default_rng(2).random((1, 5, 6, 2)).astype("float32")
    for s in (2, 3, 4):
        y = np.asarray(keras.ops.convert_to_numpy(BicubicUpsample(s)(x)))
        for c in range(2):
            rows = np.stack([up1d(r, s) for r in x[0, ..., c]])
            ref = np.stack([up1d(col, s) for col in rows.T]).T
            assert np.abs(y[0, ..., c] - ref).max() < 1e-5, (s, np.abs(y[0, ..., c] - ref).max())
    print("ok")
''')

@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])   # torch: where it is installed (not in CI)
def test_metrics_on_backend(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", CODE.format(backend=backend)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-3000:]
