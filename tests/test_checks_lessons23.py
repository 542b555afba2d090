"""Exercise checks of Lessons 2 (SRCNN, sr_course.exercises.srcnn) and 3 (FSRCNN/ESPCN, sr_course.exercises.fast): each typical wrong answer gets its own message,
right answers pass, blanks are recognised, answers of the wrong kind raise TypeError, and the checks are fast."""
import time
import numpy as np
import pytest
import keras
from keras import layers, ops

from sr_course import checks
from sr_course.checks import ____
from sr_course.exercises import srcnn as ex2, fast as ex3
from sr_course.exercises.srcnn import lesson2
from sr_course.exercises.fast import lesson3
from sr_course.models.srcnn import srcnn, valid_crop
from sr_course.models.fast import fsrcnn, macs_per_pixel
from sr_course.layers import PixelShuffle


def run(capsys, exercise, *answer):
    "Check `answer`; return (returned value, printed text)."
    ok = exercise.check(*answer)
    return ok, capsys.readouterr().out


def wrong(capsys, exercise, answer, words):
    ok, out = run(capsys, exercise, answer)
    assert ok is False and out.startswith("Incorrect"), out
    for w in words: assert w in out, (w, out)
    return out


def right(capsys, exercise, answer):
    ok, out = run(capsys, exercise, answer)
    assert ok is True and out.startswith("Correct"), out
    return out


# ---------------------------------------------------------------- registry, blanks and types

def test_registered():
    assert checks.LESSONS["lesson2"] is lesson2 and checks.LESSONS["lesson3"] is lesson3
    assert len(lesson2) >= 3 and len(lesson3) >= 3
    assert [q.name for q in lesson2] == ["lesson2.q1", "lesson2.q2", "lesson2.q3"]


@pytest.mark.parametrize("blank", [____, None, ...])
@pytest.mark.parametrize("q", [lesson2.q1, lesson2.q2, lesson2.q3, lesson3.q1, lesson3.q2, lesson3.q3],
                         ids=lambda q: getattr(q, "name", None))
def test_placeholder_is_not_checked(capsys, q, blank):
    ok, out = run(capsys, q, blank)
    assert ok is False and "replace ____ with your answer" in out and "Incorrect" not in out


def test_pixel_shuffle_returning_blank(capsys):
    def pixel_shuffle(x, s): return ____
    def pixel_shuffle2(x, s): return ____(x, s) * s   # calling or multiplying a blank is still a blank
    for fn in (pixel_shuffle, pixel_shuffle2):
        ok, out = run(capsys, lesson3.q1, fn)
        assert ok is False and "still returns a blank" in out and "Incorrect" not in out


@pytest.mark.parametrize("q, answer, words", [
    (lesson2.q1, 69251.5, "whole number"), (lesson2.q1, "69251", "whole number"),
    (lesson2.q2, srcnn, "pass the model itself"), (lesson2.q2, 3, "keras.Model"),
    (lesson2.q2, layers.Conv2D(1, 3), "keras.Model"),
    (lesson2.q3, (48, 48), "whole number"), (lesson2.q3, 47.5, "whole number"),
    (lesson3.q1, 4, "function"), (lesson3.q2, "12809", "whole number"), (lesson3.q3, 2.5, "whole-number scale")])
def test_wrong_type_raises(q, answer, words):
    with pytest.raises(TypeError, match=words):
        q.check(answer)


# ---------------------------------------------------------------- lesson2.q1: SRCNN parameters with channels=3

def _hand_count(ch=3, bias=True, layers_=None):
    "SRCNN 9-5-5 parameters by hand: (k, c_in, c_out) per layer."
    shapes = [(9, ch, 64), (5, 64, 32), (5, 32, ch)]
    if layers_ is not None: shapes = [shapes[i] for i in layers_]
    return sum(k * k * ci * co + (co if bias else 0) for k, ci, co in shapes)


def test_l2q1_truth_is_the_library_count():
    v = ex2.srcnn_param_variants(3)
    assert v["truth"] == srcnn(channels=3).count_params() == _hand_count(3)
    assert v["channels1"] == _hand_count(1) and v["no_bias"] == _hand_count(3, bias=False)
    assert len(set(v.values())) == len(v)      # every slip is recognisable


def test_l2q1_right(capsys):
    for a in [_hand_count(3), np.int64(_hand_count(3)), float(_hand_count(3))]:
        right(capsys, lesson2.q1, a)


@pytest.mark.parametrize("answer, words", [
    (_hand_count(1), ["channels=1", "9x9x**3**"]),                                   # the Y network's count
    (_hand_count(3, bias=False), ["weights only", "bias", "99 of them"]),            # forgot the biases
    (_hand_count(1, bias=False), ["two slips", "weights only"]),
    (_hand_count(3, layers_=[0]) + _hand_count(1, layers_=[1, 2]), ["*output* 3 channels"]),
    (_hand_count(1, layers_=[0, 1]) + _hand_count(3, layers_=[2]), ["9x9x3"]),
    (5 * 5 * 64 * 32, ["weights of the `map` layer alone"]),                         # one layer's weights only
    (9 * 9 * 3 * 64, ["weights of the `extract` layer alone"]),
    (_hand_count(3, layers_=[1]), ["`map` layer alone"]),                            # one layer, with its biases
    (12345, ["not quite", "hint()"]),
    (0, ["many parameters"]),
])
def test_l2q1_wrong(capsys, answer, words):
    wrong(capsys, lesson2.q1, answer, words)


# ---------------------------------------------------------------- lesson2.q2: build SRCNN 9-1-5

def _by_hand(last_act=None, bias=True, extra=None, n=(64, 32)):
    inp = keras.Input((None, None, 1))
    x = layers.Conv2D(n[0], 9, padding="same", activation="relu", use_bias=bias)(inp)
    x = layers.Conv2D(n[1], 1, activation="relu", use_bias=bias)(x)
    if extra is not None: x = extra(x)
    out = layers.Conv2D(1, 5, padding="same", activation=last_act, use_bias=bias)(x)
    return keras.Model(inp, out)


def test_l2q2_right(capsys):
    out = right(capsys, lesson2.q2, srcnn(f2=1))
    assert str(srcnn(f2=1).count_params()) in out
    right(capsys, lesson2.q2, _by_hand())
    right(capsys, lesson2.q2, keras.Sequential([keras.Input((33, 33, 1)), _by_hand()]))        # nested model
    right(capsys, lesson2.q2, keras.Sequential([                                                # not built yet
        layers.Conv2D(64, 9, padding="same", activation="relu"), layers.Conv2D(32, 1, activation="relu"),
        layers.Conv2D(1, 5, padding="same")]))


@pytest.mark.parametrize("make, words", [
    (lambda: srcnn(), ["9-5-5 network", "srcnn(f2=1)"]),
    (lambda: srcnn(padding="valid"), ["9-5-5 network", "'valid'"]),
    (lambda: srcnn(f2=3), ["kernel sizes are 9-3-5", "9-1-5"]),
    (lambda: srcnn(f2=1, n1=32, n2=64), ["n1 and n2 are swapped"]),
    (lambda: srcnn(f2=1, n1=128), ["128, 32 and 1 filters", "n1=64"]),
    (lambda: srcnn(f2=1, channels=3), ["reconstruction layer has 3 filters", "channels=1"]),
    (lambda: srcnn(f2=1, padding="valid"), ["maps 33x33 to 21x21", "'valid' padding", "padding='same'"]),
    (lambda: _by_hand(last_act="relu"), ["activations are relu, relu, relu", "none after the reconstruction"]),
    (lambda: _by_hand(bias=False), ["no bias"]),
    (lambda: _by_hand(extra=layers.BatchNormalization()), ["extra layers"]),
    (lambda: _by_hand(extra=layers.Conv2D(32, 1)), ["4 convolution layers", "SRCNN has 3"]),
])
def test_l2q2_wrong(capsys, make, words):
    wrong(capsys, lesson2.q2, make(), words)


def test_l2q2_input_channels(capsys):
    inp = keras.Input((None, None, 3))
    x = layers.Conv2D(64, 9, padding="same", activation="relu")(inp)
    x = layers.Conv2D(32, 1, activation="relu")(x)
    out = wrong(capsys, lesson2.q2, keras.Model(inp, layers.Conv2D(1, 5, padding="same")(x)), ["raised", "one Y channel"])
    assert "Arguments received" not in out and "\x1b" not in out and len(out) < 700, out   # Keras' noise is cut


def test_short_error():
    e = ValueError("Exception encountered when calling Functional.call().\n\n\x1b[1mInput 0 is incompatible\x1b[0m\n\n"
                   "Arguments received by Functional.call():\n  • inputs=array([[1, 2]])")
    assert checks.short_error(e) == "Input 0 is incompatible"
    e = RuntimeError("{{function_node __wrapped__Reshape_device_/job:localhost/replica:0/task:0/device:CPU:0}} "
                     "Input to reshape is a tensor with 4 values [Op:Reshape]")
    assert checks.short_error(e) == "Input to reshape is a tensor with 4 values [Op:Reshape]"
    assert len(checks.short_error(ValueError("x" * 1000))) == 400


def test_l2q2_is_fast(capsys):
    "The check builds two small models and runs them on one 33x33 patch: well under 2 s on a CPU."
    model = srcnn(f2=1)
    lesson2.q2.check(srcnn())                       # warm-up: Keras' first model build
    t = time.perf_counter(); ok = lesson2.q2.check(model); dt = time.perf_counter() - t
    capsys.readouterr()
    assert ok is True and dt < 2, dt


# ---------------------------------------------------------------- lesson2.q3: 'valid' output size

def test_l2q3_truth_matches_the_model():
    t = ex2.valid_size_variants()["truth"]
    assert t == srcnn(padding="valid")(np.zeros((1, 64, 64, 1), "float32")).shape[1] == 64 - 2 * valid_crop()


def test_l2q3_right(capsys):
    right(capsys, lesson2.q3, 64 - 2 * valid_crop())
    right(capsys, lesson2.q3, np.int32(64 - 2 * valid_crop()))


@pytest.mark.parametrize("answer, words", [
    (64, ["'same' padding"]),
    (56, ["one side only", "9x9 layer alone"]),                    # one side, or the 9x9 layer only
    (60, ["leaves layers out", "the 5x5 layer alone"]),
    (40, ["counts trims twice", "9x9 layer"]),
    (32, ["counts trims twice"]),
    (45, ["kernel sizes", "k-1"]),
    (8, ["trim per side"]), (16, ["how much the side shrinks"]),
    (17, ["33x33 training patch"]),
    (70, ["never grows"]), (47, ["not quite", "(k-1)/2 per side"]),
])
def test_l2q3_wrong(capsys, answer, words):
    out = wrong(capsys, lesson2.q3, answer, words)
    assert "4 + 2 + 2 = 8 per side" in out or answer == 70


# ---------------------------------------------------------------- lesson3.q1: pixel shuffle by hand

def _shuffle(x, s, perm=(0, 1, 3, 2, 4, 5)):
    B, H, W, Cs = ops.shape(x)
    C = Cs // (s * s)
    return ops.reshape(ops.transpose(ops.reshape(x, (B, H, W, s, s, C)), perm), (B, H * s, W * s, C))


def ps_right(x, s): return _shuffle(x, s)
def ps_block_transposed(x, s): return _shuffle(x, s, perm=(0, 1, 4, 2, 3, 5))     # dy and dx swapped
def ps_torch(x, s):                                                                # channel-first order
    B, H, W, Cs = ops.shape(x)
    C = Cs // (s * s)
    return ops.reshape(ops.transpose(ops.reshape(x, (B, H, W, C, s, s)), (0, 1, 4, 2, 5, 3)), (B, H * s, W * s, C))
def ps_no_transpose(x, s):
    B, H, W, Cs = ops.shape(x)
    return ops.reshape(x, (B, H * s, W * s, Cs // (s * s)))
def ps_rows_cols_swapped(x, s): return ops.transpose(_shuffle(x, s), (0, 2, 1, 3))
def ps_keeps_channels(x, s): return ops.repeat(ops.repeat(x, s, axis=1), s, axis=2)   # upsampled, all channels kept
def ps_uses_d2s(x, s): return ops.depth_to_space(x, s)
def ps_uses_layer(x, s): return PixelShuffle(s)(x)
def ps_batch1(x, s): return _shuffle(x[:1], s)


def test_l3q1_reference_is_the_library():
    "The cases cover batches, non-square images, several C and s, and the right answer equals PixelShuffle."
    cases = ex3._ps_cases()
    assert any(x.shape[0] > 1 for x, s in cases) and any(x.shape[1] != x.shape[2] for x, s in cases)
    assert {s for _, s in cases} >= {2, 3, 4} and any(x.shape[-1] // s ** 2 > 1 for x, s in cases)
    for x, s in cases:
        np.testing.assert_array_equal(ops.convert_to_numpy(ps_right(x, s)), ops.convert_to_numpy(PixelShuffle(s)(x)))


def test_l3q1_right(capsys):
    right(capsys, lesson3.q1, ps_right)
    right(capsys, lesson3.q1, lambda x, s: ops.convert_to_numpy(ps_right(x, s)))      # a NumPy result is fine
    ns = {}
    exec(lesson3.q1.solution_code, ns)
    right(capsys, lesson3.q1, ns["pixel_shuffle"])


@pytest.mark.parametrize("fn, words", [
    (ps_block_transposed, ["block comes out transposed", "(dy*s + dx)*C + c", "(0, 1, 3, 2, 4, 5)"]),
    (ps_torch, ["PyTorch", "(dy*s + dx)*C + c", "(B, H, W, s, s, C)"]),
    (ps_no_transpose, ["without a transpose"]),
    (ps_rows_cols_swapped, ["rows and columns swapped"]),
    (ps_keeps_channels, ["values but the input has", "(B, H*s, W*s, C)"]),
    (lambda x, s: x, ["your output has shape", "(B, H*s, W*s, C)"]),
    (ps_uses_d2s, ["uses `depth_to_space`", "ops.reshape"]),
    (ps_uses_layer, ["uses `PixelShuffle`"]),
    (lambda x, s: ps_right(x, s) * 2, ["should be channel (dy*s + dx)*C + c"]),
    (ps_batch1, ["shape"]),
    (lambda x, s: undefined_name, ["NameError"]),                                       # noqa: F821
])
def test_l3q1_wrong(capsys, fn, words):
    wrong(capsys, lesson3.q1, fn, words)


def test_l3q1_torch_order_caught_only_with_several_channels(capsys):
    "For C = 1 PyTorch's order equals Keras'; the check still fails it thanks to the multi-channel cases."
    x = np.random.default_rng(1).standard_normal((1, 2, 3, 9)).astype("float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(ps_torch(x, 3)), ops.convert_to_numpy(PixelShuffle(3)(x)))
    out = wrong(capsys, lesson3.q1, ps_torch, ["PyTorch"])
    assert "s=2" in out or "s=3" in out or "s=4" in out


# ---------------------------------------------------------------- lesson3.q2: FSRCNN parameters

def _fsrcnn_by_hand(d=56, s=12, m=4, bias=True, prelu="channel", maps=None):
    maps = m if maps is None else maps
    b = lambda n: n if bias else 0
    convs = (25 * d + b(d)) + (d * s + b(s)) + maps * (9 * s * s + b(s)) + (s * d + b(d)) + (81 * d + b(1))
    slopes = {"channel": d + s + maps * s + d, "layer": 3 + maps, None: 0}[prelu]
    return convs + slopes


def test_l3q2_truth_is_the_library_count():
    v = ex3.fsrcnn_param_variants(3)
    assert v["truth"] == fsrcnn(3).count_params() == fsrcnn(2).count_params() == _fsrcnn_by_hand()
    assert v["weights_only"] == _fsrcnn_by_hand(bias=False, prelu=None)
    assert len(set(v.values())) == len(v)


def test_l3q2_right(capsys):
    right(capsys, lesson3.q2, _fsrcnn_by_hand())
    *body, last = lesson3.q2.solution_code.strip().splitlines()
    ns = {}
    exec("\n".join(body), ns)
    right(capsys, lesson3.q2, eval(last, ns))


@pytest.mark.parametrize("answer, words", [
    (_fsrcnn_by_hand(prelu=None), ["left out the PReLU slopes", "one per channel", "172"]),
    (_fsrcnn_by_hand(prelu="layer"), ["one PReLU slope per layer", "shared_axes=[1, 2]"]),
    (_fsrcnn_by_hand(bias=False), ["left out the biases", "173"]),
    (_fsrcnn_by_hand(bias=False, prelu=None), ["paper's count", "weights only"]),
    (_fsrcnn_by_hand(maps=1), ["one mapping layer", "m = 4"]),
    (12000, ["not quite", "PReLU"]),
])
def test_l3q2_wrong(capsys, answer, words):
    wrong(capsys, lesson3.q2, answer, words)


# ---------------------------------------------------------------- lesson3.q3: break-even scale

def _break_even_by_hand():
    cost = macs_per_pixel(srcnn(f2=1), 1, pre_upsampled=True)
    return next(s for s in range(1, 17) if macs_per_pixel(fsrcnn(s), s) < cost)


def test_l3q3_truth():
    t = _break_even_by_hand()
    be = ex3.fsrcnn_break_even()
    assert be["scale"] == t
    assert be["fsrcnn"][t] < be["srcnn_915"] <= be["fsrcnn"].get(t - 1, np.inf)


def test_l3q3_right(capsys):
    t = _break_even_by_hand()
    out = right(capsys, lesson3.q3, t)
    assert f"x{t}" in out
    right(capsys, lesson3.q3, float(t))


def test_l3q3_off_by_one(capsys):
    t = _break_even_by_hand()
    if t > 1:
        wrong(capsys, lesson3.q3, t - 1, ["off by one", "still needs", "more than SRCNN 9-1-5"])
    wrong(capsys, lesson3.q3, t + 1, ["off by one", f"already at x{t}", "smallest"])
    out = wrong(capsys, lesson3.q3, t + 3, [f"already at x{t}"])
    assert "off by one" not in out
    wrong(capsys, lesson3.q3, 0, ["at least 1"])


def test_l3q3_against_955_noted(capsys):
    "An answer that is right for SRCNN 9-5-5 (but too small for 9-1-5) is told so."
    be = ex3.fsrcnn_break_even()
    if be["scale_955"] < be["scale"]:
        wrong(capsys, lesson3.q3, be["scale_955"], ["9-5-5", "the question is about 9-1-5"])


# ---------------------------------------------------------------- hints, solutions, speed

@pytest.mark.parametrize("q", [*lesson2, *lesson3], ids=lambda q: q.name)
def test_hints_and_solutions(capsys, q):
    assert q.question and len(q.hints) >= 2 and q.solution_code
    q.hint(); out = capsys.readouterr().out
    assert out.startswith("Hint:") and q.hints[0] in out and "hint(2)" in out
    q.solution(); out = capsys.readouterr().out
    assert out.startswith("Solution:") and q.solution_code.strip() in out


def test_number_solutions_are_right(capsys):
    "The solutions that compute a number give the right answer when run."
    import sr_course.models.srcnn as S
    for q in (lesson2.q1, lesson2.q3, lesson3.q3):
        *body, last = q.solution_code.strip().splitlines()
        ns = {"np": np, "srcnn": S.srcnn, "valid_crop": S.valid_crop}
        exec("\n".join(body), ns)
        assert q.check(eval(last.split("   #")[0], ns)) is True, q.name
    ns = {}
    exec(lesson2.q2.solution_code, ns)
    assert lesson2.q2.check(ns["model_915"]) is True
    capsys.readouterr()


def test_every_check_is_fast(capsys):
    "After Keras' first use, each check (right answers) takes well under 2 s on this 2-core CPU."
    lesson2.q2.check(srcnn(f2=1))                  # warm-up
    answers = [(lesson2.q1, _hand_count(3)), (lesson2.q2, srcnn(f2=1)), (lesson2.q3, 64 - 2 * valid_crop()),
               (lesson3.q1, ps_right), (lesson3.q2, _fsrcnn_by_hand()), (lesson3.q3, _break_even_by_hand())]
    ex3._be_cache.clear()
    for q, a in answers:
        t = time.perf_counter(); ok = q.check(a); dt = time.perf_counter() - t
        assert ok is True and dt < 2, (q.name, dt)
    capsys.readouterr()
