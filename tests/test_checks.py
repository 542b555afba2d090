"""Exercise checks (sr_course.checks): every typical wrong answer of Lesson 1 gets its own teaching message,
right answers pass, blanks are recognised, and answers of the wrong kind raise TypeError."""
import numpy as np
import pytest
import skimage.data

from sr_course import checks
from sr_course.checks import lesson1 as ex, ____, Exercise, Lesson, LESSONS
from sr_course.resize import imresize, cubic
from sr_course.degrade import modcrop, make_lr, rgb2y


def run(capsys, exercise, *answer):
    "Check `answer`; return (returned value, printed text)."
    ok = exercise.check(*answer)
    return ok, capsys.readouterr().out


# ---------------------------------------------------------------- blanks and types

@pytest.mark.parametrize("blank", [____, None, ...])
@pytest.mark.parametrize("q", ["q1", "q2", "q3", "q4"])
def test_placeholder_is_not_checked(capsys, q, blank):
    ok, out = run(capsys, getattr(ex, q), blank)
    assert ok is False
    assert "replace ____ with your answer" in out
    assert "Incorrect" not in out


def test_no_answer_at_all(capsys):
    ok, out = run(capsys, ex.q1)
    assert ok is False and "replace ____ with your answer" in out


def test_function_still_returning_blank(capsys):
    def tri(x): return ____
    def tri2(x): return 1 - ____ * np.abs(x)       # arithmetic on a blank is still a blank
    def up(img, s): return ____
    for q, fn in [(ex.q1, tri), (ex.q1, tri2), (ex.q4, up)]:
        ok, out = run(capsys, q, fn)
        assert ok is False and "replace ____ with your answer" in out and "still returns a blank" in out


@pytest.mark.parametrize("q, answer, words", [
    ("q1", 0.5, "function"), ("q1", np.zeros(3), "function"), ("q4", 3, "function"),
    ("q2", "28.7", "number"), ("q2", np.array([28.0, 29.0]), "number"), ("q2", True, "number"),
    ("q3", 16.5, "whole number"), ("q3", "16", "whole number"), ("q3", [16], "whole number")])
def test_wrong_type_raises(q, answer, words):
    with pytest.raises(TypeError, match=words):
        getattr(ex, q).check(answer)


def test_wrong_number_of_answers():
    with pytest.raises(TypeError, match="takes 1 answer"):
        ex.q2.check(28.0, 29.0)


# ---------------------------------------------------------------- q1: the triangle kernel

def tri_right(x):
    x = np.abs(x)
    return np.where(x <= 1, 1 - x, 0.0)


def test_q1_accepts_right_answers(capsys):
    for fn in [tri_right, lambda x: np.maximum(0, 1 - np.abs(x)), lambda x: (1 - np.abs(x)) * (np.abs(x) <= 1),
               lambda x: np.clip(1 - np.abs(x), 0, None).astype(np.float32)]:
        ok, out = run(capsys, ex.q1, fn)
        assert ok is True and out.startswith("Correct")


@pytest.mark.parametrize("fn, words", [
    (lambda x: (1 - x) * (x <= 1), ["negative x", "np.abs"]),                       # forgot abs
    (lambda x: np.maximum(0, 1 - x) * (x >= -1), ["negative x", "np.abs"]),          # forgot abs, another way
    (lambda x: 1 - np.abs(x), ["0 for |x| > 1", "at x=1.5 it is -0.5"]),             # not zeroed outside [-1, 1]
    (lambda x: 0.5 * np.maximum(0, 1 - np.abs(x)), ["0.5 at x=0", "1 at the centre"]),
    (lambda x: np.maximum(0, 1 - np.abs(x) / 2), ["at x=0.5", "0.75"]),              # a wider triangle: generic
    (lambda x: 1 - x, ["not symmetric", "not 0 outside"]),                            # both slips at once
    (lambda x: max(0, 1 - abs(x)), ["ValueError", "elementwise"]),                   # Python max on an array
    (lambda x: 1.0, ["single number"]),
    (lambda x: np.ones(3), ["one value per input"]),
    (lambda x: undefined_name, ["NameError"]),                                       # noqa: F821
])
def test_q1_rejects_typical_mistakes_with_specific_message(capsys, fn, words):
    ok, out = run(capsys, ex.q1, fn)
    assert ok is False
    assert out.startswith("Incorrect")
    for w in words: assert w in out, (w, out)


def test_q1_is_checked_on_negatives_and_outside():
    xs = checks._TRI_X
    assert (xs < -1).any() and (xs > 1).any() and (xs == 0).any()


# ---------------------------------------------------------------- q2: protocol PSNR of bicubic x3

def _psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((np.asarray(a, float) - np.asarray(b, float)) ** 2))


@pytest.fixture(scope="module")
def q2_values():
    "The q2 numbers computed here by hand (NumPy PSNR), independently of sr_course.metrics."
    img = skimage.data.astronaut()
    hr = modcrop(img, 3)
    sr = imresize(make_lr(hr, 3), 3.0)
    c = lambda a, b=3: a[b:a.shape[0] - b, b:a.shape[1] - b]
    full = lambda im: im.astype(float) @ np.array([0.299, 0.587, 0.114])
    na = imresize(imresize(hr, 1 / 3, antialias=False), 3.0)
    h4 = modcrop(img, 4)
    return {"protocol": _psnr(c(rgb2y(hr)), c(rgb2y(sr))),
            "rgb": _psnr(c(hr), c(sr)),
            "no_border": _psnr(rgb2y(hr), rgb2y(sr)),
            "full_range_y": _psnr(c(full(hr)), c(full(sr))),
            "no_antialias": _psnr(c(rgb2y(hr)), c(rgb2y(na))),
            "x4": _psnr(c(rgb2y(h4), 4), c(rgb2y(imresize(make_lr(h4, 4), 4.0)), 4))}


def test_q2_checker_truth_matches_hand_computation(q2_values):
    lib = checks.q2_variants()
    for k, v in q2_values.items():
        assert abs(lib[k] - v) < 1e-6, k
    # the luma convention costs exactly 20 log10(255/219) dB (REFERENCE section 1)
    assert abs(q2_values["protocol"] - q2_values["full_range_y"] - 20 * np.log10(255 / 219)) < 0.05


def test_q2_accepts_the_protocol_value(capsys, q2_values):
    t = q2_values["protocol"]
    for a in [t, round(t, 2), np.float32(t), np.array(t)]:
        ok, out = run(capsys, ex.q2, a)
        assert ok is True and out.startswith("Correct"), out


@pytest.mark.parametrize("mistake, words", [
    ("rgb", ["RGB channels", "luma channel Y"]),
    ("no_border", ["did not crop the border", "scale=3"]),
    ("full_range_y", ["full-range", "1.32 dB"]),
    ("no_antialias", ["without antialiasing", "make_lr"]),
    ("x4", ["x4 value", "asks for x3"]),
])
def test_q2_recognises_each_mistake(capsys, q2_values, mistake, words):
    ok, out = run(capsys, ex.q2, q2_values[mistake])
    assert ok is False and out.startswith("Incorrect")
    for w in words: assert w in out, (w, out)


def test_q2_other_wrong_values(capsys, q2_values):
    t = q2_values["protocol"]
    ok, out = run(capsys, ex.q2, t + 3)
    assert ok is False and "too high" in out
    ok, out = run(capsys, ex.q2, t - 3)
    assert ok is False and "too low" in out
    ok, out = run(capsys, ex.q2, 0.81)
    assert ok is False and "SSIM" in out
    ok, out = run(capsys, ex.q2, float("inf"))
    assert ok is False


def test_q2_mistakes_are_distinguishable(q2_values):
    v = np.array(list(checks.q2_variants().values()))
    gaps = np.abs(v[:, None] - v[None])[~np.eye(len(v), dtype=bool)]
    assert gaps.min() > 2 * checks.Q2_TOL


# ---------------------------------------------------------------- q3: antialiased kernel width

def _taps_by_hand(scale, antialias=True):
    "Input pixels with a nonzero weight for one output pixel, straight from the cubic kernel."
    s = scale if antialias else 1
    offsets = (np.arange(-4 * scale, 4 * scale) + 0.5)   # input centres around an output centre (half-pixel grid)
    return int(np.count_nonzero(np.abs(cubic(offsets / s)) > 1e-12))


def test_q3_truth_from_library_matches_kernel():
    assert checks.kernel_taps(4) == _taps_by_hand(4)
    assert checks.kernel_taps(4, antialias=False) == _taps_by_hand(4, antialias=False)


def test_q3_right(capsys):
    for a in [_taps_by_hand(4), np.int64(_taps_by_hand(4)), float(_taps_by_hand(4))]:
        ok, out = run(capsys, ex.q3, a)
        assert ok is True and out.startswith("Correct")


@pytest.mark.parametrize("answer, words", [
    (lambda: _taps_by_hand(4, antialias=False), ["antialiasing", "upscale"]),
    (lambda: _taps_by_hand(4) ** 2, ["both axes", "one axis"]),
    (lambda: checks.kernel_taps(2), ["x2 downscale"]),
    (lambda: 18, ["zero weights"]),
    (lambda: 7, ["resize_matrix(64, 16, 1/4)"]),
    (lambda: 0, ["at least one"]),
])
def test_q3_wrong(capsys, answer, words):
    ok, out = run(capsys, ex.q3, answer())
    assert ok is False and out.startswith("Incorrect")
    for w in words: assert w in out, (w, out)


# ---------------------------------------------------------------- q4: nearest upscale

def test_q4_right(capsys):
    ok, out = run(capsys, ex.q4, lambda img, s: np.repeat(np.repeat(img, s, axis=0), s, axis=1))
    assert ok is True and out.startswith("Correct")
    ok, out = run(capsys, ex.q4, lambda img, s: imresize(img, float(s), method="nearest"))
    assert ok is True


@pytest.mark.parametrize("fn, words", [
    (lambda img, s: np.tile(img, (s, s) + (1,) * (img.ndim - 2)), ["np.tile"]),
    (lambda img, s: np.repeat(img, s, axis=0), ["rows only", "axis 1"]),
    (lambda img, s: np.repeat(img, s, axis=1), ["columns only", "axis 0"]),
    (lambda img, s: np.repeat(img, s), ["flattens"]),
    (lambda img, s: np.repeat(np.repeat(img, s, 0), s, 1).astype(float), ["dtype"]),
    (lambda img, s: np.repeat(np.repeat(np.repeat(img, s, 0), s, 1), s, 2), ["channels"]),
    (lambda img, s: np.repeat(np.repeat(img, s, 0), s, 1)[::-1], ["should be"]),
    (lambda img, s: np.repeat(img, s, axis=3), ["raised"]),
])
def test_q4_wrong(capsys, fn, words):
    ok, out = run(capsys, ex.q4, fn)
    assert ok is False and out.startswith("Incorrect")
    for w in words: assert w in out, (w, out)


# ---------------------------------------------------------------- hints, solutions, lessons

def test_hints_and_solutions(capsys):
    for q in ex:
        assert q.hints and q.solution_code and q.question
        q.hint(); out = capsys.readouterr().out
        assert out.startswith("Hint:") and q.hints[0] in out
        q.hint(99); assert "hint(1)" in capsys.readouterr().out
        q.solution(); out = capsys.readouterr().out
        assert out.startswith("Solution:") and q.solution_code.strip() in out


def test_solutions_are_right(capsys):
    "Running each reference solution and checking its result passes."
    ns = {"np": np}
    exec(ex.q1.solution_code, ns); assert ex.q1.check(ns["tri"]) is True
    exec(ex.q4.solution_code, ns); assert ex.q4.check(ns["nearest_upscale"]) is True
    *body, last = ex.q2.solution_code.strip().splitlines()
    exec("\n".join(body), ns); assert ex.q2.check(eval(last, ns)) is True
    exec(ex.q3.solution_code, ns)
    assert ex.q3.check(np.count_nonzero(ns["W"][8])) is True


def test_lesson_registry_and_decorator(capsys):
    assert LESSONS["lesson1"] is ex and len(ex) >= 3 and "q1" in repr(ex)
    demo = Lesson("test_demo", "Demo")
    try:
        @demo.exercise("q1", question="2 + 2?", hints=["count"], solution="4")
        def _(a):
            return (a == 4), ("" if a == 4 else f"{a} is not 2 + 2")
        assert isinstance(demo.q1, Exercise) and demo.q1.name == "test_demo.q1"
        assert demo.q1.check(5) is False and "5 is not 2 + 2" in capsys.readouterr().out
        assert demo.q1.check(4) is True
        with pytest.raises(ValueError, match="cannot name an exercise"):
            demo.add("exercise", Exercise(lambda a: (True, "")))
        with pytest.raises(ValueError, match="cannot name an exercise"):
            demo.add("2x", Exercise(lambda a: (True, "")))
    finally:
        LESSONS.pop("test_demo", None)


def test_rich_output_uses_markdown(monkeypatch):
    "In a Jupyter kernel the message is displayed as coloured Markdown, not printed."
    import IPython.display
    shown = []
    monkeypatch.setattr(checks, "_rich_output", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    assert ex.q1.check(tri_right) is True
    assert len(shown) == 1 and isinstance(shown[0], IPython.display.Markdown)
    assert "Correct" in shown[0].data and "color" in shown[0].data
