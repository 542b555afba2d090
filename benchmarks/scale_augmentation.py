"""Does FSRCNN's data augmentation (each training image also downscaled by 0.9, 0.8, 0.7 and 0.6) help the course's
recipes? Held-out PSNR after the same short run, with and without it.

    SR_COURSE_DATA=../shared/data python benchmarks/scale_augmentation.py ARM [MODEL SCALE EPOCHS STEPS]

ARM is `plain` (the recipe's 281 training images) or `scaled` (those plus their 0.9/0.8/0.7/0.6 downscales, MATLAB
bicubic with antialiasing, as in the FSRCNN paper). Everything else is the recipe of MODEL (default espcn) at SCALE
(default 3), from scratch, for EPOCHS x STEPS (default 20 x 500) with the cosine schedule spanning the run, seed 0.
It prints the held-out PSNR (the ten BSD200 images the recipes hold out, never Set5/Set14) after every epoch and at
the end. The two arms can run at the same time (two processes); about 10-15 minutes each on a 2-core CPU for ESPCN.

Measured (2026-12-01, ESPCN x3, 20 x 500 steps, both arms at once on the 2-core CPU, TF): held-out PSNR
plain 27.218 dB, scaled 27.248 dB (+0.03), with the scaled arm ahead from epoch 7 on. Not yet in any recipe.
"""
import sys, tempfile, time
from sr_course import recipes
from sr_course.resize import imresize

FACTORS = (0.9, 0.8, 0.7, 0.6)

def main(arm="plain", model="espcn", scale="3", epochs="20", steps="500"):
    if arm not in ("plain", "scaled"): raise SystemExit(f"ARM must be 'plain' or 'scaled', not {arm!r}")
    scale, epochs, steps = int(scale), int(epochs), int(steps)
    r = recipes.RECIPES[model]
    train, val = recipes.training_images(r, None)
    if arm == "scaled": train = train + [imresize(im, f) for f in FACTORS for im in train]
    t0 = time.perf_counter()
    rec = recipes.train_recipe(model, scale, out_dir=tempfile.mkdtemp(), epochs=epochs, steps=steps,
                               images=(train, val), from_scratch=True, verbose=2)
    curve = " ".join(f"{v:.3f}" for v in rec["val_psnr_y"])
    print(f"{arm}: {model} x{scale}, {len(train)} training images, {epochs}x{steps} steps, "
          f"{time.perf_counter() - t0:.0f} s; held-out PSNR per epoch: {curve}")
    print(f"{arm}: final held-out PSNR {rec['val_psnr_y'][-1]:.3f} dB, best {max(rec['val_psnr_y']):.3f} dB")

if __name__ == "__main__": main(*sys.argv[1:])
