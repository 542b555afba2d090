"""Why `autoencoder_plain` is a pure autoencoder: with only the bicubic skip (no symmetric skips) it stays at bicubic.

    SR_COURSE_DATA=../shared/data python benchmarks/plain_residual.py [--epochs 3] [--json benchmarks/results/plain_residual.json]

Trains the `autoencoder_plain` recipe's network at x2 with `residual=True` (the bicubic skip, as `autoencoder` has),
the recipe's data, batch, patches, loss and learning rate, for `--epochs` epochs of 500 steps, and prints its held-out
PSNR after each epoch beside bicubic's on the same 10 held-out training images (never Set5/Set14). It also
prints the mean activation after each convolution of the untrained network on those images: through the plain stack
the signal shrinks layer by layer. About 50 s per epoch on a 2-core CPU (bf16).
"""
import argparse, json, os, tempfile, numpy as np, keras
from dataclasses import replace
from sr_course.recipes import get_recipe, train_recipe, training_images, RECIPES
from sr_course.metrics import evaluate
from sr_course.zoo import get_upscaler

ap = argparse.ArgumentParser(); ap.add_argument("--epochs", type=int, default=3); ap.add_argument("--json")
args = ap.parse_args()
base = get_recipe("autoencoder_plain")
r = RECIPES["plain_residual_probe"] = replace(base, name="plain_residual_probe", options={**base.options, "residual": True})
_, val = training_images(r)
bic = evaluate(get_upscaler("bicubic", 2), val, 2)
print(f"bicubic x2, held-out: {bic.psnr.mean():.4f} dB / {bic.ssim.mean():.4f}")

keras.utils.set_random_seed(0)
m = r.build(2); convs = [l.name for l in m.layers if hasattr(l, "kernel")]
x = np.stack([v[:64, :64] for v in val.values()]).astype("float32")[..., :3] / 255
acts = keras.Model(m.input, [m.get_layer(n).output for n in convs])(x[:, ::2, ::2])
mean_act = {n: float(np.mean(np.asarray(a))) for n, a in zip(convs, acts)}
print("mean activation (untrained):", ", ".join(f"{n} {v:.2g}" for n, v in mean_act.items()))

with tempfile.TemporaryDirectory() as tmp:
    os.environ["SR_COURSE_WEIGHTS"] = os.path.join(tmp, "weights")     # nothing is published
    rec = train_recipe("plain_residual_probe", 2, out_dir=tmp, epochs=args.epochs, verbose=0)
for e, p in enumerate(rec["val_psnr_y"], 1): print(f"epoch {e} ({e * r.steps} steps): held-out {p:.4f} dB")
out = {"recipe": "autoencoder_plain with residual=True", "scale": 2, "steps": rec["steps_done"], "precision": rec.get("precision"),
       "hardware": rec["hardware"], "wall_seconds": round(rec["wall_seconds"], 1), "val_psnr_y": rec["val_psnr_y"],
       "bicubic_val_psnr_y": float(bic.psnr.mean()), "bicubic_val_ssim_y": float(bic.ssim.mean()), "mean_activation": mean_act}
if args.json:
    tmp_json = args.json + ".tmp"; json.dump(out, open(tmp_json, "w"), indent=1); os.replace(tmp_json, args.json)
