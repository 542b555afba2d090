"""What each part of SRResNet is worth, on the same small budget: `SR_COURSE_DATA=../shared/data python
benchmarks/srresnet_ablation.py [--steps 100] [--epochs 4] [--json sr_course/weights/srresnet_ablation.json]`.
Every variant is x4, RGB, L1, Adam (2e-4, cosine decay), batch 16 of 64x64 HR patches (16x16 LR) from the recipe's
training images (T91 + BSD200 without the ten held-out BSD200 images), seed 0, `--epochs` x `--steps` steps. It prints
the held-out Y-PSNR (standard protocol, the ten held-out training images, never Set5/Set14) after each epoch,
parameters and ms per step (the CPU is shared with whatever else runs: the step times are rough). The JSON also keeps,
as base64 PNGs, a 96x96 crop of each variant's output on the first held-out image (the crop with the most detail in
the HR image), with the HR and bicubic crops: Lesson 6 shows that record's table and pictures."""
import argparse, base64, io, json, os, sys, time
import numpy as np
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from sr_course.core import set_seed, atomic_path
from sr_course.recipes import RECIPES, training_images
from sr_course.pairs import TrainPairs
from sr_course.train import fit
from sr_course.losses import get_loss
from sr_course.models.srresnet import srresnet
from sr_course.inference import model_upscaler
from sr_course.degrade import modcrop, make_lr
from sr_course.resize import imresize

CROP = 96

def png64(a):
    "A uint8 image as a base64 PNG string."
    from PIL import Image
    b = io.BytesIO(); Image.fromarray(np.asarray(a, np.uint8)).save(b, format="PNG")
    return base64.b64encode(b.getvalue()).decode()

def detail_window(hr, side=CROP):
    "Top-left corner (multiples of 4) of the side x side window of `hr` with the largest gradient energy."
    g = hr.astype(np.float64).mean(-1); e = np.abs(np.diff(g, axis=0))[:, :-1] + np.abs(np.diff(g, axis=1))[:-1]
    best, at = -1.0, (0, 0)
    for t in range(0, e.shape[0] - side, 8):
        for l in range(0, e.shape[1] - side, 8):
            v = e[t:t + side, l:l + side].sum()
            if v > best: best, at = v, (t - t % 4, l - l % 4)
    return at

BASE = dict(blocks=16, filters=32, tail_kernel=3, residual=True)
VARIANTS = {
    "16 blocks (base: BN, long skip, pixel shuffle)": {},
    "4 blocks": dict(blocks=4),
    "16 blocks, no long skip": dict(long_skip=False),
    "16 blocks, no BatchNorm (EDSR)": dict(batchnorm=False),
    "UpSampling2D + conv": dict(upsample="resize"),
    "transposed convolution": dict(upsample="transpose"),
}

def run(label, opts, train, val, steps, epochs, pic):
    set_seed(0)
    m = srresnet(4, **{**BASE, **opts})
    sched = keras.optimizers.schedules.CosineDecay(2e-4, decay_steps=steps * epochs, alpha=0.01)
    m.compile(optimizer=keras.optimizers.Adam(sched), loss=get_loss("l1"))
    pairs = TrainPairs(train, scale=4, patch=64, batch_size=16, steps=steps, channels="rgb", upsample="post", seed=0)
    t = time.perf_counter()
    h = fit(m, pairs, epochs=epochs, scale=4, val_images=val, verbose=0)
    sec = time.perf_counter() - t
    lr, (t0, l0) = pic
    crop = model_upscaler(m, 4)(lr)[t0:t0 + CROP, l0:l0 + CROP]
    return {"options": {**BASE, **opts}, "params": m.count_params(), "val_psnr_y": h["val_psnr_y"], "loss": h["loss"],
            "seconds": sec, "ms_per_step": 1e3 * sum(h["seconds"]) / (steps * epochs), "crop_png": png64(crop)}

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100); ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--only", nargs="*", default=[]); ap.add_argument("--json")
    a = ap.parse_args()
    train, val = training_images(RECIPES["srresnet"], None)
    out = json.loads(open(a.json).read()) if a.json and os.path.exists(a.json) else {}
    out.setdefault("runs", {})
    out["setup"] = {"steps": a.steps, "epochs": a.epochs, "batch": 16, "hr_patch": 64, "scale": 4, "loss": "l1", "lr": 2e-4,
                    "val_images": sorted(val), "keras": keras.__version__, "backend": keras.backend.backend()}
    name0 = sorted(val)[0]; hr = modcrop(val[name0], 4); lr = make_lr(hr, 4); at = detail_window(hr)
    t0, l0 = at
    out["picture"] = {"image": name0, "top_left": list(at), "side": CROP,
                      "hr_png": png64(hr[t0:t0 + CROP, l0:l0 + CROP]),
                      "bicubic_png": png64(imresize(lr, 4.0)[t0:t0 + CROP, l0:l0 + CROP])}   # uint8 in, uint8 out
    for label, opts in VARIANTS.items():
        if a.only and not any(o in label for o in a.only): continue
        out["runs"][label] = r = run(label, opts, train, val, a.steps, a.epochs, (lr, at))
        print(f"{label:45s} {r['params']:>9,} params  {r['ms_per_step']:6.0f} ms/step  held-out Y-PSNR "
              + " ".join(f"{p:.2f}" for p in r["val_psnr_y"]), flush=True)
        if a.json:
            with atomic_path(a.json) as tmp: open(tmp, "w").write(json.dumps(out, indent=1))
