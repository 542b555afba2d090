"The `sr-course` command line: every command, bad input (clear error, exit 2, nothing written), and the entry point."
import json, os, shutil, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
from PIL import Image
import skimage.data
from sr_course import cli, zoo, upscale
from sr_course.cli import main
from sr_course.images import read_image

PUBLISHED_SET5 = {2: 33.66, 3: 30.39, 4: 28.42}     # bicubic, Y-PSNR (SRCNN, Dong et al. 2016), independent of sr_course.bench


def run(capsys, *argv):
    "main(argv) -> (exit status, stdout, stderr)."
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder) -> set:
    "Every file under `folder` (temporary files included), relative."
    return {str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file()}


def expect_error(capsys, folder, *argv, contains=()):
    "The command fails with exit 2 and one `sr-course: error:` message, and writes nothing under `folder`."
    before = tree(folder)
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, out, err)
    assert "sr-course: error:" in err and "Traceback" not in err, err
    for c in ([contains] if isinstance(contains, str) else contains): assert c in err, (c, err)
    assert tree(folder) == before, f"files left behind: {tree(folder) - before}"
    return err


@pytest.fixture
def rgb():
    return skimage.data.astronaut()[100:140, 200:248]            # 40x48 RGB


@pytest.fixture
def img_dir(tmp_path, rgb):
    d = tmp_path / "imgs"; d.mkdir()
    Image.fromarray(rgb).save(d / "a.png")
    Image.fromarray(rgb[:24, :32, 1]).save(d / "b_gray.png")
    (d / "notes.txt").write_text("not an image, and not an image extension: ignored")
    return d


# --- help and entry ------------------------------------------------------------------------------------------------

def test_no_command_prints_help(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and "upscale" in out and "bench" in out and "demo" in out and "data" in out


def test_usage_errors_exit_2(capsys):
    code, _, err = run(capsys, "frobnicate")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "upscale", "--scale", "four")
    assert code == 2 and "invalid int value" in err


def test_entry_point_subprocess(tmp_path, rgb):
    exe = shutil.which("sr-course") or str(Path(sys.executable).parent / "sr-course")
    if not Path(exe).exists(): pytest.skip("the sr-course script is not installed (pip install -e .)")
    Image.fromarray(rgb).save(tmp_path / "in.png")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([exe, "upscale", str(tmp_path / "in.png"), "--scale", "2", "-o", str(tmp_path / "out.bmp")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and read_image(tmp_path / "out.bmp").shape == (80, 96, 3)
    r = subprocess.run([exe, "upscale", str(tmp_path / "missing.png")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "sr-course: error:" in r.stderr and "missing.png" in r.stderr and "Traceback" not in r.stderr


# --- upscale -------------------------------------------------------------------------------------------------------

def test_upscale_file_default_name(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "photo.png")
    code, out, _ = run(capsys, "upscale", tmp_path / "photo.png")
    assert code == 0
    dest = tmp_path / "photo_x4_bicubic.png"
    assert str(dest) in out
    np.testing.assert_array_equal(read_image(dest), zoo.upscale(rgb, 4, "bicubic"))
    assert tree(tmp_path) == {"photo.png", "photo_x4_bicubic.png"}          # no temporary file left


def test_upscale_options_and_formats(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "in.png")
    assert run(capsys, "upscale", tmp_path / "in.png", "-o", tmp_path / "x.jpg", "--model", "LANCZOS", "--scale", "3")[0] == 0
    with Image.open(tmp_path / "x.jpg") as im: assert im.format == "JPEG" and im.size == (144, 120)
    (tmp_path / "outdir").mkdir()
    assert run(capsys, "upscale", tmp_path / "in.png", "-o", tmp_path / "outdir", "--model", "nearest", "--scale", "2")[0] == 0
    np.testing.assert_array_equal(read_image(tmp_path / "outdir" / "in_x2_nearest.png"), np.repeat(np.repeat(rgb, 2, 0), 2, 1))
    assert run(capsys, "upscale", tmp_path / "in.png", "-o", str(tmp_path / "new") + "/", "--scale", "2")[0] == 0
    assert (tmp_path / "new" / "in_x2_bicubic.png").is_file()


def _gray16(path, a): Image.fromarray(a.astype(np.uint16)).save(path)

@pytest.mark.parametrize("kind,mode,shape", [
    ("gray", "L", (40, 48)), ("rgba", "RGBA", (40, 48, 4)), ("gray16", "I;16", (40, 48)), ("palette", "RGB", (40, 48, 3))])
def test_upscale_converts_inputs(tmp_path, capsys, rgb, kind, mode, shape):
    "Gray stays gray, alpha is kept (bicubic), 16 bits stay 16 bits, a palette becomes RGB (see tests/test_upscale.py)."
    src = tmp_path / f"{kind}.png"
    if kind == "gray": Image.fromarray(rgb[..., 0]).save(src)
    if kind == "rgba":
        a = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)]); a[:5, :5, 3] = 0      # some transparent pixels
        Image.fromarray(a).save(src)
    if kind == "gray16": _gray16(src, rgb[..., 0].astype(np.uint16) * 257)
    if kind == "palette": Image.fromarray(rgb).quantize(32).save(src)
    with Image.open(src) as im: assert im.mode == {"gray": "L", "rgba": "RGBA", "gray16": "I;16", "palette": "P"}[kind]
    code, _, err = run(capsys, "upscale", src, "--scale", "2")
    assert code == 0 and "Traceback" not in err, err
    with Image.open(tmp_path / f"{kind}_x2_bicubic.png") as im:
        assert im.mode == mode and im.size == (shape[1] * 2, shape[0] * 2)
        out = np.asarray(im)
    if kind == "rgba":
        np.testing.assert_array_equal(out[..., :3], zoo.upscale(rgb, 2))
        np.testing.assert_array_equal(out[..., 3], zoo.upscale(a[..., 3], 2))             # alpha: bicubic, kept
    if kind == "gray16":   # 16-bit v*257 is upscaled at 16 bits: within one 8-bit level of the 8-bit gray file's result
        assert out.dtype == np.uint16 and np.abs(out / 257.0 - zoo.upscale(rgb[..., 0], 2)).max() <= 0.5 + 1e-9
    if kind in ("gray", "palette"):
        np.testing.assert_array_equal(out, zoo.upscale(np.asarray(Image.open(src).convert(mode)), 2))


def test_upscale_tiny_image(tmp_path, capsys):
    Image.fromarray(np.array([[[10, 200, 30]]], np.uint8)).save(tmp_path / "dot.png")      # 1x1, smaller than the scale
    assert run(capsys, "upscale", tmp_path / "dot.png", "--model", "nearest")[0] == 0
    np.testing.assert_array_equal(read_image(tmp_path / "dot_x4_nearest.png"), np.full((4, 4, 3), [10, 200, 30], np.uint8))


def test_upscale_folder(tmp_path, capsys, img_dir):
    code, out, _ = run(capsys, "upscale", img_dir, "-o", tmp_path / "big", "--scale", "2")
    assert code == 0 and out.count("wrote") == 2
    assert tree(tmp_path / "big") == {"a_x2_bicubic.png", "b_gray_x2_bicubic.png"}
    assert read_image(tmp_path / "big" / "b_gray_x2_bicubic.png").shape == (48, 64)
    assert run(capsys, "upscale", img_dir, "--scale", "3", "--model", "bilinear")[0] == 0   # default: a sibling folder
    assert tree(tmp_path / "imgs_x3_bilinear") == {"a_x3_bilinear.png", "b_gray_x3_bilinear.png"}


def test_upscale_default_sample_image(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "upscale", "--scale", "2")
    assert code == 0
    (f,) = tree(tmp_path / "sr_course_out")
    assert f.endswith("_x2_bicubic.png") and "sr_course_out" in out
    assert read_image(tmp_path / "sr_course_out" / f).ndim in (2, 3)


# --- upscale: bad input -------------------------------------------------------------------------------------------

def test_upscale_not_an_image(tmp_path, capsys):
    (tmp_path / "fake.png").write_text("hello, I am text")
    expect_error(capsys, tmp_path, "upscale", tmp_path / "fake.png", contains=["fake.png", "not an image"])


def test_upscale_truncated_png(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "full.png").unlink()
    expect_error(capsys, tmp_path, "upscale", tmp_path / "cut.png", contains=["cut.png", "truncated"])


def test_upscale_missing_path(tmp_path, capsys):
    expect_error(capsys, tmp_path, "upscale", tmp_path / "nothere.png", contains="nothere.png")


def test_upscale_unknown_model_and_scale(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "in.png")
    err = expect_error(capsys, tmp_path, "upscale", tmp_path / "in.png", "--model", "esrgan-xxl", contains="esrgan-xxl")
    assert all(m in err for m in zoo.model_names())                                  # lists what is available
    expect_error(capsys, tmp_path, "upscale", tmp_path / "in.png", "--scale", "5", contains="supported scales")


def test_upscale_unknown_extension_fails_before_work(tmp_path, capsys, rgb, monkeypatch):
    Image.fromarray(rgb).save(tmp_path / "in.png")
    def boom(*a, **k): raise AssertionError("upscaled although the output cannot be written")
    monkeypatch.setattr(upscale, "_upscale_picture", boom)
    expect_error(capsys, tmp_path, "upscale", tmp_path / "in.png", "-o", tmp_path / "out.xyz", contains=[".xyz", ".png"])
    expect_error(capsys, tmp_path, "upscale", tmp_path / "in.png", "-o", tmp_path / "noext", contains="no extension")


def test_upscale_folder_with_a_bad_file_does_the_others(tmp_path, capsys, img_dir):
    (img_dir / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, out, err = run(capsys, "upscale", img_dir, "-o", tmp_path / "big", "--scale", "2")
    assert code == 2 and "Traceback" not in err
    assert err.count("sr-course: error:") == 1 and "broken.jpg" in err
    assert tree(tmp_path / "big") == {"a_x2_bicubic.png", "b_gray_x2_bicubic.png"}   # the good ones, no temporary file
    assert "2 of 3 images written" in out and "1 failed" in out


# --- bench ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_set(tmp_path):
    "A folder dataset of two small images (one gray): fast to benchmark."
    d = tmp_path / "tinyset"; d.mkdir()
    Image.fromarray(skimage.data.chelsea()[60:120, 100:172]).save(d / "cat.png")
    Image.fromarray(skimage.data.camera()[100:148, 200:260]).save(d / "cam.png")
    return d


def test_bench_json_schema(tmp_path, capsys, tiny_set):
    code, out, err = run(capsys, "bench", "--dataset", tiny_set, "--model", "bicubic", "nearest", "--scale", "2", "3",
                         "--json", tmp_path / "res.json")
    assert code == 0, err
    recs = json.loads((tmp_path / "res.json").read_text())
    assert isinstance(recs, list) and len(recs) == 4
    for r in recs:
        assert list(r) == ["model", "dataset", "scale", "psnr", "ssim", "seconds"]
        assert r["model"] in ("bicubic", "nearest") and r["dataset"] == "tinyset" and r["scale"] in (2, 3)
        assert all(isinstance(r[k], (int, float)) and not isinstance(r[k], bool) for k in ("scale", "psnr", "ssim", "seconds"))
        assert 10 < r["psnr"] < 60 and 0 < r["ssim"] <= 1 and r["seconds"] >= 0
    # the numbers are the protocol's (metrics.evaluate), rounded
    from sr_course.metrics import evaluate
    from sr_course.datasets import load_dataset
    ref = evaluate(zoo.get_upscaler("bicubic", 3), load_dataset(tiny_set), 3)
    (r,) = [r for r in recs if r["model"] == "bicubic" and r["scale"] == 3]
    assert r["psnr"] == round(ref.psnr.mean(), 4) and r["ssim"] == round(ref.ssim.mean(), 5)
    by = {(r["model"], r["scale"]): r["psnr"] for r in recs}
    assert by["bicubic", 2] > by["nearest", 2] and by["bicubic", 2] > by["bicubic", 3]
    for col in ("model", "dataset", "scale", "PSNR", "SSIM", "s/image"): assert col in out
    assert not [f for f in tree(tmp_path) if f.endswith(".tmp")]


def test_bench_speed_table(capsys, tiny_set):
    code, out, _ = run(capsys, "bench", "--dataset", tiny_set, "--scale", "2", "--model", "bicubic", "lanczos",
                       "--speed", "--speed-size", "32")
    assert code == 0
    speed = out.split("speed:")[1]
    assert "32x32" in speed and "bicubic" in speed and "lanczos" in speed


def test_bench_speed_json(tmp_path, capsys, tiny_set):
    out_json = tmp_path / "speed.json"
    code, _, _ = run(capsys, "bench", "--dataset", tiny_set, "--scale", "2", "3", "--model", "bicubic",
                     "--speed", "--speed-size", "24", "--speed-json", out_json)
    assert code == 0
    recs = json.loads(out_json.read_text())
    assert [(r["model"], r["scale"], r["input"]) for r in recs] == [("bicubic", 2, "24x24"), ("bicubic", 3, "24x24")]
    assert all(r["seconds"] > 0 for r in recs)


def test_bench_speed_json_needs_speed(tmp_path, capsys, tiny_set):
    expect_error(capsys, tmp_path, "bench", "--dataset", tiny_set, "--scale", "2", "--model", "bicubic",
                 "--speed-json", tmp_path / "s.json", contains=["--speed-json", "--speed"])
    assert not (tmp_path / "s.json").exists()


def test_bench_image_smaller_than_scale(tmp_path, capsys, tiny_set):
    Image.fromarray(np.full((2, 2, 3), 128, np.uint8)).save(tiny_set / "speck.png")
    expect_error(capsys, tmp_path, "bench", "--dataset", tiny_set, "--scale", "3", "--json", tmp_path / "r.json",
                 contains=["speck", "2x2", "x3"])


def test_bench_bad_arguments(tmp_path, capsys, tiny_set):
    expect_error(capsys, tmp_path, "bench", "--dataset", "NoSuchSet", "--json", tmp_path / "r.json", contains=["NoSuchSet", "Set5"])
    expect_error(capsys, tmp_path, "bench", "--model", "bicubic", "srcnn-nope", "--dataset", tiny_set, contains="srcnn-nope")
    expect_error(capsys, tmp_path, "bench", "--scale", "7", "--dataset", tiny_set, contains="supported scales")
    expect_error(capsys, tmp_path, "bench", "--data-dir", tmp_path / "nodir", "--dataset", "Set5", contains="nodir")
    expect_error(capsys, tmp_path, "bench", "--dataset", tmp_path / "nofolder", contains=["nofolder", "does not exist"])


def test_bench_set5_matches_published(tmp_path, capsys, data_dir):
    code, out, err = run(capsys, "bench", "--data-dir", data_dir, "--dataset", "Set5", "--json", tmp_path / "set5.json")
    assert code == 0, err
    recs = json.loads((tmp_path / "set5.json").read_text())
    assert sorted(r["scale"] for r in recs) == [2, 3, 4] and {r["dataset"] for r in recs} == {"Set5"}
    for r in recs: assert abs(r["psnr"] - PUBLISHED_SET5[r["scale"]]) < 0.05, r
    assert "published" in out and "28.42" in out


# --- data ----------------------------------------------------------------------------------------------------------

def test_data_list(capsys):
    code, out, _ = run(capsys, "data", "list")
    assert code == 0 and "Set5" in out and "Set14" in out


def test_data_unknown(tmp_path, capsys):
    expect_error(capsys, tmp_path, "data", "verify", "Set6", contains=["Set6", "Set5"])
    expect_error(capsys, tmp_path, "data", "download", "Set6", "--dir", tmp_path, contains="Set6")
    expect_error(capsys, tmp_path, "data", "verify", "Set5", "--dir", tmp_path / "nodir", contains="nodir")


def test_data_verify_set5(capsys, data_dir):
    code, out, _ = run(capsys, "data", "verify", "Set5", "--dir", data_dir)
    assert code == 0 and "OK" in out and "5 files" in out
    assert run(capsys, "data", "verify", "set5", "--dir", data_dir / "Set5")[0] == 0      # the set's own folder works too


def test_data_verify_tampered_copy(tmp_path, capsys, data_dir):
    shutil.copytree(data_dir / "Set5", tmp_path / "Set5")
    with open(tmp_path / "Set5" / "bird.png", "ab") as f: f.write(b"\0")
    code, out, err = run(capsys, "data", "verify", "Set5", "--dir", tmp_path)
    assert code == 1 and "bird.png" in err and "OK" not in out
    (tmp_path / "Set5" / "head.png").unlink()
    code, _, err = run(capsys, "data", "verify", "Set5", "--dir", tmp_path)
    assert code == 1 and "head.png" in err and "bird.png" in err


# --- demo ----------------------------------------------------------------------------------------------------------

def test_demo_offline(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SR_COURSE_DATA", raising=False)        # the demo needs nothing but the package
    code, out, err = run(capsys, "demo", "-o", tmp_path / "demo")
    assert code == 0, err
    assert tree(tmp_path / "demo") == {"comparison.png"}
    with Image.open(tmp_path / "demo" / "comparison.png") as im: assert im.format == "PNG" and im.size[0] > 500
    shown = [m for m in zoo.model_names() if zoo.available(m, 4)]   # trained models appear once their weights are here
    assert {"nearest", "bilinear", "bicubic", "lanczos"} <= set(shown)
    for m in shown: assert m in out
    assert "samples" in out and "x4" in out
    (tmp_path / "file").write_text("x")
    expect_error(capsys, tmp_path, "demo", "-o", tmp_path / "file", contains="file")
