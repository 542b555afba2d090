"""Exercise checks: the framework (sr_course.checks) and Lesson 1's checks (sr_course.exercises.interpolation): every
typical wrong answer gets its own teaching message, right answers pass, blanks are recognised, and answers of the wrong
kind raise TypeError."""
import ast, pathlib
import numpy as np
import pytest
import skimage.data

from sr_course import checks
from sr_course.checks import Exercise, Lesson, LESSONS
from sr_course.exercises import interpolation as l1
from sr_course.exercises.interpolation import lesson1 as ex, ____
from sr_course.resize import imresize, cubic
from sr_course.degrade import modcrop, make_lr, rgb2y


def run(capsys, exercise, *answer):
    "Check `answer`; return (returned value, printed text)."
    ok = exercise.check(*answer)
    return ok, capsys.readouterr().out


# ---------------------------------------------------------------- blanks and types

@pytest.mark.parametrize("blank", [____, None, ...])
@pytest.mark.parametrize("q", ["q1", "q2", "q3", "q4", "q5"])
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
    ("q3", 16.5, "whole number"), ("q3", "16", "whole number"), ("q3", [16], "whole number"),
    ("q5", "1.32", "number"), ("q5", [1.32], "number")])
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
    xs = l1._TRI_X
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
    lib = l1.q2_variants()
    for k, v in q2_values.items():
        assert abs(lib[k] - v) < 1e-6, k
    # the luma convention costs exactly 20 log10(255/219) dB (the BT.601 studio range, 219 levels of 255)
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
    v = np.array(list(l1.q2_variants().values()))
    gaps = np.abs(v[:, None] - v[None])[~np.eye(len(v), dtype=bool)]
    assert gaps.min() > 2 * l1.Q2_TOL


# ---------------------------------------------------------------- q3: antialiased kernel width

def _taps_by_hand(scale, antialias=True):
    "Input pixels with a nonzero weight for one output pixel, straight from the cubic kernel."
    s = scale if antialias else 1
    offsets = (np.arange(-4 * scale, 4 * scale) + 0.5)   # input centres around an output centre (half-pixel grid)
    return int(np.count_nonzero(np.abs(cubic(offsets / s)) > 1e-12))


def test_q3_truth_from_library_matches_kernel():
    assert l1.kernel_taps(4) == _taps_by_hand(4)
    assert l1.kernel_taps(4, antialias=False) == _taps_by_hand(4, antialias=False)


def test_q3_right(capsys):
    for a in [_taps_by_hand(4), np.int64(_taps_by_hand(4)), float(_taps_by_hand(4))]:
        ok, out = run(capsys, ex.q3, a)
        assert ok is True and out.startswith("Correct")


@pytest.mark.parametrize("answer, words", [
    (lambda: _taps_by_hand(4, antialias=False), ["antialiasing", "upscale"]),
    (lambda: _taps_by_hand(4) ** 2, ["both axes", "one axis"]),
    (lambda: l1.kernel_taps(2), ["x2 downscale"]),
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


# ---------------------------------------------------------------- q5: the gap between the two Ys

def test_q5_truth_is_measured_on_the_q2_pair(q2_values):
    "The accepted value is the difference of the two PSNRs on the real pair, which is 20 log10(255/219) on any pair."
    v = l1.y_gap_variants()
    assert abs(v["truth"] - (q2_values["protocol"] - q2_values["full_range_y"])) < 1e-9
    assert abs(v["truth"] - 20 * np.log10(255 / 219)) < 1e-9
    assert l1.Y_GAP_TOL == 0.01


def test_q5_accepts_the_gap(capsys, q2_values):
    t = q2_values["protocol"] - q2_values["full_range_y"]
    for a in [t, round(t, 2), np.float64(t), np.array(t), 1.32, t + 0.009]:
        ok, out = run(capsys, ex.q5, a)
        assert ok is True and out.startswith("Correct") and "255/219" in out, (a, out)


@pytest.mark.parametrize("answer, words", [
    (lambda t: -t, ["wrong sign", "positive"]),
    (lambda t: t / 2, ["half the gap", "20 log10"]),
    (lambda t: 255 / 219, ["ratio of the errors", "not dB"]),
    (lambda t: (255 / 219) ** 2, ["ratio of the two MSEs"]),
    (lambda t: 20 * np.log10(255 / 235), ["235", "219 levels"]),
    (lambda t: 0, ["offset 16", "scale does not"]),
    (lambda t: 1.3, ["rounded too coarsely"]),
    (lambda t: 3.0, ["not quite", "hint()"]),
    (lambda t: float("nan"), ["not a difference"]),
])
def test_q5_rejects_typical_mistakes(capsys, answer, words):
    ok, out = run(capsys, ex.q5, answer(20 * np.log10(255 / 219)))
    assert ok is False and out.startswith("Incorrect")
    for w in words: assert w in out, (w, out)


def test_q5_recognises_psnrs_and_the_rgb_gap(capsys, q2_values):
    for a, w in [(q2_values["protocol"] - q2_values["rgb"], "RGB"), (q2_values["protocol"], "studio-range Y-PSNR itself"),
                 (q2_values["full_range_y"], "full-range Y-PSNR itself")]:
        ok, out = run(capsys, ex.q5, a)
        assert ok is False and w in out, (a, out)


def test_q5_mistakes_are_distinguishable():
    v = np.array(list(l1.y_gap_variants().values()))
    gaps = np.abs(v[:, None] - v[None])[~np.eye(len(v), dtype=bool)]
    assert gaps.min() > 2 * l1.Y_GAP_TOL


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
    *body, last = ex.q5.solution_code.strip().splitlines()
    exec("\n".join(body), ns); assert ex.q5.check(eval(last, ns)) is True


def test_hint_and_solution_are_separate(capsys):
    "hint() never shows the solution, so a lesson can give each its own cell."
    for q in ex:
        q.hint(); out = capsys.readouterr().out
        assert q.solution_code.strip() not in out and "Solution" not in out
        q.solution(); out = capsys.readouterr().out
        assert "Hint" not in out and q.hints[0] not in out


def test_lessons_show_hint_and_solution_in_separate_cells():
    import json
    for p in sorted((pathlib.Path(__file__).parents[1] / "nbs" / "lessons").glob("0?_*.ipynb")):
        cells = ["".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code"]
        both = [c for c in cells if ".hint(" in c and ".solution(" in c]
        assert not both, f"{p.name}: hint() and solution() in one cell: {both[0]!r}"


def test_lesson1_asks_every_exercise():
    "Lesson 1 checks, hints and solves each of its exercises in its own cells."
    import json
    p = pathlib.Path(__file__).parents[1] / "nbs" / "lessons" / "01_interpolation.ipynb"
    cells = ["".join(c["source"]) for c in json.loads(p.read_text())["cells"] if c["cell_type"] == "code"]
    assert any("from sr_course.exercises.interpolation import lesson1 as ex, ____" in c for c in cells)
    for k in ex.exercises:
        for call in ("check(", "hint()", "solution()"):
            assert any(f"ex.{k}.{call}" in c for c in cells), (k, call)


def test_no_module_imports_private_names():
    "A module of the package uses only the public names of the others (the exercises use checks' public helpers)."
    root = pathlib.Path(checks.__file__).parent
    bad = []
    for p in sorted(root.rglob("*.py")):
        tree = ast.parse(p.read_text())
        mods = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom) and (n.level > 0 or (n.module or "").split(".")[0] == "sr_course"):
                for a in n.names:
                    if a.name.startswith("_") and a.name != "____" and not a.name.startswith("__"):
                        bad.append(f"{p.name}: from {n.module} import {a.name}")
                    else: mods.add(a.asname or a.name)
            elif isinstance(n, ast.Import):
                mods |= {a.asname or a.name for a in n.names if a.name.startswith("sr_course")}
        for n in ast.walk(tree):
            if (isinstance(n, ast.Attribute) and n.attr.startswith("_") and not n.attr.startswith("__")
                    and isinstance(n.value, ast.Name) and n.value.id in mods):
                bad.append(f"{p.name}: {n.value.id}.{n.attr}")
    assert not bad, bad


def test_exercises_module_imports_without_keras():
    "Lesson 1's checks stay free of Keras, like the classical modules they check."
    import subprocess, sys
    code = ("import sys, importlib.abc\n"
            "class B(importlib.abc.MetaPathFinder):\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('keras', 'tensorflow', 'jax'): raise ImportError(name)\n"
            "sys.meta_path.insert(0, B())\n"
            "from sr_course.exercises.interpolation import lesson1 as ex\n"
            "assert ex.q3.check(16) and ex.q5.check(1.32)\n"
            "import sr_course.exercises.srcnn, sr_course.exercises.fast\n"
            "print('OK')")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and "OK" in r.stdout, r.stdout[-1000:] + r.stderr[-2000:]


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
