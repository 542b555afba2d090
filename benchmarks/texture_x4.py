"""Texture figures at x4 for the zoo's models: sharpness, grid strength and feature distance beside PSNR/SSIM.

    SR_COURSE_DATA=../shared/data python benchmarks/texture_x4.py [--model fsrcnn autoencoder perceptual_course srresnet]
        [--json benchmarks/results/texture_x4.json]

On Set5 and Set14 (standard protocol for PSNR/SSIM: Y channel, 4 pixels shaved, MATLAB-bicubic LR), per model:
- sharpness: high-frequency energy of the output relative to the truth's (Lesson 5's `sharpness`; 1.0 = as detailed),
- grid strength: Lesson 5's `grid_strength` (periodic energy at the upsampler's pixel period; the truth's is printed),
- feature distance: MSE between the feature maps of output and truth under the feature network named in the output
  (VGG19 block5_conv4 with ImageNet weights where Keras has them, else the course's offline network block3_conv2).
Models without shipped x4 weights are skipped and named.
"""
import argparse, json, os, numpy as np
from keras import ops
from sr_course.datasets import load_dataset
from sr_course.degrade import modcrop, make_lr
from sr_course.images import to_rgb
from sr_course.metrics import evaluate
from sr_course.models.perceptual import sharpness, grid_strength
from sr_course.perceptual import FeatureExtractor, FeatureWeightsError, imagenet_weights
from sr_course.zoo import available, get_upscaler

ap = argparse.ArgumentParser()
ap.add_argument("--model", nargs="+", default=["bicubic", "fsrcnn", "autoencoder", "autoencoder_plain", "perceptual_course", "srresnet"])
ap.add_argument("--json"); args = ap.parse_args()
try: imagenet_weights("vgg19"); net, layer = "vgg19", "block5_conv4"
except FeatureWeightsError: net, layer = "course", "block3_conv2"
fx = FeatureExtractor(net, layer, before_activation=False)
batch = lambda im: (im[None] / 255.0).astype("float32")
fdist = lambda a, b: float(np.mean((ops.convert_to_numpy(fx(batch(a))) - ops.convert_to_numpy(fx(batch(b)))) ** 2))
models = [m for m in args.model if m == "bicubic" or available(m, 4)]
print("feature network:", fx.label, "| skipped (no x4 weights):", [m for m in args.model if m not in models] or "none")
rows = []
for ds in ("Set5", "Set14"):
    test = load_dataset(ds)
    hrs = {n: to_rgb(modcrop(h, 4)) for n, h in test.items()}
    truth_grid = float(np.mean([grid_strength(h) for h in hrs.values()]))
    print(f"{ds}: truth's grid strength {truth_grid:.3f}")
    rows.append({"model": "HR (truth)", "dataset": ds, "sharpness": 1.0, "grid_strength": truth_grid, "feature_distance": 0.0})
    for m in models:
        f = get_upscaler(m, 4); q = evaluate(f, test, 4)
        srs = {n: f(make_lr(h, 4)) for n, h in hrs.items()}
        rows.append({"model": m, "dataset": ds, "psnr": round(float(q.psnr.mean()), 4), "ssim": round(float(q.ssim.mean()), 5),
                     "sharpness": float(np.mean([sharpness(srs[n], h, 4) for n, h in hrs.items()])),
                     "grid_strength": float(np.mean([grid_strength(s) for s in srs.values()])),
                     "feature_distance": float(np.mean([fdist(h, srs[n]) for n, h in hrs.items()]))})
        r = rows[-1]
        print(f"{ds} {m:18s} PSNR {r['psnr']:.2f} SSIM {r['ssim']:.4f} sharpness {r['sharpness']:.3f} "
              f"grid {r['grid_strength']:.3f} feature distance {r['feature_distance']:.2f}")
if args.json:
    tmp = args.json + ".tmp"
    json.dump({"feature_network": fx.label, "scale": 4, "rows": rows}, open(tmp, "w"), indent=1); os.replace(tmp, args.json)
