"""The training toolkit (`sr_course.train`): kill-and-resume on the TensorFlow and JAX backends, atomic checkpoints,
early stopping, TensorBoard logs, protocol validation, mixed precision and epoch times."""
import json, os, re, signal, subprocess, sys, textwrap, time
from pathlib import Path
import numpy as np
import pytest

# A run of 5 tiny epochs with checkpoints. `first` stops itself at the start of epoch 3 (index 2) and waits to be
# killed; `second` is the same command started again; `reference` is an uninterrupted run in another folder.
SCRIPT = textwrap.dedent('''
    import json, os, sys, time
    from pathlib import Path
    import numpy as np, keras
    from sr_course.core import set_seed
    from sr_course.pairs import TrainPairs
    from sr_course.train import fit
    ckdir, phase = Path(sys.argv[1]), sys.argv[2]
    work = ckdir.parent
    assert keras.backend.backend() == os.environ["KERAS_BACKEND"], keras.backend.backend()
    set_seed(0)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:40, :40]
    imgs = [np.clip(128 + 60 * np.sin(xx / (3 + i)) * np.cos(yy / (4 + i)) + rng.normal(0, 8, (40, 40)), 0, 255)
            .astype(np.uint8)[..., None].repeat(3, -1) for i in range(3)]
    pairs = TrainPairs(imgs, scale=2, patch=16, batch_size=4, steps=3)
    model = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
                              keras.layers.Conv2D(1, 3, padding="same")])
    if os.environ.get("GAN"):                            # the same generator, trained against a small discriminator
        from sr_course.gan import GAN, discriminator
        model = GAN(model, discriminator(1, filters=4, blocks=3, dense=8))
        model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(2e-3), content_loss="mse", adversarial_weight=0.1)
    arrays = lambda vs: [keras.ops.convert_to_numpy(v) for v in vs]

    class Probe(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            np.savez(work / f"{phase}_begin.npz", *arrays(self.model.optimizer.variables), *arrays(self.model.weights))
            (work / f"{phase}_iterations.txt").write_text(str(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))))
        def on_epoch_begin(self, epoch, logs=None):
            with open(work / f"{phase}_epochs.txt", "a") as fh: fh.write(f"{epoch}\\n")
            if phase == "first" and epoch == 2:        # epochs 1 and 2 are checkpointed: wait here to be killed
                (work / "in_epoch_3").write_text("x")
                time.sleep(600)
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1 and phase == "first":        # the state the checkpoint of epoch 2 must hold
                np.savez(work / "after_epoch_2.npz", *arrays(self.model.optimizer.variables), *arrays(self.model.weights))

    tb = str(work / "tb") if phase == "reference" and os.environ.get("TB") else None
    hist = fit(model, pairs, epochs=5, checkpoint_dir=ckdir, callbacks=[Probe()], tensorboard_dir=tb, verbose=2)
    it = lambda o: int(keras.ops.convert_to_numpy(o.iterations))
    subs = [it(model.g_optimizer), it(model.d_optimizer)] if os.environ.get("GAN") else []
    print("RESULT " + json.dumps({"history": hist, "iterations": it(model.optimizer), "sub_iterations": subs}))
''')

def _env(backend, **extra):
    return {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", **extra}

def _start(script, ckdir, phase, env):
    return subprocess.Popen([sys.executable, str(script), str(ckdir), phase], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)

def _finish(p, phase):
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, f"{phase} run failed:\n{out[-2000:]}\n{err[-4000:]}"
    return out, json.loads(out.split("RESULT ", 1)[1])

def _npz(path):
    with np.load(path) as z: return [z[f"arr_{i}"] for i in range(len(z.files))]

@pytest.mark.parametrize("backend,gan", [("tensorflow", False), ("jax", False), ("tensorflow", True), ("jax", True)],
                         ids=["tensorflow", "jax", "gan-tensorflow", "gan-jax"])
def test_kill_and_resume(backend, gan, tmp_path):
    """SIGKILL in epoch 3 of 5, start again: resumes after epoch 2 with its weights and optimizer state, redoes only 3..5.
    The GAN cases hold two networks and two optimizers (Adam states of both) in the checkpoint."""
    pytest.importorskip(backend)
    import importlib.util
    tb = importlib.util.find_spec("tensorboard") is not None and importlib.util.find_spec("tensorflow") is not None
    script = tmp_path / "run.py"; script.write_text(SCRIPT)
    env = _env(backend, TB="1" if tb and not gan else "", GAN="1" if gan else "")
    ckdir = tmp_path / "ck"
    ref_run = _start(script, tmp_path / "ref", "reference", env)   # uninterrupted, alongside (independent)
    try:
        err = (tmp_path / "first.err").open("w")
        p = subprocess.Popen([sys.executable, str(script), str(ckdir), "first"], env=env, stdout=subprocess.DEVNULL, stderr=err)
        try:
            t0 = time.time()
            while not (tmp_path / "in_epoch_3").exists():
                assert p.poll() is None, f"the first run ended before epoch 3:\n{(tmp_path / 'first.err').read_text()[-4000:]}"
                assert time.time() - t0 < 240, "the first run did not reach epoch 3 in time"
                time.sleep(0.1)
            p.send_signal(signal.SIGKILL)
            assert p.wait(30) == -signal.SIGKILL
        finally:
            if p.poll() is None: p.kill(); p.wait()
            err.close()
        assert (tmp_path / "first_epochs.txt").read_text().split() == ["0", "1", "2"]
        before = json.loads((ckdir / "state.json").read_text())
        assert before["epoch"] == 2 and before["weights"] == "epoch_002.weights.h5" and not before["stopped"]
        assert _files(ckdir) == ["epoch_002.weights.h5", "state.json"]
        assert len(before["history"]["loss"]) == 2 and len(before["history"]["seconds"]) == 2

        out, res = _finish(_start(script, ckdir, "second", env), "second")
        assert re.search(rf"Resuming from {re.escape(str(ckdir))}: 2 of 5 epochs done", out), out[-2000:]
        assert (tmp_path / "second_epochs.txt").read_text().split() == ["2", "3", "4"]   # only the remaining epochs ran
        h = res["history"]
        assert all(len(v) == 5 for v in h.values()), {k: len(v) for k, v in h.items()}
        for k in before["history"]: assert h[k][:2] == before["history"][k], k
        assert all(s > 0 for s in h["seconds"])
        # optimizer state: the resumed run starts with exactly the weights and Adam variables of the end of epoch 2
        steps = 3
        assert int((tmp_path / "second_iterations.txt").read_text()) == 2 * steps
        saved, restored = _npz(tmp_path / "after_epoch_2.npz"), _npz(tmp_path / "second_begin.npz")
        assert len(saved) == len(restored) > 4
        for a, b in zip(saved, restored): np.testing.assert_array_equal(a, b)
        assert res["iterations"] == 5 * steps
        if gan: assert res["sub_iterations"] == [5 * steps, 5 * steps], res["sub_iterations"]   # both optimizers' counts
        state = json.loads((ckdir / "state.json").read_text())
        assert state["epoch"] == 5 and state["history"] == h
        assert _files(ckdir) == ["epoch_005.weights.h5", "state.json"]

        # an uninterrupted run gives the same training curve (same batches, same order, same updates): nothing lost or
        # repeated. Resetting Adam's state, or letting Keras shuffle the batch order, changes the loss by 1e-4..1e-3.
        _, ref = _finish(ref_run, "reference")
        assert int((tmp_path / "reference_iterations.txt").read_text()) == 0
        keys = ("loss", "content", "adversarial", "d_loss", "d_real", "d_fake") if gan else ("loss", "psnr")
        for k in keys: np.testing.assert_allclose(h[k], ref["history"][k], rtol=1e-6, err_msg=k)
        assert ref["iterations"] == res["iterations"]
        if tb and not gan: assert list((tmp_path / "tb").rglob("events.out.tfevents.*")), "no TensorBoard event files"
    finally:
        if ref_run.poll() is None: ref_run.kill(); ref_run.wait()


# In-process tests run on the backend pytest was started with (TensorFlow by default).

keras = pytest.importorskip("keras")
from sr_course.pairs import TrainPairs
from sr_course.metrics import evaluate
from sr_course.inference import model_upscaler
from sr_course.train import fit, load_checkpoint, Checkpoint, ProtocolValidation, use_mixed_precision

@pytest.fixture(scope="module")
def pairs():
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:36, :36]
    imgs = [np.clip(120 + 70 * np.sin(xx / 3 + i) * np.cos(yy / 5) + rng.normal(0, 6, (36, 36)), 0, 255).astype(np.uint8)
            [..., None].repeat(3, -1) for i in range(3)]
    return TrainPairs(imgs, scale=2, patch=12, batch_size=4, steps=3), {f"im{i}": im for i, im in enumerate(imgs[:2])}

def tiny(compiled=True):
    m = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
                          keras.layers.Conv2D(1, 3, padding="same")])
    if compiled: m.compile(keras.optimizers.Adam(1e-3), "mse")
    return m

def residual():
    "Bicubic input plus a learned correction: its protocol PSNR starts near bicubic's and moves with every step."
    x = keras.Input((None, None, 1))
    y = keras.layers.Conv2D(1, 3, padding="same")(keras.layers.Conv2D(4, 3, padding="same", activation="relu")(x))
    return keras.Model(x, keras.layers.Add()([x, y]))

def _files(d): return sorted(p.name for p in Path(d).iterdir())

def test_failed_save_keeps_last_checkpoint(pairs, tmp_path, monkeypatch):
    "A save that dies while writing the weights, or the state, leaves the previous checkpoint loadable and no stray file."
    train, _ = pairs
    m = tiny(); fit(m, train, epochs=2, checkpoint_dir=tmp_path, verbose=0)
    good = [w.copy() for w in m.get_weights()]
    assert _files(tmp_path) == ["epoch_002.weights.h5", "state.json"]

    def half_written(self, path, *a, **k):
        Path(path).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)   # a truncated file, then the "kill"
        raise KeyboardInterrupt("killed while saving")
    with monkeypatch.context() as mp:
        mp.setattr(keras.Model, "save_weights", half_written)
        with pytest.raises(KeyboardInterrupt): fit(tiny(), train, epochs=3, checkpoint_dir=tmp_path, verbose=0)
    assert _files(tmp_path) == ["epoch_002.weights.h5", "state.json"]

    def no_state(self, state): raise OSError("disk full")         # weights written, then state.json fails
    with monkeypatch.context() as mp:
        mp.setattr(Checkpoint, "_write_state", no_state)
        with pytest.raises(OSError, match="disk full"): fit(tiny(), train, epochs=3, checkpoint_dir=tmp_path, verbose=0)
    assert _files(tmp_path) == ["epoch_002.weights.h5", "state.json"]

    fresh = tiny()
    state = load_checkpoint(fresh, tmp_path)
    assert state["epoch"] == 2 and int(fresh.optimizer.iterations) == 2 * train.steps
    for a, b in zip(good, fresh.get_weights()): np.testing.assert_array_equal(a, b)

    # a SIGKILL in the middle of a write leaves a hidden temporary file (nothing runs after SIGKILL): the next run removes it
    stale = [tmp_path / ".epoch_003.weights.h5.0123abcd.weights.h5", tmp_path / ".state.json.89abcdef.tmp"]
    for f in stale: f.write_bytes(b"partial")
    (tmp_path / "notes.txt").write_text("mine")                  # files that are not the checkpoint's are left alone
    Checkpoint(tmp_path)
    assert _files(tmp_path) == ["epoch_002.weights.h5", "notes.txt", "state.json"]
    h = fit(tiny(), train, epochs=3, checkpoint_dir=tmp_path, verbose=0)
    assert len(h["loss"]) == 3
    assert _files(tmp_path) == ["epoch_003.weights.h5", "notes.txt", "state.json"]

def test_checkpoint_errors(pairs, tmp_path):
    "A checkpoint of another architecture, or a state naming a missing file, fails with an error that says what to do."
    train, _ = pairs
    fit(tiny(), train, epochs=1, checkpoint_dir=tmp_path, verbose=0)
    other = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(8, 5, padding="same"),
                              keras.layers.Conv2D(1, 3, padding="same")])
    other.compile(keras.optimizers.Adam(), "mse")
    with pytest.raises(ValueError, match="does not fit this model"): fit(other, train, epochs=2, checkpoint_dir=tmp_path, verbose=0)
    assert load_checkpoint(tiny(compiled=False), tmp_path)["epoch"] == 1   # weights only, for inference
    assert load_checkpoint(tiny(), tmp_path / "nothing") == {}
    (tmp_path / "epoch_001.weights.h5").unlink()
    with pytest.raises(FileNotFoundError, match="epoch_001.weights.h5"): load_checkpoint(tiny(), tmp_path)
    with pytest.raises(ValueError, match="scale"): fit(tiny(), train, epochs=1, val_images={"a": np.zeros((8, 8, 3), np.uint8)})
    with pytest.raises(ValueError, match="epochs"): fit(tiny(), train, epochs=0)

def test_early_stopping(pairs, tmp_path):
    "Nothing can improve at lr=0: patience=1 stops on val_psnr_y after 2 epochs; a resumed run keeps counting."
    train, val = pairs
    h = fit(tiny(compiled=False), train, epochs=6, scale=2, val_images=val, learning_rate=0.0, patience=1, verbose=0)
    assert len(h["val_psnr_y"]) == len(h["loss"]) == 2 and h["val_psnr_y"][0] == h["val_psnr_y"][1]

    # the same with patience=2 stops after 3 epochs; interrupted after 2 and resumed, it still stops after 3
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2: raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        fit(tiny(compiled=False), train, epochs=6, scale=2, val_images=val, learning_rate=0.0, patience=2, checkpoint_dir=tmp_path,
            callbacks=[Interrupt()], verbose=0)
    h = fit(tiny(compiled=False), train, epochs=6, scale=2, val_images=val, learning_rate=0.0, patience=2, checkpoint_dir=tmp_path, verbose=0)
    assert len(h["val_psnr_y"]) == 3
    assert json.loads((tmp_path / "state.json").read_text())["stopped"]
    h2 = fit(tiny(compiled=False), train, epochs=6, scale=2, val_images=val, learning_rate=0.0, patience=2, checkpoint_dir=tmp_path, verbose=0)
    assert h2 == h                                                # a run that stopped early stays stopped

def test_tensorboard(pairs, tmp_path, monkeypatch):
    "tensorboard_dir gets event files; without the tensorboard package the error says how to install it."
    train, _ = pairs
    if keras.backend.backend() != "tensorflow" or __import__("importlib").util.find_spec("tensorboard") is None:
        pytest.skip("TensorBoard logs need TensorFlow and the tensorboard package")
    fit(tiny(), train, epochs=1, tensorboard_dir=tmp_path / "tb", verbose=0)
    assert list((tmp_path / "tb").rglob("events.out.tfevents.*"))
    monkeypatch.setitem(sys.modules, "tensorboard", None)      # as if it were not installed
    with pytest.raises(ImportError, match="pip install tensorboard"):
        fit(tiny(), train, epochs=1, tensorboard_dir=tmp_path / "tb2", verbose=0)
    assert not (tmp_path / "tb2").exists()

def test_protocol_validation_matches_evaluate(pairs):
    "val_psnr_y/val_ssim_y are `evaluate`'s means on the same images with the model after that epoch."
    train, val = pairs
    m = residual()
    h = fit(m, train, epochs=2, scale=2, val_images=val, verbose=0)
    r = evaluate(model_upscaler(m, 2), val, 2)
    assert h["val_psnr_y"][-1] == pytest.approx(r.psnr.mean(), abs=1e-9)
    assert h["val_ssim_y"][-1] == pytest.approx(r.ssim.mean(), abs=1e-9)
    assert h["val_psnr_y"][0] != h["val_psnr_y"][1]                 # scored each epoch, not once
    cb = ProtocolValidation(val, 2, every=2); cb.set_model(m)
    logs = {}; cb.on_epoch_end(0, logs); assert logs == {}          # not an evaluation epoch
    cb.on_epoch_end(1, logs); assert logs["val_psnr_y"] == pytest.approx(r.psnr.mean(), abs=1e-9)

def test_epoch_seconds(pairs):
    "The history has the wall-clock seconds of every epoch, and they add up to about the time fit took."
    train, _ = pairs
    t0 = time.perf_counter(); h = fit(tiny(), train, epochs=3, verbose=0); total = time.perf_counter() - t0
    assert len(h["seconds"]) == 3 and all(s > 0 for s in h["seconds"])
    assert sum(h["seconds"]) <= total and sum(h["seconds"]) > 0.3 * total

@pytest.fixture
def restore_policy():
    before = keras.mixed_precision.global_policy().name
    yield
    keras.mixed_precision.set_global_policy(before)

def test_mixed_precision(pairs, tmp_path, monkeypatch, restore_policy):
    "CPU: use_mixed_precision keeps float32. With a GPU it picks mixed_float16, and fit + resume work under that policy."
    import sr_course.core
    if sr_course.core.gpu_devices(): pytest.skip("this test is about the CPU choice")
    assert use_mixed_precision() == "float32" and keras.mixed_precision.global_policy().name == "float32"
    monkeypatch.setattr(sr_course.core, "gpu_devices", lambda: ["GPU:0 (pretend)"])
    assert use_mixed_precision() == "mixed_float16" and keras.mixed_precision.global_policy().name == "mixed_float16"
    train, val = pairs
    m = tiny(compiled=False)
    assert m.layers[0].compute_dtype == "float16"
    fit(m, train, epochs=1, scale=2, val_images=val, checkpoint_dir=tmp_path, verbose=0)
    assert isinstance(m.optimizer, keras.optimizers.LossScaleOptimizer)
    m2 = tiny(compiled=False)
    h = fit(m2, train, epochs=2, scale=2, val_images=val, checkpoint_dir=tmp_path, verbose=0)
    assert len(h["loss"]) == 2 and np.isfinite(h["val_psnr_y"]).all()
    assert int(m2.optimizer.iterations) == 2 * train.steps
    assert use_mixed_precision(False) == "float32" and keras.mixed_precision.global_policy().name == "float32"

def _blas_threads():
    from threadpoolctl import threadpool_info
    return [d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"]

def test_blas_held_to_one_thread_while_training(pairs):
    "While `fit` trains, NumPy's BLAS runs one thread (it competes with the model's for the cores); afterwards it gets its threads back."
    from threadpoolctl import threadpool_limits
    train, _ = pairs
    seen = {}
    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None): seen.setdefault("threads", _blas_threads())
    with threadpool_limits(limits=2, user_api="blas"):     # a known starting point, also on a 1-core machine
        before = _blas_threads()
        if not before: pytest.skip("NumPy here has no BLAS that threadpoolctl can see")
        fit(tiny(), train, epochs=1, callbacks=[Probe()], verbose=0)
        assert seen["threads"] == [1] * len(before), seen
        assert _blas_threads() == before
        seen.clear(); fit(tiny(), train, epochs=1, callbacks=[Probe()], verbose=0, blas_threads=None)
        assert seen["threads"] == before                   # None leaves BLAS alone
