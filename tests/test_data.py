"""Tests for sr_course.images, sr_course.datasets and sr_course.pairs that a notebook cannot do well: bad files,
atomic writes, downloads against a fake registry (served by a local HTTP server; nothing leaves this machine), the data
search path, and the training pipeline on the TensorFlow and JAX backends. Set5 tests need SR_COURSE_DATA and skip
without it."""
import os, sys, io, csv, json, struct, zlib, shutil, hashlib, zipfile, warnings, threading, subprocess, functools, importlib.util
from pathlib import Path
import http.server
import numpy as np
import pytest
from PIL import Image, ImageFile
import sr_course
import sr_course.datasets as datasets
from sr_course.images import read_image, save_image, to_rgb, ImageError
from sr_course.datasets import (DatasetError, DatasetNotFound, DownloadError, download, verify, load_dataset, get_dataset,
                                sample_images, Dataset)
from sr_course.degrade import make_lr, modcrop, rgb2y, Degradation
from sr_course.resize import imresize

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (12, 10, 3), dtype=np.uint8)

def shared_set(name):
    "Folder of a standard set under SR_COURSE_DATA, or skip."
    for d in os.environ.get("SR_COURSE_DATA", "").split(os.pathsep):
        if d and (Path(d) / name).is_dir(): return Path(d) / name
    pytest.skip(f"{name} not found under SR_COURSE_DATA")

def _paeth_rows(a):
    "The rows of a 16-bit image, each with PNG filter type 4 (Paeth), as an encoder that filters would write them."
    h = a.shape[0]; bpp = 2 * (a.shape[2] if a.ndim == 3 else 1)
    raw = a.astype(">u2").view(np.uint8).reshape(h, -1).astype(np.int32)
    left, up, ul = np.zeros_like(raw), np.zeros_like(raw), np.zeros_like(raw)
    left[:, bpp:], up[1:], ul[1:, bpp:] = raw[:, :-bpp], raw[:-1], raw[:-1, :-bpp]
    p = left + up - ul; pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
    pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, ul))
    return [b"\x04" + ((raw[i] - pred[i]) % 256).astype(np.uint8).tobytes() for i in range(h)]

def png16(path, a, paeth=False):
    "Write a 16-bit PNG (gray, gray+alpha, RGB, RGBA) from the PNG spec: Pillow cannot write 16-bit colour, and the reader is tested on files it did not write."
    h, w = a.shape[:2]; color = {1: 0, 2: 4, 3: 2, 4: 6}[a.shape[2] if a.ndim == 3 else 1]
    raw = b"".join(_paeth_rows(a)) if paeth else b"".join(b"\x00" + a[i].astype(">u2").tobytes() for i in range(h))
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, color, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

# ---------------------------------------------------------------- read_image: bad input

def test_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no file at"): read_image(tmp_path / "nope.png")

def test_directory(tmp_path):
    with pytest.raises(ImageError, match="is a folder"): read_image(tmp_path)
    assert issubclass(ImageError, ValueError)

def test_non_image_file(tmp_path):
    (tmp_path / "a.png").write_text("hello, I am text")
    with pytest.raises(ImageError, match="not an image file"): read_image(tmp_path / "a.png")

@pytest.mark.parametrize("fmt,ext", [("PNG", "png"), ("JPEG", "jpg")])
def test_truncated(tmp_path, fmt, ext):
    img = RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    buf = io.BytesIO(); Image.fromarray(img).save(buf, format=fmt); b = buf.getvalue()
    for frac in (0.3, 0.8):
        (tmp_path / f"t.{ext}").write_bytes(b[: int(len(b) * frac)])
        with pytest.raises(ImageError, match="damaged or truncated"): read_image(tmp_path / f"t.{ext}")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False

def test_truncated_refused_even_if_pillow_allows_it(tmp_path, monkeypatch):
    buf = io.BytesIO(); Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, format="JPEG")
    (tmp_path / "t.jpg").write_bytes(buf.getvalue()[:600])
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)     # some other library switched it on
    with pytest.raises(ImageError, match="truncated"): read_image(tmp_path / "t.jpg")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True                      # and we put it back

# ---------------------------------------------------------------- read_image: conversions

def test_rgb_and_gray(tmp_path):
    Image.fromarray(RGB).save(tmp_path / "c.png"); Image.fromarray(RGB[..., 1]).save(tmp_path / "g.png")
    Image.fromarray(RGB).save(tmp_path / "c.bmp")
    np.testing.assert_array_equal(read_image(tmp_path / "c.png"), RGB)
    np.testing.assert_array_equal(read_image(tmp_path / "c.bmp"), RGB)
    g = read_image(tmp_path / "g.png")
    assert g.shape == (12, 10) and g.dtype == np.uint8
    np.testing.assert_array_equal(g, RGB[..., 1])
    Image.fromarray(RGB[..., 1] > 128).save(tmp_path / "b.png")                  # 1-bit
    np.testing.assert_array_equal(read_image(tmp_path / "b.png"), np.where(RGB[..., 1] > 128, 255, 0))

def test_rgba_composited_over_white_with_warning(tmp_path):
    a = RNG.integers(0, 256, (12, 10), dtype=np.uint8)
    Image.fromarray(np.dstack([RGB, a])).save(tmp_path / "a.png")
    with pytest.warns(UserWarning, match="over white"): out = read_image(tmp_path / "a.png")
    want = np.round(RGB * (a[..., None] / 255) + 255 * (1 - a[..., None] / 255)).astype(np.uint8)
    np.testing.assert_array_equal(out, want)
    Image.fromarray(np.dstack([RGB[..., 0], a])).save(tmp_path / "la.png")            # gray + alpha stays gray
    with pytest.warns(UserWarning, match="over white"): out = read_image(tmp_path / "la.png")
    np.testing.assert_array_equal(out, np.round(RGB[..., 0] * (a / 255) + 255 * (1 - a / 255)).astype(np.uint8))
    Image.fromarray(np.dstack([RGB, np.full((12, 10), 255, np.uint8)])).save(tmp_path / "opaque.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error"); np.testing.assert_array_equal(read_image(tmp_path / "opaque.png"), RGB)

def test_16bit_gray_png(tmp_path):
    v = np.array([[0, 128, 129, 200, 385, 32767, 65535]], np.uint16)           # v>>8 would give 0 0 0 0 1 127 255
    Image.fromarray(v).save(tmp_path / "g16.png")
    np.testing.assert_array_equal(read_image(tmp_path / "g16.png"), [[0, 0, 1, 1, 1, 127, 255]])
    png16(tmp_path / "g16b.png", v[0].reshape(1, 7))
    np.testing.assert_array_equal(read_image(tmp_path / "g16b.png"), [[0, 0, 1, 1, 1, 127, 255]])

@pytest.mark.parametrize("c,paeth", [(3, False), (4, False), (2, False), (3, True), (4, True)])
def test_16bit_colour_png(tmp_path, c, paeth):
    a = RNG.integers(0, 65536, (9, 11, c)).astype(np.uint16)
    if c in (2, 4): a[..., -1] = 65535                                          # opaque: no compositing
    png16(tmp_path / "x.png", a, paeth=paeth)
    want = np.round(a[..., :-1 if c in (2, 4) else None] / 257).astype(np.uint8)
    got = read_image(tmp_path / "x.png")
    np.testing.assert_array_equal(got, want[..., 0] if c == 2 else want)
    if c == 3: assert (np.asarray(Image.open(tmp_path / "x.png")) != want).any()   # Pillow alone keeps the high byte: differs

def test_16bit_png_alpha_and_damage(tmp_path):
    a = RNG.integers(0, 65536, (6, 5, 4)).astype(np.uint16); a[0, 0, 3] = 0      # one transparent pixel: white
    png16(tmp_path / "a.png", a)
    with pytest.warns(UserWarning, match="over white"): out = read_image(tmp_path / "a.png")
    al = a[..., 3:] / 65535
    np.testing.assert_array_equal(out, np.round((a[..., :3] * al + 65535 * (1 - al)) / 257).astype(np.uint8))
    assert (out[0, 0] == 255).all()
    b = (tmp_path / "a.png").read_bytes(); (tmp_path / "cut.png").write_bytes(b[: len(b) - 40])
    with pytest.raises(ImageError, match="damaged or truncated"): read_image(tmp_path / "cut.png")

def test_16bit_tiff(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    a = RNG.integers(0, 65536, (9, 11, 3)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "x.tif", a, photometric="rgb")
    np.testing.assert_array_equal(read_image(tmp_path / "x.tif"), np.round(a / 257).astype(np.uint8))
    tifffile.imwrite(tmp_path / "p.tif", np.moveaxis(a, -1, 0), photometric="rgb", planarconfig="separate")
    np.testing.assert_array_equal(read_image(tmp_path / "p.tif"), np.round(a / 257).astype(np.uint8))
    g = a[..., 0]
    tifffile.imwrite(tmp_path / "g.tif", g, photometric="minisblack")
    np.testing.assert_array_equal(read_image(tmp_path / "g.tif"), np.round(g / 257).astype(np.uint8))
    tifffile.imwrite(tmp_path / "w.tif", g, photometric="miniswhite")            # 0 is white
    np.testing.assert_array_equal(read_image(tmp_path / "w.tif"), np.round((65535 - g.astype(float)) / 257).astype(np.uint8))

def test_palette(tmp_path):
    p = Image.fromarray(RGB).quantize(8)
    p.save(tmp_path / "p.png")
    np.testing.assert_array_equal(read_image(tmp_path / "p.png"), np.asarray(p.convert("RGB")))
    p.info["transparency"] = 0; p.save(tmp_path / "pt.png", transparency=0)
    with pytest.warns(UserWarning, match="over white"): out = read_image(tmp_path / "pt.png")
    idx = np.asarray(p)
    assert (out[idx == 0] == 255).all() and out.shape == (12, 10, 3)

# EXIF orientation -> how the stored pixels are turned to show the picture upright (the EXIF 2.3 table, written out)
UPRIGHT = {1: lambda a: a, 2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
           5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1), 7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
           8: lambda a: np.rot90(a, 1)}

def test_cmyk(tmp_path):
    Image.fromarray(RGB).convert("CMYK").save(tmp_path / "k.jpg", quality=100)
    assert read_image(tmp_path / "k.jpg").shape == (12, 10, 3)

@pytest.mark.parametrize("ext", ["png", "jpg"])
@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation(tmp_path, ext, orientation):
    im = Image.fromarray(RGB); ex = im.getexif(); ex[0x0112] = orientation
    im.save(tmp_path / f"o.{ext}", exif=ex, **({"quality": 100} if ext == "jpg" else {}))
    im.save(tmp_path / f"plain.{ext}", **({"quality": 100} if ext == "jpg" else {}))     # same pixels, no tag
    assert Image.open(tmp_path / f"o.{ext}").getexif().get(0x0112) == orientation
    stored = read_image(tmp_path / f"plain.{ext}")                 # the JPEG's decoded pixels, before any turning
    got = read_image(tmp_path / f"o.{ext}")
    np.testing.assert_array_equal(got, UPRIGHT[orientation](stored))
    assert got.flags.c_contiguous and got.shape == ((12, 10, 3) if orientation < 5 else (10, 12, 3))

def test_exif_orientation_gray_and_16bit(tmp_path):
    im = Image.fromarray(RGB[..., 0]); ex = im.getexif(); ex[0x0112] = 8
    im.save(tmp_path / "g.png", exif=ex)
    np.testing.assert_array_equal(read_image(tmp_path / "g.png"), np.rot90(RGB[..., 0], 1))
    tifffile = pytest.importorskip("tifffile")
    a = RNG.integers(0, 65536, (9, 11, 3)).astype(np.uint16)                   # orientation from a TIFF tag, 16 bits
    tifffile.imwrite(tmp_path / "o.tif", a, photometric="rgb", extratags=[(274, "H", 1, 6, True)])
    np.testing.assert_array_equal(read_image(tmp_path / "o.tif"), np.rot90(np.round(a / 257).astype(np.uint8), -1))

# ---------------------------------------------------------------- save_image, to_rgb

def test_save_roundtrip_and_inputs(tmp_path):
    for ext in ("png", "bmp", "tif", "tiff"):
        np.testing.assert_array_equal(read_image(save_image(tmp_path / f"a.{ext}", RGB)), RGB)
    for ext in ("jpg", "jpeg", "webp"): assert read_image(save_image(tmp_path / f"a.{ext}", RGB)).shape == RGB.shape
    np.testing.assert_array_equal(read_image(save_image(tmp_path / "g.png", RGB[..., :1])), RGB[..., 0])
    np.testing.assert_array_equal(read_image(save_image(tmp_path / "f.png", RGB + 0.3)), RGB)       # float 0..255 rounded
    with pytest.warns(UserWarning, match="multiply"): save_image(tmp_path / "h.png", RGB / 255.0)
    with pytest.raises(ValueError, match="HxWx3"): save_image(tmp_path / "x.png", np.zeros((4, 4, 4), np.uint8))
    with pytest.raises(ValueError, match="uint16"): save_image(tmp_path / "x.png", RGB.astype(np.uint16))
    assert not (tmp_path / "x.png").exists()
    np.testing.assert_array_equal(to_rgb(RGB[..., 0])[..., 2], RGB[..., 0]); assert to_rgb(RGB) is RGB

def test_save_unknown_extension_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="extension"): save_image(tmp_path / "a.xyz", RGB)
    with pytest.raises(ValueError, match="extension"): save_image(tmp_path / "noext", RGB)
    assert list(tmp_path.iterdir()) == []

def test_save_failure_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    def broken_save(self, fp, format=None, **kw):
        Path(fp).write_bytes(b"\x89PNG half a file")
        raise OSError("disk full")
    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError, match="disk full"): save_image(target, RGB)
    assert list(tmp_path.iterdir()) == []                                      # no file, no temporary file
    monkeypatch.undo()
    save_image(target, RGB); before = target.read_bytes()
    monkeypatch.setattr(Image.Image, "save", broken_save)
    with pytest.raises(OSError): save_image(target, RGB[::-1])
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["out.png"]  # old file intact

# ---------------------------------------------------------------- a fake registry for downloads

@pytest.fixture
def server(tmp_path):
    "A local HTTP server for tmp/src (loopback only): downloads are tested end to end, offline."
    src = tmp_path / "src"; src.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(src))
    handler.log_message = lambda *a: None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    srv.url = lambda f: f"http://127.0.0.1:{srv.server_address[1]}/{f}"
    yield srv
    srv.shutdown(); srv.server_close()

@pytest.fixture
def fake(tmp_path, monkeypatch, server):
    "A registry 'Fake' of three PNG files served from tmp/src, with caches isolated from the real ones."
    src = tmp_path / "src"
    files = {}
    for i in range(3):
        buf = io.BytesIO(); Image.fromarray(RNG.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(buf, format="PNG")
        files[f"im{i}.png"] = buf.getvalue(); (src / f"im{i}.png").write_bytes(buf.getvalue())
    def write(url_of=server.url, extra=()):
        reg = tmp_path / "registry.tsv"
        with open(reg, "w", newline="") as fh:
            w = csv.writer(fh, delimiter="\t", lineterminator="\n")
            w.writerow(["set", "file", "url", "bytes", "sha256", "count"])
            for f, b in files.items(): w.writerow(["Fake", f, url_of(f), len(b), hashlib.sha256(b).hexdigest(), ""])
            for row in extra: w.writerow(row)
        monkeypatch.setattr(datasets, "REGISTRY_FILE", reg)
        datasets._REGISTRY_CACHE.pop(str(reg), None)
    write()
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    monkeypatch.setenv("SR_COURSE_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("SR_COURSE_DATA", raising=False)
    class F: pass
    f = F(); f.src, f.files, f.write, f.dest, f.url = src, files, write, tmp_path / "dest", server.url
    return f

def no_leftovers(folder): return [p.name for p in Path(folder).rglob(".*")] == []

def test_download_good_file_over_http(fake):
    folder = download("fake", dest=fake.dest, progress=False)                     # case-insensitive name
    assert folder == fake.dest / "Fake"
    for f, b in fake.files.items(): assert (folder / f).read_bytes() == b
    assert no_leftovers(fake.dest) and sorted(p.name for p in folder.iterdir()) == sorted(fake.files)

def test_download_sha256_mismatch_same_size(fake):
    "A file of the registered size whose bytes differ: pooch's sha256 check refuses it, and nothing is left behind."
    b = bytearray(fake.files["im0.png"]); b[-20] ^= 0x01; (fake.src / "im0.png").write_bytes(bytes(b))
    with pytest.raises(DownloadError, match="1 of 3 files of Fake were refused") as e: download("Fake", dest=fake.dest, progress=False)
    assert hashlib.sha256(bytes(b)).hexdigest()[:12] in str(e.value) and f"got {len(b)} bytes" in str(e.value)
    assert sorted(p.name for p in (fake.dest / "Fake").iterdir()) == ["im1.png", "im2.png"] and no_leftovers(fake.dest)

def test_download_unreachable_and_guarded(fake, monkeypatch):
    fake.write(lambda f: f"http://127.0.0.1:9/{f}")                             # nothing listens on the discard port
    with pytest.raises(DownloadError, match="could not download http://127.0.0.1:9/im0.png"):
        download("Fake", dest=fake.dest, progress=False)
    assert list((fake.dest / "Fake").iterdir()) == [] and no_leftovers(fake.dest)
    fake.write(lambda f: f"https://example.org/{f}")                            # the tests' guard: no real network
    with pytest.raises(RuntimeError, match="tried to"): download("Fake", dest=fake.dest, progress=False)

def test_download_truncated_refused_and_removed(fake):
    (fake.src / "im1.png").write_bytes(fake.files["im1.png"][:-100])
    with pytest.raises(DownloadError) as e: download("Fake", dest=fake.dest, progress=False)
    msg = str(e.value)
    assert "im1.png" in msg and f"expected {len(fake.files['im1.png'])} bytes" in msg and f"got {len(fake.files['im1.png']) - 100} bytes" in msg
    assert not (fake.dest / "Fake" / "im1.png").exists() and (fake.dest / "Fake" / "im0.png").exists()
    assert no_leftovers(fake.dest)

def test_download_tampered_refused_and_removed(fake):
    b = bytearray(fake.files["im2.png"]); b[60] ^= 0xFF; (fake.src / "im2.png").write_bytes(bytes(b))
    (fake.dest / "Fake").mkdir(parents=True); (fake.dest / "Fake" / "im2.png").write_bytes(bytes(b))  # a bad copy already there
    with pytest.raises(DownloadError) as e: download("Fake", dest=fake.dest, progress=False)
    want = hashlib.sha256(fake.files["im2.png"]).hexdigest()[:12]
    assert "im2.png" in str(e.value) and want in str(e.value) and hashlib.sha256(b).hexdigest()[:12] in str(e.value)
    assert not (fake.dest / "Fake" / "im2.png").exists() and no_leftovers(fake.dest)

def test_download_skips_verified_files(fake):
    download("Fake", dest=fake.dest, progress=False)
    stamp = {f: (fake.dest / "Fake" / f).stat().st_mtime_ns for f in fake.files}
    fake.write(lambda f: fake.url(f"gone/{f}"))                               # the source vanished (404): only skips can succeed
    assert download("Fake", dest=fake.dest, progress=False) == fake.dest / "Fake"
    assert stamp == {f: (fake.dest / "Fake" / f).stat().st_mtime_ns for f in fake.files}
    with pytest.raises(DownloadError, match="could not download .*404"): download("Fake", dest=fake.dest, force=True, progress=False)
    assert all((fake.dest / "Fake" / f).exists() for f in fake.files)          # a failed forced download keeps good files

def test_download_default_dest_is_cache(fake, tmp_path):
    assert download("Fake", progress=False) == tmp_path / "cache" / "Fake"

def test_download_archive(fake, tmp_path):
    z = tmp_path / "src" / "Arch.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f, b in fake.files.items(): zf.writestr(f"Arch/{f}", b)
        zf.writestr("Arch/readme.txt", "x")
    (tmp_path / "src" / "bad.zip").write_bytes(z.read_bytes()[:-30])                        # cut short
    fake.write(extra=[["Arch", "Arch.zip", fake.url("Arch.zip"), "", "", 3], ["Arch4", "Arch.zip", fake.url("Arch.zip"), "", "", 4],
                      ["ArchBad", "bad.zip", fake.url("bad.zip"), "", "", 3]])
    folder = download("Arch", dest=fake.dest, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == sorted(fake.files)
    for f, b in fake.files.items(): assert (folder / f).read_bytes() == b
    assert sorted(p.name for p in fake.dest.iterdir()) == ["Arch"] and no_leftovers(fake.dest)      # no zip, no temp folder
    assert load_dataset("Arch", root=fake.dest).names == ["im0", "im1", "im2"]
    with pytest.raises(DownloadError, match="holds 3 PNG files, expected 4"): download("Arch4", dest=fake.dest, progress=False)
    assert list((fake.dest / "Arch4").iterdir()) == [] and no_leftovers(fake.dest)
    with pytest.raises(DownloadError, match="not the expected archive"): download("ArchBad", dest=fake.dest, progress=False)
    assert list((fake.dest / "ArchBad").iterdir()) == [] and no_leftovers(fake.dest)

# ---------------------------------------------------------------- verify, load_dataset, get_dataset

def test_verify_lists_missing_and_mismatching(fake, tmp_path):
    folder = tmp_path / "mine"; folder.mkdir()
    (folder / "im0.png").write_bytes(fake.files["im0.png"])
    (folder / "im1.png").write_bytes(fake.files["im1.png"][:-1] + b"\0")
    (folder / "notes.txt").write_text("extra")
    with pytest.raises(DatasetError) as e: verify("Fake", folder)
    msg = str(e.value)
    assert "missing (1): im2.png" in msg and "im1.png" in msg and hashlib.sha256(fake.files["im1.png"]).hexdigest()[:12] in msg
    assert "download" in msg and "im0.png" not in msg.split("right")[1]
    (folder / "im1.png").write_bytes(fake.files["im1.png"]); (folder / "im2.png").write_bytes(fake.files["im2.png"])
    rep = verify("Fake", folder)
    assert rep["ok"] == ["im0.png", "im1.png", "im2.png"] and rep["extra"] == ["notes.txt"]

def test_load_dataset_search_order(fake, tmp_path, monkeypatch):
    with pytest.raises(DatasetNotFound) as e: load_dataset("Fake")
    assert "Looked in" in str(e.value) and "download('Fake')" in str(e.value) and str(tmp_path / "cache" / "Fake") in str(e.value)
    a, b = tmp_path / "a", tmp_path / "b"
    b.mkdir(); (b / "fake").mkdir()                                            # folder name matched case-insensitively
    for f, x in fake.files.items(): (b / "fake" / f).write_bytes(x)
    monkeypatch.setenv("SR_COURSE_DATA", os.pathsep.join([str(a), str(b)]))
    ds = load_dataset("FAKE")
    assert ds.root == b / "fake" and ds.names == ["im0", "im1", "im2"] and len(ds) == 3 and ds[1].shape == (8, 8, 3)
    a.mkdir()
    for f, x in fake.files.items(): (a / f).write_bytes(x)                     # root itself holding the files
    assert load_dataset("Fake", root=a).root == a
    assert load_dataset("Fake").root == a                                      # a comes first in SR_COURSE_DATA
    (a / "im2.png").unlink()                                                   # partial: falls through to b ...
    assert load_dataset("Fake").root == b / "fake"
    monkeypatch.setenv("SR_COURSE_DATA", str(a))                               # ... and alone, it is an error listing the gap
    with pytest.raises(DatasetError, match="missing \\(1\\): im2.png"): load_dataset("Fake")

def test_load_dataset_verifies_once(fake, tmp_path, monkeypatch):
    d = tmp_path / "d" / "Fake"; d.mkdir(parents=True)
    for f, x in fake.files.items(): (d / f).write_bytes(x)
    (d / "im0.png").write_bytes(fake.files["im0.png"][:-1] + b"\0")
    with pytest.raises(DatasetError, match="wrong content: im0.png"): load_dataset("Fake", root=d.parent)
    assert load_dataset("Fake", root=d.parent, verify=False).root == d
    (d / "im0.png").write_bytes(fake.files["im0.png"])
    load_dataset("Fake", root=d.parent)
    calls = []
    monkeypatch.setattr(datasets, "_verify", lambda *a: calls.append(a))
    load_dataset("Fake", root=d.parent)
    assert calls == []                                                         # cached for this process

def test_load_dataset_download_true(fake, tmp_path):
    ds = load_dataset("Fake", root=tmp_path / "r", download=True)
    assert ds.root == tmp_path / "r" / "Fake" and len(ds) == 3

def test_get_dataset_fallback(fake, monkeypatch, capsys):
    monkeypatch.setenv("IN_TEST", "1")
    ds = get_dataset("Fake")                                                   # 'auto' never downloads under tests
    out = capsys.readouterr().out
    assert ds.name == "samples" and out.count("\n") == 1 and "Fake is not available" in out
    with pytest.raises(DatasetNotFound): get_dataset("Fake", fallback=False)
    assert len(get_dataset("Fake", download=True)) == 3                        # a local server works offline

def test_unknown_name():
    with pytest.raises(DatasetError) as e: load_dataset("Set6")
    assert all(n in str(e.value) for n in ["Set5", "Set14", "BSD100", "Urban100", "T91", "BSD200", "DIV2K_train_HR", "samples"])
    with pytest.raises(DatasetError, match="known names"): download("Set6")

def test_registry_file_shipped():
    reg = datasets.registry()
    assert [len(reg[s]) for s in ["Set5", "Set14", "BSD100", "Urban100", "T91", "BSD200"]] == [5, 14, 100, 100, 91, 200]
    assert reg["DIV2K_train_HR"][0]["count"] == 800 and reg["DIV2K_valid_HR"][0]["count"] == 100
    r = reg["Set5"][0]
    assert r["url"].startswith("https://raw.githubusercontent.com/") and len(r["sha256"]) == 64 and r["bytes"] > 0

def test_set5_from_shared_data(monkeypatch):
    folder = shared_set("Set5")
    monkeypatch.setattr(datasets, "_VERIFIED", {})
    ds = load_dataset("set5")
    assert ds.name == "Set5" and ds.names == ["baby", "bird", "butterfly", "head", "woman"]
    assert datasets._VERIFIED[("Set5", str(ds.root.resolve()))]["ok"] == [f"{n}.png" for n in ds.names]
    assert ds[0].shape == (512, 512, 3) and ds["woman"].shape == (344, 228, 3)
    want = {r["file"]: r["sha256"] for r in datasets.registry()["Set5"]}
    assert all(hashlib.sha256(f.read_bytes()).hexdigest() == want[f.name] for f in ds.files)

def test_folder_dataset(tmp_path):
    for n in ["b", "a", "c"]: Image.fromarray(RGB).save(tmp_path / f"{n}.png")
    (tmp_path / "notes.txt").write_text("x"); (tmp_path / "sub").mkdir()
    ds = load_dataset(tmp_path)
    assert ds.names == ["a", "b", "c"] and ds.root == tmp_path and [n for n, _ in ds.items()] == ["a", "b", "c"]
    assert load_dataset(str(tmp_path)).names == ds.names and "3 images" in repr(ds)
    with pytest.raises(DatasetError, match="holds no image files"): load_dataset(tmp_path / "sub")
    with pytest.raises(DatasetError, match="not a folder"): load_dataset(tmp_path / "a.png")
    cached = Dataset(ds.files, cache=True); assert cached[0] is cached[0]

def test_sample_images_offline():
    ds = sample_images()
    assert len(ds) == 10 and ds.root is None
    for n, im in ds.items(): assert im.dtype == np.uint8 and im.ndim in (2, 3)
    assert load_dataset("samples").names == ds.names
    with pytest.raises(DatasetError, match="not bundled"): sample_images(["eagle"])

def test_project_data_dir(monkeypatch, tmp_path):
    "In a clone, downloads go to the repository's data/ folder (git-ignored but for its README); SR_COURSE_CACHE moves them."
    root = Path(datasets.__file__).resolve().parents[1]
    monkeypatch.delenv("SR_COURSE_CACHE", raising=False)
    assert datasets.project_data_dir() == root / "data" and datasets.cache_dir() == root / "data"
    monkeypatch.setenv("SR_COURSE_CACHE", str(tmp_path))
    assert datasets.cache_dir() == tmp_path
    ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "data/Set5/baby.png"]).returncode
    kept = subprocess.run(["git", "-C", str(root), "check-ignore", "-q", "data/README.md"]).returncode
    assert (ignored, kept) == (0, 1)

def test_data_root_clone_vs_installed(fake, tmp_path, monkeypatch):
    "From a checkout (settings.ini beside the package) the clone's data/ is the default root: downloads land there and are found there; an installed package uses ~/.cache/sr_course, or /content/sr_course_data on Colab."
    monkeypatch.delenv("SR_COURSE_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    clone = tmp_path / "clone"; (clone / "sr_course").mkdir(parents=True); (clone / "data").mkdir()
    (clone / "settings.ini").write_text("[DEFAULT]\n")
    monkeypatch.setattr(sr_course, "__file__", str(clone / "sr_course" / "__init__.py"))
    assert datasets.project_data_dir() == clone / "data" and datasets.cache_dir() == clone / "data"
    assert download("Fake", progress=False) == clone / "data" / "Fake"
    assert load_dataset("Fake").root == clone / "data" / "Fake"                   # found there with SR_COURSE_DATA unset
    site = tmp_path / "site-packages"; (site / "sr_course").mkdir(parents=True); (site / "data").mkdir()
    monkeypatch.setattr(sr_course, "__file__", str(site / "sr_course" / "__init__.py"))
    assert datasets.project_data_dir() is None                                  # a data/ folder alone is not a clone
    assert datasets.cache_dir() == tmp_path / "home" / ".cache" / "sr_course"
    with pytest.raises(DatasetNotFound): load_dataset("Fake")                   # the clone's copy is not looked at
    monkeypatch.setattr(datasets, "in_colab", lambda: True)
    assert datasets.cache_dir() == Path("/content/sr_course_data")
    monkeypatch.setattr(sr_course, "__file__", str(clone / "sr_course" / "__init__.py"))
    assert datasets.cache_dir() == clone / "data"                               # a clone on Colab keeps its data/

def test_data_readme_is_current():
    "data/README.md is exactly what tools/make_data_readme.py writes from the registry: re-run the tool after changing it."
    root = Path(datasets.__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_data_readme", root / "tools" / "make_data_readme.py")
    tool = importlib.util.module_from_spec(spec); spec.loader.exec_module(tool)
    assert (root / "data" / "README.md").read_text(encoding="utf-8") == tool.text(), "run python tools/make_data_readme.py"

def test_data_readme_lists_the_registry():
    "data/README.md is made from the registry (tools/make_data_readme.py) and names every set and file sha256."
    root = Path(datasets.__file__).resolve().parents[1]
    text = (root / "data" / "README.md").read_text()
    for name, rows in datasets.registry().items():
        assert f"| {name} |" in text, name
        for r in rows:
            if r["sha256"]: assert f"{r['sha256']}  {name}/{r['file']}" in text, (name, r["file"])
    assert "sr-course data download" in text and "SR_COURSE_DATA" in text and "scikit-image" in text

# ---------------------------------------------------------------- TrainPairs

from sr_course.pairs import TrainPairs

IMGS = [np.asarray(sample_images(["astronaut"])[0])[100:181, 200:290], RNG.integers(0, 256, (40, 52), dtype=np.uint8)]

@pytest.mark.parametrize("channels,upsample", [("y", "pre"), ("y", "post"), ("rgb", "pre"), ("rgb", "post")])
def test_trainpairs_shapes(channels, upsample):
    tp = TrainPairs(IMGS, scale=3, patch=24, batch_size=5, steps=3, channels=channels, upsample=upsample)
    x, y = tp[2]
    c = 1 if channels == "y" else 3
    assert x.shape == ((5, 24, 24, c) if upsample == "pre" else (5, 8, 8, c)) and y.shape == (5, 24, 24, c)
    assert x.dtype == y.dtype == np.float32 and len(tp) == 3
    assert 0 <= y.min() and y.max() <= 1 and -0.1 < x.min() and x.max() < 1.1
    if channels == "y": assert y.min() >= 16 / 255 - 1e-6 and y.max() <= 235 / 255 + 1e-6
    with pytest.raises(IndexError): tp[3]

def test_trainpairs_bad_args():
    with pytest.raises(ValueError, match="not a multiple of scale 4: use 32 or 36"): TrainPairs(IMGS, scale=4, patch=33)
    with pytest.raises(ValueError, match="channels"): TrainPairs(IMGS, scale=2, channels="ycbcr")
    with pytest.raises(ValueError, match="upsample"): TrainPairs(IMGS, scale=2, upsample="mid")
    with pytest.raises(ValueError, match="at least"), pytest.warns(UserWarning, match="skipped 1 image"):
        TrainPairs([IMGS[1]], scale=3, patch=48)
    assert TrainPairs(IMGS, scale=3).patch == 33 and TrainPairs(IMGS, scale=2).patch == 34 and TrainPairs(IMGS, scale=4).patch == 32

def test_trainpairs_deterministic():
    a, b = TrainPairs(IMGS, scale=2, patch=16, batch_size=6, seed=3), TrainPairs(IMGS, scale=2, patch=16, batch_size=6, seed=3)
    for i in (0, 7): np.testing.assert_array_equal(a[i][0], b[i][0]); np.testing.assert_array_equal(a[i][1], b[i][1])
    assert not np.array_equal(a[0][1], a[1][1])
    assert not np.array_equal(a[0][1], TrainPairs(IMGS, scale=2, patch=16, batch_size=6, seed=4)[0][1])
    b.on_epoch_end()
    assert not np.array_equal(a[0][1], b[0][1])                                # a new epoch, new patches
    np.testing.assert_array_equal(TrainPairs(IMGS, scale=2, patch=16, batch_size=6, seed=3, epoch=1)[0][1], b[0][1])  # resumable
    noisy = [TrainPairs(IMGS, scale=2, patch=16, batch_size=6, seed=3, degradation=Degradation(2, noise=5))[0][0] for _ in range(2)]
    np.testing.assert_array_equal(*noisy)                                      # the noise too

@pytest.mark.parametrize("scale", [2, 3, 4])
def test_trainpairs_lr_equals_make_lr_crop(scale):
    "The margin claim: with augment=False every LR patch is the crop of make_lr(whole image), edges included."
    img = modcrop(IMGS[0], scale)
    p = 4 * scale
    full = make_lr(img, scale)
    post = TrainPairs([img], scale=scale, patch=p, batch_size=64, augment=False, channels="rgb", upsample="post", seed=scale)
    pre = TrainPairs([img], scale=scale, patch=p, batch_size=64, augment=False, channels="y", upsample="pre", seed=scale)
    (x, y), (xp, yp), crops = post[0], pre[0], post.crops(0)
    up = imresize(rgb2y(full)[..., None], float(scale))                        # the test-time SRCNN input
    tops, lefts = set(crops[:, 1]), set(crops[:, 2])
    assert 0 in tops | lefts and (img.shape[0] - p in tops or img.shape[1] - p in lefts)   # edges are exercised
    for b, (k, t, l, op) in enumerate(crops):
        assert k == 0 and op == 0 and t % scale == 0 and l % scale == 0
        np.testing.assert_array_equal(np.round(x[b] * 255).astype(np.uint8), full[t // scale:(t + p) // scale, l // scale:(l + p) // scale])
        np.testing.assert_array_equal(np.round(y[b] * 255).astype(np.uint8), img[t:t + p, l:l + p])
        np.testing.assert_allclose(xp[b], (up[t:t + p, l:l + p] / 255).astype(np.float32), atol=1e-6)
        np.testing.assert_allclose(yp[b, ..., 0], (rgb2y(img[t:t + p, l:l + p]) / 255).astype(np.float32), atol=1e-6)
    # and the margin matters: degrading the bare patch differs at its border
    t, l = crops[0, 1:3]
    assert (Degradation(scale)(img[t:t + p, l:l + p]) != full[t // scale:(t + p) // scale, l // scale:(l + p) // scale]).any()

def test_trainpairs_augment_and_gray():
    tp = TrainPairs([IMGS[1]], scale=2, patch=16, batch_size=32, channels="rgb", upsample="post")
    x, y = tp[0]
    assert (y[..., 0] == y[..., 1]).all() and (y[..., 1] == y[..., 2]).all()    # gray stacked to RGB
    assert len(set(tp.crops(0)[:, 3])) > 1

FIT = """
import numpy as np, keras
from sr_course.pairs import TrainPairs
class Logged(TrainPairs):
    def __getitem__(self, i):
        self.seen.add(self.epoch); return super().__getitem__(i)
rng = np.random.default_rng(0)
imgs = [rng.integers(0, 256, (40, 44, 3), dtype=np.uint8) for _ in range(2)]
for up in ["pre", "post"]:
    layers = [keras.Input((None, None, 1)), keras.layers.Conv2D(4 if up == "post" else 1, 3, padding="same")]
    if up == "post": layers.append(keras.layers.Lambda(lambda t: keras.ops.depth_to_space(t, 2)))
    m = keras.Sequential(layers); m.compile(optimizer="adam", loss="mse")
    pairs = Logged(imgs, scale=2, patch=16, batch_size=4, steps=3, upsample=up); pairs.seen = set()
    h = m.fit(pairs, epochs=2, verbose=0, callbacks=[pairs.epoch_callback()])
    assert len(h.history["loss"]) == 2 and np.isfinite(h.history["loss"]).all()
    assert pairs.epoch == 2 and pairs.seen == {0, 1}, (pairs.epoch, pairs.seen)
    resumed = Logged(imgs, scale=2, patch=16, batch_size=4, steps=3, upsample=up, epoch=2); resumed.seen = set()
    m.fit(resumed, epochs=4, initial_epoch=2, verbose=0, callbacks=[resumed.epoch_callback()])
    assert resumed.epoch == 4 and resumed.seen == {2, 3}, (resumed.epoch, resumed.seen)
    plain = TrainPairs(imgs, scale=2, patch=16, batch_size=4, steps=3, upsample=up, workers=2)   # threads prepare batches
    m.fit(plain, epochs=2, verbose=0)
    assert plain.epoch >= 2                                     # without the callback: Keras's own calls move it on
print("FIT-OK", keras.backend.backend())
"""

@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_fit_on_backend(backend):
    pytest.importorskip(backend)
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "JAX_PLATFORMS": "cpu", "CUDA_VISIBLE_DEVICES": ""}
    r = subprocess.run([sys.executable, "-c", FIT], env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0 and f"FIT-OK {backend}" in r.stdout, r.stdout[-2000:] + r.stderr[-4000:]
