"The losses and shared layers give the same numbers on the TensorFlow and JAX backends (each in its own process)."
import os, subprocess, sys, textwrap, json
import pytest

CODE = textwrap.dedent('''
    import json, numpy as np, keras
    from sr_course import losses as L
    from sr_course.layers import PixelShuffle, upsampler, residual_block
    from sr_course.models.srresnet import srresnet
    rng = np.random.default_rng(0)
    t, p = rng.random((2, 6, 6, 3)).astype("float32"), rng.random((2, 6, 6, 3)).astype("float32")
    r, f = rng.normal(size=8).astype("float32"), rng.normal(size=8).astype("float32")
    out = {n: float(fn(t, p)) for n, fn in L.LOSSES.items() if not isinstance(fn, L.LossFactory)}   # feature terms: test_perceptual
    out["weighted"] = float(L.get_loss({"l1": 1.0, "tv": 0.1})(t, p))
    for n, (d, g) in L.ADVERSARIAL.items(): out[n + "_d"], out[n + "_g"] = float(d(r, f)), float(g(r, f))
    x = rng.random((1, 2, 3, 8)).astype("float32")
    out["shuffle"] = np.asarray(keras.ops.convert_to_numpy(PixelShuffle(2)(x))).ravel()[:16].tolist()
    m = srresnet(4, blocks=2, filters=8)
    assert tuple(m(np.zeros((1, 5, 4, 3), "float32")).shape) == (1, 20, 16, 3)
    # a tiny SRResNet learns on this backend: the loss falls on a fixed batch
    keras.utils.set_random_seed(0)
    m = srresnet(2, blocks=1, filters=8, residual=False, head_kernel=3, tail_kernel=3)
    m.compile(optimizer=keras.optimizers.Adam(1e-2), loss=L.get_loss({"l1": 1.0, "tv": 0.01}))
    xs, ys = rng.random((4, 8, 8, 3)).astype("float32"), rng.random((4, 16, 16, 3)).astype("float32")
    h = m.fit(xs, ys, epochs=15, verbose=0).history["loss"]
    assert h[-1] < h[0], h
    print(json.dumps(out))
''')

def _run(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])

def test_losses_and_layers_agree_on_tf_and_jax():
    tf, jx = _run("tensorflow"), _run("jax")
    assert tf.keys() == jx.keys()
    for k in tf:
        a, b = tf[k], jx[k]
        a, b = (a, b) if isinstance(a, list) else ([a], [b])
        assert max(abs(x - y) for x, y in zip(a, b)) < 1e-5, (k, a, b)
