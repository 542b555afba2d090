"""The classical half of the library runs without Keras: resize, degrade, metrics, viz, images and datasets import and
work in a process where `keras`, `tensorflow` and `jax` cannot be imported at all (a `sys.meta_path` finder refuses
them). Only the modules that build or run models (tensor_metrics, inference, pairs, layers, models, train) need Keras."""
import os, subprocess, sys, textwrap
import pytest

BLOCK = textwrap.dedent('''
    import sys, importlib.abc
    BLOCKED = ("keras", "tensorflow", "jax")
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED: raise ImportError(f"{name} is blocked in this test")
    sys.meta_path.insert(0, Block())
    for m in list(sys.modules):
        if m.split(".")[0] in BLOCKED: del sys.modules[m]
''')

def run(code, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "SR_COURSE_CACHE": str(tmp_path / "cache")}
    r = subprocess.run([sys.executable, "-c", BLOCK + textwrap.dedent(code)], env=env, capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout[-2000:] + r.stderr[-4000:]
    return r.stdout

def test_blocker_blocks(tmp_path):
    run('''
        for name in ["keras", "tensorflow", "jax", "sr_course.tensor_metrics", "sr_course.inference", "sr_course.pairs"]:
            try: __import__(name)
            except ImportError as e: assert "blocked" in str(e), (name, e)
            else: raise AssertionError(f"{name} imported although Keras is blocked")
        print("OK")
    ''', tmp_path)

def test_classical_modules_without_keras(tmp_path):
    out = run('''
        import numpy as np
        import sr_course.resize, sr_course.degrade, sr_course.metrics, sr_course.viz, sr_course.images, sr_course.datasets
        from sr_course.resize import imresize
        from sr_course.degrade import make_lr, modcrop
        from sr_course.metrics import psnr, ssim, evaluate
        from sr_course.images import read_image, save_image
        from sr_course.datasets import sample_images, list_datasets, load_dataset
        ds = sample_images(["astronaut", "camera"])
        hr = modcrop(ds["astronaut"], 3)
        sr = imresize(make_lr(hr, 3), 3.0)
        p, s = psnr(hr, sr, 3), ssim(hr, sr, 3)
        assert 25 < p < 35 and 0.7 < s < 1, (p, s)
        df = evaluate(lambda lr: imresize(lr, 3.0), ds, 3)
        assert list(df.image) == ["astronaut", "camera"] and abs(df.psnr[0] - p) < 1e-9, df
        try: evaluate("bicubic", ds, 3)
        except TypeError as e: assert "must be a function or a keras.Model" in str(e)
        else: raise AssertionError("a string is not an upscaler")
        assert (read_image(save_image("x.png", sr)) == sr).all()
        assert "Set5" in set(list_datasets().name)
        import sr_course.viz as viz
        fig = viz.compare({"bicubic": sr}, hr=hr, scale=3); viz.save_figure(fig, "cmp.png")
        assert not {"keras", "tensorflow", "jax"} & {m.split(".")[0] for m in sys.modules}
        print("OK", round(p, 2))
    ''', tmp_path)
    assert "OK" in out

def test_standard_set_without_keras(tmp_path, data_dir):
    run(f'''
        import os
        os.environ["SR_COURSE_DATA"] = {str(data_dir)!r}
        from sr_course.datasets import load_dataset, verify
        from sr_course.metrics import evaluate
        from sr_course.resize import imresize
        ds = load_dataset("Set5")
        assert len(verify("Set5", ds.root)["ok"]) == 5
        assert abs(evaluate(lambda lr: imresize(lr, 4.0), ds, 4).psnr.mean() - 28.43) < 0.01   # the README's bicubic x4
        print("OK")
    ''', tmp_path)

def test_cli_classical_commands_without_keras(tmp_path):
    "`sr-course bench`, `upscale` and `data list` with a classical model never import Keras (sr_course.bench, zoo, cli)."
    run('''
        import contextlib, io
        from sr_course.cli import main
        from sr_course.datasets import sample_images
        from sr_course.images import read_image, save_image
        name, img = next(iter(sample_images().items()))
        save_image("sample.png", img)
        def cli(*argv):
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf): code = main(list(argv))
            assert code == 0, (argv, code, buf.getvalue())
            return buf.getvalue()
        out = cli("bench", "--model", "bicubic", "--dataset", "samples", "--scale", "2")
        assert "bicubic" in out and "samples" in out and "x2" in out, out
        out = cli("bench", "--model", "bicubic", "--scale", "3", "--speed", "--speed-size", "32")
        assert "32x32" in out, out
        out = cli("upscale", "--model", "bicubic", "sample.png", "-o", "out.png")
        assert read_image("out.png").shape[:2] == (img.shape[0] * 4, img.shape[1] * 4), out
        out = cli("data", "list")
        assert "Set5" in out and "Set14" in out, out
        assert not {"keras", "tensorflow", "jax"} & {m.split(".")[0] for m in sys.modules}
        assert "sr_course.bench" in sys.modules
        print("OK")
    ''', tmp_path)
