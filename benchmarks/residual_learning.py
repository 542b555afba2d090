"""Why the course's ESPCN recipe uses ReLU and a bicubic skip: Set5 x3 PSNR after a short training run, per variant.

    SR_COURSE_DATA=../shared/data python benchmarks/residual_learning.py [tanh relu ctanh rtanh rrelu]

Each variant is ESPCN x3 (5x5 conv 64, 3x3 conv 32, 3x3 conv 9, pixel shuffle, ICNR) on Y, trained from the same
seed with Adam, batch 64 of 17x17 LR / 51x51 HR patches cut from T91 (whole-image `make_lr`, random flips and
rotations): 2000 steps at 1e-3, then 1000 at 1e-4. After each stage it prints the last loss and the Set5 x3 PSNR
(standard protocol, `sr_course.metrics.evaluate`). Variants:
  tanh   the paper: tanh activations, output = the network (the default `espcn`)
  relu   ReLU instead of tanh
  ctanh  tanh, input shifted by -0.5 and output by +0.5 (zero-centred data)
  rtanh  tanh + bicubic skip: output = network + bicubic upscale of the input (`espcn(residual=True)`)
  rrelu  ReLU + bicubic skip (the recipe: `espcn(activation='relu', residual=True)`)
Set5 is only read here to show the effect; nothing is tuned on it (the recipe's early stopping uses held-out
training images). About 2-3 minutes per variant on a 2-core CPU.
"""
import os, sys, time, numpy as np, keras
from keras import layers
from sr_course.datasets import load_dataset
from sr_course.layers import PixelShuffle, ICNR
from sr_course.metrics import evaluate
from sr_course.inference import model_upscaler
from sr_course.degrade import make_lr, rgb2y, modcrop

t91 = [v for _, v in load_dataset("T91").items()]; set5 = load_dataset("Set5")

def espcn_v(act="tanh", center=False, resid=False, s=3):
    inp = keras.Input((None, None, 1)); x = inp
    if center: x = layers.Rescaling(1.0, offset=-0.5)(x)
    x = layers.Conv2D(64, 5, padding="same", activation=act)(x)
    x = layers.Conv2D(32, 3, padding="same", activation=act)(x)
    x = layers.Conv2D(s * s, 3, padding="same", kernel_initializer=ICNR(s))(x)
    out = PixelShuffle(s)(x)
    if center: out = layers.Rescaling(1.0, offset=0.5)(out)
    if resid: out = layers.Add()([out, layers.UpSampling2D(s, interpolation="bicubic")(inp)])
    return keras.Model(inp, out)

class Patches(keras.utils.PyDataset):
    "Batches of (17x17 LR, 51x51 HR) Y patches from T91, cut from whole-image make_lr, with random flips/rotations."
    def __init__(s, lp=17, b=64, steps=1000, seed=0):
        super().__init__(); s.lp = lp; s.b = b; s.n = steps
        s.pairs = [(rgb2y(make_lr(h := modcrop(im, 3), 3)) / 255., rgb2y(h) / 255.) for im in t91]
        s.rng = np.random.default_rng(seed)
    def __len__(s): return s.n
    def __getitem__(s, i):
        X = []; Y = []
        for _ in range(s.b):
            l, h = s.pairs[s.rng.integers(len(s.pairs))]
            t = s.rng.integers(0, l.shape[0] - s.lp + 1); u = s.rng.integers(0, l.shape[1] - s.lp + 1)
            k = s.rng.integers(8); a = l[t:t + s.lp, u:u + s.lp]; c = h[3 * t:3 * t + 3 * s.lp, 3 * u:3 * u + 3 * s.lp]
            if k & 4: a, c = a.T, c.T
            a, c = np.rot90(a, k & 3), np.rot90(c, k & 3)
            X.append(a[..., None]); Y.append(c[..., None])
        return np.float32(X), np.float32(Y)

def sched_run(name, m, plan, b=64):
    opt = keras.optimizers.Adam(1e-3); m.compile(optimizer=opt, loss="mse"); tot = 0
    for lr, n in plan:
        opt.learning_rate.assign(lr); t = time.time()
        h = m.fit(Patches(17, b, n, seed=tot), epochs=1, verbose=0); tot += n
        p = evaluate(model_upscaler(m, 3), set5, 3).psnr.mean()
        print(f"{name} lr {lr} steps {tot} loss {h.history['loss'][-1]:.5f} set5 {p:.2f} {time.time() - t:.0f}s", flush=True)
    return m

VARIANTS = dict(tanh=dict(), relu=dict(act="relu"), ctanh=dict(center=True), rtanh=dict(resid=True),
                rrelu=dict(act="relu", resid=True))
if __name__ == "__main__":
    keras.utils.set_random_seed(0)
    for v in sys.argv[1:] or list(VARIANTS):
        sched_run(v, espcn_v(**VARIANTS[v]), [(1e-3, 2000), (1e-4, 1000)])
