"`sr_course.upscale` and `sr-course upscale`: tiles equal the whole image, colour/alpha/16 bits/EXIF/ICC, and files that go wrong."
import os, shutil, struct, subprocess, sys, zlib
from pathlib import Path
import numpy as np
import pytest
from PIL import Image, ImageCms, ImageOps
import skimage.data
from sr_course import upscale as U, zoo
from sr_course.cli import main


@pytest.fixture(scope="module")
def rgb():
    return skimage.data.astronaut()[60:130, 150:240].copy()          # 70x90 RGB: several 32-pixel tiles


def tree(folder) -> set:
    return {str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file()}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --- tiles and blending --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n,rf,tile,overlap,scale", [(50, 3, 24, 14, 1), (70, 3, 32, 14, 2), (300, 5, 64, 18, 3),
                                                     (40, 2, 16, 4, 4), (90, 3, 32, 0, 2)])
def test_blend_weights_sum_to_one(n, rf, tile, overlap, scale):
    starts, length = U.tile_plan(n, rf, tile, overlap)
    assert length >= n + 2 * rf and starts[-1] + tile == length
    total = np.zeros(length * scale)
    for s0, w in zip(starts, U.blend_weights(starts, tile, scale, rf, overlap)):
        assert len(w) == tile * scale and w.min() >= 0
        total[s0 * scale:(s0 + tile) * scale] += w
    np.testing.assert_allclose(total, 1, atol=1e-6)


def test_tile_plan_errors():
    with pytest.raises(ValueError, match="larger than the overlap"): U.tile_plan(100, 5, tile=10, overlap=18)


@pytest.mark.parametrize("model", ["bicubic", "lanczos", "bilinear", "nearest"])
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_classical_tiled_equals_untiled_equals_zoo(rgb, model, scale):
    "Classical models: tiles, no tiles and zoo.upscale (MATLAB's mirrored borders) agree exactly."
    whole = U.upscale_image(rgb, model, scale, tile=0)
    np.testing.assert_array_equal(whole, zoo.upscale(rgb, scale, model))
    for tile in (24, 40):
        np.testing.assert_array_equal(U.upscale_image(rgb, model, scale, tile=tile), whole)


def _diff(a, b): return np.abs(a.astype(int) - b.astype(int))

@pytest.mark.parametrize("model,scale", [("espcn", 3), ("espcn", 2), ("fsrcnn", 4), ("srcnn", 3), ("srresnet", 4)])
def test_network_tiled_equals_untiled(rgb, model, scale):
    """Networks: within 1 grey level on at most 1 pixel in 10000 (float32 convolutions and BLAS sum in another order
    for another input width, about 1e-7 apart, which can flip a rounding); the colour pipeline is model_upscaler's."""
    up = U.load_upscaler(model, scale)
    tile = max(48, up.overlap + 24)                                  # SRResNet reads 40 LR px each way: larger tiles
    if tile > 48: rgb = skimage.data.astronaut()[40:40 + 2 * tile, 120:120 + 2 * tile].copy()   # still several tiles
    assert U._n_tiles(*rgb.shape[:2], up.rf, tile, up.overlap) > 1
    whole = U.upscale_image(rgb, model, scale, tile=0)
    tiled = U.upscale_image(rgb, model, scale, tile=tile)
    d = _diff(whole, tiled)
    assert d.max() <= 1 and (d > 0).mean() <= 1e-4, (d.max(), (d > 0).mean())
    r = up.rf * scale                             # away from the borders, the same numbers as zoo.upscale (zero padding)
    dz = _diff(whole, zoo.upscale(rgb, scale, model))[r:-r, r:-r]
    assert dz.max() <= 1 and (dz > 0).mean() <= 1e-4


@pytest.mark.parametrize("model,scale,rf", [("espcn", 3, 5), ("fsrcnn", 3, 10), ("srcnn", 3, 6), ("bicubic", 4, 3)])
def test_receptive_field_covers_measured_reach(model, scale, rf):
    up = U.load_upscaler(model, scale)
    assert up.rf == rf                            # computed from the layers (documented in the chapter)
    assert U.measure_reach(up.fn, scale) <= up.rf


def _recording(monkeypatch):
    shapes = []
    real = U._run_keras
    def rec(km, x, *a):
        shapes.append(x.shape); return real(km, x, *a)
    monkeypatch.setattr(U, "_run_keras", rec)
    return shapes


def test_one_tile_shape_for_every_tile_and_image(rgb, monkeypatch):
    shapes = _recording(monkeypatch)
    U.upscale_image(rgb, "espcn", 3, tile=48)
    U.upscale_image(rgb[:20, :33], "espcn", 3, tile=48)       # smaller than a tile: completed by mirroring
    U.upscale_image(skimage.data.camera()[:130, :77], "espcn", 3, tile=48)
    assert len(shapes) > 3 and set(shapes) == {(48, 48, 1)}


def test_default_tiles_have_one_shape(rgb, monkeypatch):
    "By default every image, small or large, runs as windows of one shape: one compiled function for all."
    shapes = _recording(monkeypatch)
    U.upscale_image(rgb, "espcn", 2)
    assert shapes == [(U.DEFAULT_TILE, U.DEFAULT_TILE, 1)]    # smaller than a tile: one window, completed by mirroring
    monkeypatch.setattr(U, "DEFAULT_TILE", 32); shapes.clear()
    U.upscale_image(rgb, "espcn", 2)
    t = 4 * U.load_upscaler("espcn", 2).overlap                # the default tile is at least 4 overlaps wide
    assert len(shapes) > 1 and set(shapes) == {(t, t, 1)}
    shapes.clear(); U.upscale_image(rgb, "espcn", 2, tile=0)
    assert shapes == [(70 + 2 * 5, 90 + 2 * 5, 1)]            # untiled: the whole image with its mirrored border


def test_too_large_result_refused(rgb, monkeypatch):
    monkeypatch.setattr(U, "MAX_OUTPUT_PIXELS", 10_000)
    with pytest.raises(ValueError, match="megapixels"): U.upscale_image(rgb, "bicubic", 4)


def test_keras_model_object_and_unknown_layer(rgb):
    import keras
    m = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Conv2D(12, 3, padding="same"),
                          keras.layers.Lambda(lambda t: keras.ops.depth_to_space(t, 2))])
    with pytest.warns(UserWarning, match="measured"): up = U.load_upscaler(m)
    assert up.scale == 2 and up.rf >= 2
    a, b = U.upscale_image(rgb, m, tile=0), U.upscale_image(rgb, m, tile=32)
    assert a.shape == (140, 180, 3) and _diff(a, b).max() <= 1
    with pytest.raises(ValueError, match="not by the 3"): U.load_upscaler(m, 3)


# --- colour ----------------------------------------------------------------------------------------------------------

def test_gray_stays_gray(rgb):
    g = rgb[..., 1]
    for model in ("bicubic", "espcn"):
        out = U.upscale_image(g, model, 2)
        assert out.shape == (140, 180) and out.dtype == np.uint8
        assert _diff(out, U.upscale_image(g, model, 2, tile=32)).max() <= (0 if model == "bicubic" else 1)
    assert U.upscale_image(g[..., None], "bicubic", 2).shape == (140, 180, 1)
    np.testing.assert_array_equal(U.upscale_image(g, "bicubic", 3), zoo.upscale(g, 3))


def test_alpha_kept_and_upscaled_by_bicubic(rgb):
    alpha = np.full(rgb.shape[:2], 255, np.uint8); alpha[10:30, 20:50] = 0; alpha[40:, :] = 128
    out = U.upscale_image(np.dstack([rgb, alpha]), "espcn", 2)
    assert out.shape == (140, 180, 4)
    np.testing.assert_array_equal(out[..., 3], zoo.upscale(alpha, 2))
    np.testing.assert_array_equal(out[..., :3], U.upscale_image(rgb, "espcn", 2))
    la = U.upscale_image(np.dstack([rgb[..., 0], alpha]), "bicubic", 2, tile=32)          # gray + alpha, tiled
    np.testing.assert_array_equal(la, np.dstack([zoo.upscale(rgb[..., 0], 2), zoo.upscale(alpha, 2)]))


def _png16(path, a, icc=None):
    import png
    c = 1 if a.ndim == 2 else a.shape[-1]
    png.Writer(a.shape[1], a.shape[0], greyscale=c in (1, 2), alpha=c in (2, 4), bitdepth=16).write(
        open(path, "wb"), a.reshape(a.shape[0], -1))


def test_16_bit_png_processed_at_16_bits(tmp_path, rgb):
    a16 = rgb.astype(np.uint16) * 257 + np.random.default_rng(0).integers(0, 200, rgb.shape).astype(np.uint16)
    _png16(tmp_path / "deep.png", a16)
    out = U.upscale_image(tmp_path / "deep.png", "bicubic", 2)
    assert out.dtype == np.uint16
    ref = U.imresize(a16.astype(np.float64), 2.0)                 # bicubic at full precision
    assert np.abs(out - np.clip(ref, 0, 65535)).max() <= 0.5 + 1e-6
    rep = U.upscale_files(tmp_path / "deep.png", str(tmp_path / "out") + "/", "espcn", 2, log=None)
    assert rep.ok
    back = U.read_picture(tmp_path / "out" / "deep_x2_espcn.png")
    assert back.pixels.dtype == np.uint16 and back.pixels.shape == (140, 180, 3)
    assert np.abs(back.pixels / 257.0 - U.upscale_image(rgb, "espcn", 2)).max() < 3     # the same picture, finer levels
    g16 = (rgb[..., 0].astype(np.uint16) * 257)
    Image.fromarray(g16).save(tmp_path / "g16.png")
    assert U.upscale_image(tmp_path / "g16.png", "bicubic", 2).dtype == np.uint16
    with pytest.warns(UserWarning, match="8 bits"):
        U.save_picture(tmp_path / "deep.jpg", back)                # JPEG cannot hold 16 bits: rounded, said so
    assert U.read_picture(tmp_path / "deep.jpg").pixels.dtype == np.uint8


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_like_pillow(tmp_path, rgb, orientation):
    im = Image.fromarray(rgb); ex = im.getexif(); ex[0x0112] = orientation
    im.save(tmp_path / "phone.jpg", exif=ex.tobytes())
    with Image.open(tmp_path / "phone.jpg") as j: want = np.asarray(ImageOps.exif_transpose(j))
    np.testing.assert_array_equal(U.read_picture(tmp_path / "phone.jpg").pixels, want)
    if orientation == 6:                                          # rotated 90 degrees: the output is upright
        assert U.upscale_image(tmp_path / "phone.jpg", "bicubic", 2).shape == (180, 140, 3)


def test_icc_profile_kept(tmp_path, rgb):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.fromarray(rgb).save(tmp_path / "p.jpg", icc_profile=icc)
    Image.fromarray(rgb).save(tmp_path / "p.png", icc_profile=icc)
    with pytest.raises(ValueError, match="would both be written"):                    # p.jpg and p.png -> p_x2_bicubic.png
        U.upscale_files([tmp_path / "p.jpg", tmp_path / "p.png"], tmp_path / "o", "bicubic", 2, log=None)
    for src in ("p.jpg", "p.png"):
        for ext in (".png", ".jpg", ".tif", ".webp"):
            dest = tmp_path / f"o_{Path(src).stem}{Path(src).suffix[1:]}{ext}"
            assert U.upscale_files(tmp_path / src, dest, "bicubic", 2, log=None).ok
            with Image.open(dest) as im: assert im.info.get("icc_profile") == icc, (src, ext)
    _png16(tmp_path / "d.png", rgb.astype(np.uint16) * 257)
    pic = U.read_picture(tmp_path / "d.png"); pic.icc_profile = icc
    U.save_picture(tmp_path / "d_icc.png", pic); U.save_picture(tmp_path / "d_icc.tif", pic)
    for f in ("d_icc.png", "d_icc.tif"):
        back = U.read_picture(tmp_path / f)
        assert back.icc_profile == icc and back.pixels.dtype == np.uint16


def test_array_types_refused(rgb):
    with pytest.raises(TypeError, match="uint8 or uint16"): U.upscale_image(rgb.astype(np.float32), "bicubic", 2)
    with pytest.raises(ValueError, match="shape"): U.upscale_image(np.zeros((4, 4, 5), np.uint8), "bicubic", 2)
    with pytest.raises(ValueError, match="unknown model"): U.upscale_image(rgb, "espcnn", 2)
    with pytest.raises(ValueError, match="supported scales"): U.upscale_image(rgb, "espcn", 8)


# --- weights ---------------------------------------------------------------------------------------------------------

def test_own_weights(tmp_path, rgb):
    mine = tmp_path / "best.weights.h5"
    shutil.copy(zoo.weights_path("espcn", 3), mine)
    d = _diff(U.upscale_image(rgb, "espcn", 3, weights=mine), U.upscale_image(rgb, "espcn", 3))
    assert d.max() <= 1 and (d > 0).mean() <= 1e-4      # same weights; another model instance's graph may sum in another order
    with pytest.raises(zoo.WeightsError, match="does not fit"):
        U.load_upscaler("espcn", 3, weights=shutil.copy(zoo.weights_path("fsrcnn", 3), tmp_path / "other.weights.h5"))
    with pytest.raises(FileNotFoundError, match="does not exist"): U.load_upscaler("espcn", 3, weights=tmp_path / "no.weights.h5")
    (tmp_path / "w.h5").write_bytes(b"x")
    with pytest.raises(ValueError, match="weights.h5"): U.load_upscaler("espcn", 3, weights=tmp_path / "w.h5")
    with pytest.raises(ValueError, match="no weights"): U.load_upscaler("bicubic", 3, weights=mine)


# --- files -------------------------------------------------------------------------------------------------------------

@pytest.fixture
def folder(tmp_path, rgb):
    d = tmp_path / "in"; d.mkdir()
    Image.fromarray(rgb).save(d / "a.png")
    Image.fromarray(rgb[:30, :40, 0]).save(d / "b.jpg")
    (d / "c.png").write_text("I am text")
    (d / "x.png").mkdir()                                   # a folder named like an image: not an input
    return d


def test_folder_with_a_bad_file(tmp_path, folder):
    rep = U.upscale_files(folder, tmp_path / "out", "bicubic", 2, log=None)
    assert [d.name for _, d in rep.written] == ["a_x2_bicubic.png", "b_x2_bicubic.png"]
    assert len(rep.failed) == 1 and "c.png" in rep.failed[0][1] and not rep.ok
    assert tree(tmp_path / "out") == {"a_x2_bicubic.png", "b_x2_bicubic.png"}


def test_no_overwrite_without_force(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    dest = tmp_path / "a_x2_bicubic.png"
    dest.write_bytes(b"mine, keep me")
    code, out, err = run(capsys, "upscale", tmp_path / "a.png", "--scale", "2")
    assert code == 0 and "skipped" in out and "--force" in out and dest.read_bytes() == b"mine, keep me"
    code, out, err = run(capsys, "upscale", tmp_path / "a.png", "--scale", "2", "--force")
    assert code == 0 and "wrote" in out
    np.testing.assert_array_equal(np.asarray(Image.open(dest)), zoo.upscale(rgb, 2))


def test_several_inputs_and_plan_errors(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png"); Image.fromarray(rgb).save(tmp_path / "a.jpg")
    Image.fromarray(rgb).save(tmp_path / "b.png")
    code, out, _ = run(capsys, "upscale", tmp_path / "a.png", tmp_path / "b.png", "-o", tmp_path / "o", "--scale", "2")
    assert code == 0 and tree(tmp_path / "o") == {"a_x2_bicubic.png", "b_x2_bicubic.png"} and "2 of 2" in out
    before = tree(tmp_path)
    for argv, msg in [((tmp_path / "a.png", tmp_path / "a.jpg", "-o", tmp_path / "p"), "both be written"),
                      ((tmp_path / "a.png", tmp_path / "b.png", "-o", tmp_path / "one.png"), "cannot all be written"),
                      ((tmp_path / "a.png", "-o", tmp_path / "a.png"), "overwrite its own input"),
                      ((tmp_path / "a.png", "--tile", "8", "--model", "espcn"), "not larger than the overlap")]:
        code, out, err = run(capsys, "upscale", *argv, "--scale", "2")
        assert code == 2 and msg in err and err.count("\n") == 1 and "Traceback" not in err, err
    assert tree(tmp_path) == before


def _png_chunk(kind, data): return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def _bad_corpus(d, rgb):
    "name -> a file that must be refused with one clear line."
    d.mkdir()
    (d / "empty.png").write_bytes(b"")
    Image.fromarray(rgb).save(d / "full.png")
    data = (d / "full.png").read_bytes(); (d / "full.png").unlink()
    (d / "truncated.png").write_bytes(data[: len(data) // 2])
    (d / "text.png").write_text("hello, I am text")
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    (d / "huge.png").write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(b"\0" * 16))
                                 + _png_chunk(b"IEND", b""))
    (d / "x.png").mkdir()
    return {"empty.png": "empty", "truncated.png": "truncated", "text.png": "not an image", "huge.png": "megapixels",
            "x.png": "no images in folder"}


def test_bad_files_one_clear_line_each(tmp_path, capsys, rgb):
    cases = _bad_corpus(tmp_path / "bad", rgb)
    out_dir = tmp_path / "out"
    for name, msg in cases.items():
        code, out, err = run(capsys, "upscale", tmp_path / "bad" / name, "-o", str(out_dir) + "/")
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1 and lines[0].startswith("sr-course: error:"), (name, err)
        assert name in lines[0] and msg in lines[0] and "Traceback" not in err, (name, err)
        assert not out_dir.exists() or tree(out_dir) == set(), name          # no partial output
    Image.fromarray(rgb[:1, :1]).save(tmp_path / "bad" / "dot.png")        # 1x1 is small, not bad: 4x4 out
    assert run(capsys, "upscale", tmp_path / "bad" / "dot.png", "-o", out_dir / "dot4.png")[0] == 0
    np.testing.assert_array_equal(np.asarray(Image.open(out_dir / "dot4.png")), np.broadcast_to(rgb[:1, :1], (4, 4, 3)))


def test_unwritable_output(tmp_path, capsys, rgb):
    Image.fromarray(rgb).save(tmp_path / "a.png")
    (tmp_path / "file").write_text("a file, not a folder")
    code, out, err = run(capsys, "upscale", tmp_path / "a.png", "-o", tmp_path / "file" / "sub" / "a.png")
    assert code == 2 and err.count("sr-course: error:") == 1 and "Traceback" not in err and "file" in err
    if os.geteuid() == 0: pytest.skip("running as root: a read-only folder is still writable")
    ro = tmp_path / "ro"; ro.mkdir(); ro.chmod(0o555)
    try:
        code, out, err = run(capsys, "upscale", tmp_path / "a.png", "-o", str(ro) + "/")
        assert code == 2 and "Permission denied" in err and "Traceback" not in err and tree(ro) == set()
    finally: ro.chmod(0o755)


def test_interrupt_keeps_finished_outputs(tmp_path, capsys, folder, monkeypatch):
    (folder / "c.png").unlink()
    real, calls = U.save_picture, []
    def save_then_ctrl_c(path, pic, **k):
        calls.append(path)
        if len(calls) == 2:                                    # the second file: killed half-way through writing
            with U.atomic_path(path) as tmp:
                tmp.write_bytes(b"\x89PNG half"); raise KeyboardInterrupt
        return real(path, pic, **k)
    monkeypatch.setattr(U, "save_picture", save_then_ctrl_c)
    code, out, err = run(capsys, "upscale", folder, "-o", tmp_path / "out", "--scale", "2")
    assert code == 130 and "interrupted" in out + err and "kept" in out
    assert tree(tmp_path / "out") == {"a_x2_bicubic.png"}              # the finished one, no partial or temporary file


def test_cli_quiet_and_weights(tmp_path, rgb):
    exe = shutil.which("sr-course") or str(Path(sys.executable).parent / "sr-course")
    if not Path(exe).exists(): pytest.skip("the sr-course script is not installed (pip install -e .)")
    Image.fromarray(rgb).save(tmp_path / "a.png")
    _bad_corpus(tmp_path / "bad", rgb)
    shutil.copy(zoo.weights_path("espcn", 2), tmp_path / "mine.weights.h5")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    r = subprocess.run([exe, "upscale", str(tmp_path / "a.png"), *[str(p) for p in sorted((tmp_path / "bad").iterdir())],
                        "--model", "espcn", "--scale", "2", "--weights", str(tmp_path / "mine.weights.h5"), "-o", str(tmp_path / "o")],
                       capture_output=True, text=True, env=env, timeout=300)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 5 and all(l.startswith("sr-course: error:") for l in lines), r.stderr
    assert tree(tmp_path / "o") == {"a_x2_espcn.png"} and "1 of 6 images written" in r.stdout
    d = _diff(np.asarray(Image.open(tmp_path / "o" / "a_x2_espcn.png")), U.upscale_image(rgb, "espcn", 2))
    assert d.max() <= 1 and (d > 0).mean() <= 1e-4
