"""Figures (sr_course.viz): compare() layout, metric titles and auto-crop, atomic PNG saving, the widget's
fallback, training curves from every history format, and clear errors on bad input. Headless (Agg)."""
import os
os.environ.setdefault("MPLBACKEND", "Agg")
import types
import numpy as np
import pytest
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image
import skimage.data

from sr_course import viz
from sr_course.viz import compare, compare_widget, plot_history, show_images, save_figure, auto_crop, split_view
from sr_course.resize import imresize
from sr_course.degrade import modcrop, make_lr, rgb2y

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def x4():
    hr = modcrop(skimage.data.chelsea()[:160, :200], 4)
    lr = make_lr(hr, 4)
    return hr, {m: imresize(lr, 4.0, method=m) for m in ["nearest", "bilinear", "bicubic"]}


def _y_psnr(hr, sr, b):
    a, c = rgb2y(hr)[b:-b, b:-b], rgb2y(sr)[b:-b, b:-b]
    return 10 * np.log10(255.0 ** 2 / np.mean((a - c) ** 2))


def _shown(ax):
    return ax.get_images()[0].get_array()


# ---------------------------------------------------------------- compare

def test_compare_layout_and_titles(x4):
    hr, ups = x4
    fig = compare(ups, hr=hr, scale=4)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2 * (len(ups) + 1)
    tops = fig.axes[0::2]
    assert tops[0].get_title() == "HR"
    for ax, (name, img) in zip(tops[1:], ups.items()):
        title = ax.get_title()
        assert title.startswith(name) and "dB" in title
        # the PSNR in the title is the protocol one: Y channel, `scale` pixels shaved (computed here by hand)
        assert f"{_y_psnr(hr, img, 4):.2f} dB" in title
    bold = [ax.get_title() for ax in tops if ax.title.get_fontweight() == "bold"]
    best = max(ups, key=lambda m: _y_psnr(hr, ups[m], 4))
    assert len(bold) == 1 and bold[0].startswith(best)


def test_compare_crops_are_the_same_region(x4):
    hr, ups = x4
    crop = (10, 20, 30, 40)
    fig = compare(ups, hr=hr, crop=crop)
    y, x, h, w = crop
    for ax, img in zip(fig.axes[1::2], [hr, *ups.values()]):
        np.testing.assert_array_equal(_shown(ax), img[y:y + h, x:x + w])
        assert ax.get_images()[0].get_interpolation() == "nearest"
    box = [p for p in fig.axes[0].patches]
    assert len(box) == 1 and box[0].get_width() == w and box[0].get_height() == h
    assert not compare(ups, hr=hr, crop=crop, zoom_box=False).axes[0].patches


def test_compare_without_hr_or_metrics(x4):
    hr, ups = x4
    fig = compare(ups)
    assert len(fig.axes) == 2 * len(ups)
    assert [ax.get_title() for ax in fig.axes[0::2]] == list(ups)
    fig = compare(ups, hr=hr, titles_metrics=False)
    assert not any("dB" in ax.get_title() for ax in fig.axes)


def test_compare_gray_and_ncols(x4):
    hr = modcrop(skimage.data.camera()[:128, :160], 4)
    ups = {m: imresize(make_lr(hr, 4), 4.0, method=m) for m in ["nearest", "bilinear", "bicubic"]}
    fig = compare(ups, hr=hr, scale=4, ncols=2)
    assert len(fig.axes) == 8
    assert _shown(fig.axes[0]).ndim == 2 and fig.axes[0].get_images()[0].get_cmap().name == "gray"
    assert f"{10 * np.log10(255 ** 2 / np.mean((hr[4:-4, 4:-4].astype(float) - ups['bicubic'][4:-4, 4:-4]) ** 2)):.2f}" \
        in fig.axes[6].get_title()


def test_auto_crop_inside_and_on_detail():
    rng = np.random.default_rng(0)
    for H, W in [(40, 60), (33, 17), (200, 120), (8, 8)]:
        img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
        y, x, h, w = auto_crop(img)
        assert 0 <= y and y + h <= H and 0 <= x and x + w <= W and h == w == max(min(H, W) // 4, min(8, H, W))
    flat = np.full((64, 64), 128, np.uint8)
    flat[40:52, 5:17] = rng.integers(0, 256, (12, 12), dtype=np.uint8)        # the only texture
    y, x, h, w = auto_crop(flat, size=16)
    assert y <= 40 and y + h >= 52 and x <= 5 and x + w >= 17
    y, x, h, w = auto_crop(flat, size=16, border=8)                           # kept out of the border
    assert y >= 8 and x >= 8 and y + h <= 56 and x + w <= 56


def test_compare_auto_crop_avoids_border(x4):
    hr, ups = x4
    fig = compare(ups, hr=hr, scale=4)
    y, x, h, w = auto_crop(hr, border=4)
    np.testing.assert_array_equal(_shown(fig.axes[1]), hr[y:y + h, x:x + w])
    assert y >= 4 and x >= 4


@pytest.mark.parametrize("kwargs, err, words", [
    (dict(crop=(0, 0, 10, 10_000)), ValueError, "not inside"),
    (dict(crop=(-1, 0, 10, 10)), ValueError, "not inside"),
    (dict(crop=(0, 0, 10)), ValueError, "four integers"),
    (dict(ncols=0), ValueError, "ncols"),
])
def test_compare_bad_arguments(x4, kwargs, err, words):
    hr, ups = x4
    with pytest.raises(err, match=words):
        compare(ups, hr=hr, **kwargs)


def test_compare_bad_images(x4):
    hr, ups = x4
    with pytest.raises(ValueError, match="same size"):
        compare({"a": ups["bicubic"][:-4]}, hr=hr)
    with pytest.raises(ValueError, match="same kind"):
        compare({"gray": rgb2y(hr).astype(np.uint8)}, hr=hr)
    with pytest.raises(TypeError, match="dict"):
        compare(hr)
    with pytest.raises(ValueError, match="HxWx3"):
        compare({"rgba": np.zeros((8, 8, 4), np.uint8)})
    with pytest.raises(ValueError, match="at least one"):
        compare({})


# ---------------------------------------------------------------- saving

def test_save_figure_atomic(tmp_path, x4):
    hr, ups = x4
    out = tmp_path / "cmp.png"
    fig = compare(ups, hr=hr, scale=4, save=out)
    assert out.read_bytes()[:8] == PNG_MAGIC
    with Image.open(out) as im: assert im.format == "PNG" and im.size[0] > 100
    assert sorted(os.listdir(tmp_path)) == ["cmp.png"]               # no temporary file left
    assert save_figure(fig, str(tmp_path / "again.PNG")).exists()


def test_save_figure_bad_paths(tmp_path):
    fig = show_images([np.zeros((8, 8), np.uint8)])
    with pytest.raises(ValueError, match="ending in .png"):
        save_figure(fig, tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="ending in .png"):
        save_figure(fig, tmp_path / "noext")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_figure(fig, tmp_path / "missing" / "x.png")
    assert os.listdir(tmp_path) == []


def test_save_figure_failure_leaves_old_file_and_no_temp(tmp_path, monkeypatch):
    out = tmp_path / "fig.png"
    out.write_bytes(b"old")
    fig = show_images([np.zeros((8, 8), np.uint8)])

    def broken(f, **kw):   # write half a file to wherever save_figure points it (a path or a file object), then fail
        if hasattr(f, "write"): f.write(b"partial")
        else: open(f, "wb").write(b"partial")
        raise RuntimeError("disk full")
    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_figure(fig, out)
    assert out.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["fig.png"]


# ---------------------------------------------------------------- before/after widget

def test_split_view():
    a, b = np.zeros((4, 10), np.uint8), np.full((4, 10, 3), 200, np.uint8)
    v = split_view(a, b, 0.3, line=None)
    assert v.shape == (4, 10, 3) and v.dtype == np.uint8
    assert (v[:, :3] == 0).all() and (v[:, 3:] == 200).all()
    assert (split_view(a, b, 0.3)[:, 3] == 255).all()
    with pytest.raises(ValueError, match="same size"):
        split_view(a, b[:, :5])
    with pytest.raises(ValueError, match="0..1"):
        split_view(a, b, 1.5)


def test_compare_widget_falls_back_under_test(monkeypatch, x4):
    hr, ups = x4
    monkeypatch.setenv("IN_TEST", "1")
    fig = compare_widget(ups["bilinear"], ups["bicubic"], labels=("bilinear", "bicubic"))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["bilinear", "bilinear  |  bicubic", "bicubic"]
    mid = _shown(fig.axes[1]); W = hr.shape[1]
    np.testing.assert_array_equal(mid[:, :W // 2], ups["bilinear"][:, :W // 2])
    np.testing.assert_array_equal(mid[:, W // 2 + 1:], ups["bicubic"][:, W // 2 + 1:])


def test_compare_widget_falls_back_without_kernel(monkeypatch, x4):
    "Plain Python (no IPython kernel) and a missing ipywidgets both give the static figure."
    hr, ups = x4
    monkeypatch.delenv("IN_TEST", raising=False)
    assert not viz._live_frontend()
    assert isinstance(compare_widget(hr, ups["bicubic"]), Figure)
    import builtins
    real_import = builtins.__import__
    def no_widgets(name, *a, **kw):
        if name == "ipywidgets": raise ImportError("no ipywidgets")
        return real_import(name, *a, **kw)
    monkeypatch.setattr(builtins, "__import__", no_widgets)
    assert not viz._live_frontend()


def test_compare_widget_live_path(x4):
    "Forcing the widget builds an image + slider whose value moves the split."
    pytest.importorskip("ipywidgets")
    hr, ups = x4
    w = compare_widget(hr, ups["nearest"], crop=(0, 0, 32, 40), static=False)
    img = next(c for c in w.children if type(c).__name__ == "Image")
    slider = next(c for c in w.children if type(c).__name__ == "FloatSlider")
    before = bytes(img.value)
    slider.value = 0.9
    assert bytes(img.value) != before and bytes(img.value)[:8] == PNG_MAGIC
    import io
    shown = np.asarray(Image.open(io.BytesIO(bytes(img.value))))
    np.testing.assert_array_equal(shown, split_view(hr[:32, :40], ups["nearest"][:32, :40], 0.9))


def test_compare_widget_bad_input(x4):
    hr, ups = x4
    with pytest.raises(ValueError, match="same size"):
        compare_widget(hr, hr[:-1], static=True)


# ---------------------------------------------------------------- training curves

HIST = {"loss": [0.05, 0.02, 0.015, 0.014], "val_loss": [0.06, 0.03, 0.02, 0.025],
        "psnr": [24.0, 27.0, 28.0, 28.5], "val_psnr": [23.5, 26.0, 27.1, 26.8]}


def _check_curves(fig, metrics=("loss", "psnr")):
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == list(metrics)
    for ax, m in zip(fig.axes, metrics):
        labels = [l.get_label() for l in ax.lines]
        assert labels[:2] == ["train", "val"]
        np.testing.assert_allclose(ax.lines[0].get_ydata(), HIST[m])
        np.testing.assert_allclose(ax.lines[1].get_ydata(), HIST["val_" + m])
        star = ax.lines[2]
        best = int(np.argmin(HIST["val_" + m]) if m == "loss" else np.argmax(HIST["val_" + m]))
        assert star.get_xdata()[0] == best + 1 and f"epoch {best + 1}" in star.get_label()


def test_plot_history_dict_and_history_like():
    _check_curves(plot_history(HIST))
    _check_curves(plot_history(types.SimpleNamespace(history=HIST)))


def test_plot_history_keras_history():
    keras = pytest.importorskip("keras")
    h = keras.callbacks.History()
    h.history = {k: list(v) for k, v in HIST.items()}
    _check_curves(plot_history(h))


def test_plot_history_dataframe_and_csv(tmp_path):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"epoch": range(4), **HIST, "learning_rate": [1e-3, 1e-3, 1e-4, 1e-5]})
    fig = plot_history(df, metrics=["loss", "psnr"])
    _check_curves(fig)
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3, 4]          # CSVLogger epochs are 0-based
    p = tmp_path / "log.csv"; df.to_csv(p, index=False)
    fig = plot_history(p, save=tmp_path / "curves.png")
    assert [ax.get_title() for ax in fig.axes] == ["loss", "psnr", "learning_rate"]
    assert fig.axes[2].get_yscale() == "log"
    assert (tmp_path / "curves.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_history_errors(tmp_path):
    with pytest.raises(ValueError, match="no metric"):
        plot_history(HIST, metrics=["ssim"])
    with pytest.raises(ValueError, match="empty"):
        plot_history({"loss": []})
    with pytest.raises(TypeError, match="History"):
        plot_history([0.1, 0.05])
    with pytest.raises(TypeError, match="not a list of numbers"):
        plot_history({"loss": ["a", "b"]})
    with pytest.raises(FileNotFoundError, match="no training log"):
        plot_history(tmp_path / "missing.csv")


def test_plot_history_train_only_and_val_only():
    fig = plot_history({"loss": [1.0, 0.5], "val_psnr": [20.0, 21.0]})
    assert [ax.get_title() for ax in fig.axes] == ["loss", "psnr"]
    assert [l.get_label() for l in fig.axes[0].lines] == ["train"]


# ---------------------------------------------------------------- show_images

def test_show_images():
    a = np.zeros((10, 20, 3), np.uint8); g = np.full((10, 20), 255, np.uint8)
    fig = show_images({"a": a, "g": g})
    assert [ax.get_title() for ax in fig.axes] == ["a", "g"]
    assert len(show_images([a, g, a, g, a], ncols=2).axes) == 5
    assert len(show_images(np.stack([a, a, a])).axes) == 3                   # a batch
    big = show_images([a], zoom=10)
    assert big.get_size_inches()[0] >= 20 * 10 / 100
    assert _shown(show_images([np.full((4, 4, 1), 7.6)]).axes[0]).dtype == np.uint8
    with pytest.raises(ValueError, match="titles"):
        show_images([a], titles=["x", "y"])
    with pytest.raises(ValueError, match="at least one"):
        show_images([])
    with pytest.raises(ValueError, match="ncols"):
        show_images([a], ncols=0)
