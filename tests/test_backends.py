"The Keras pieces run on the TensorFlow and JAX backends alike (each in its own process: the backend is fixed at import)."
import os, subprocess, sys, textwrap
import pytest

CODE = textwrap.dedent('''
    import numpy as np, keras
    from sr_course.metrics import PSNRMetric, batch_psnr, model_upscaler
    assert keras.backend.backend() == "{backend}", keras.backend.backend()
    t = np.random.default_rng(0).random((2, 8, 8, 1)).astype("float32")
    m = PSNRMetric(); m.update_state(t, t + 0.01)
    assert abs(float(m.result()) - 40.0) < 1e-3, float(m.result())
    model = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(4, 3, padding="same"),
                              keras.layers.Lambda(lambda x: keras.ops.depth_to_space(x, 2))])
    up = model_upscaler(model, 2)
    out = up(np.zeros((5, 7, 3), np.uint8))
    assert out.shape == (10, 14, 3) and out.dtype == np.uint8
    print("ok")
''')

@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
def test_metrics_on_backend(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", CODE.format(backend=backend)], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr[-3000:]
