"""Interim launcher for the SRResNet x4 run, until the redesigned recipes give it `sr-course train srresnet`:
`SR_COURSE_DATA=../shared/data nice -n 19 python tools/train_srresnet.py --out ~/sr_course_runs` (resumes from its checkpoint).
The settings are the ones the recipe will hold; the recipe must build and compile the same way to resume this run."""
import argparse, json, os
from pathlib import Path
import keras
from sr_course.core import set_seed, atomic_path
from sr_course.data import TrainPairs
from sr_course.train import fit
from sr_course.recipes import _training_images, Recipe
from sr_course.models.srresnet import srresnet

SCALE, EPOCHS, STEPS, LR, BATCH, PATCH = 4, 30, 1000, 2e-4, 16, 96   # 24x24 LR patches, as in the paper
OPTS = dict(blocks=16, filters=32, tail_kernel=3, residual=True)    # CPU-sized: see the closing note of this run

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path.home() / "sr_course_runs"), help="runs folder (outside the clone, so it survives)")
    ap.add_argument("--data-dir", default=os.environ.get("SR_COURSE_DATA"))
    a = ap.parse_args()
    set_seed(0)
    model = srresnet(SCALE, **OPTS)
    r = Recipe("srresnet", "", "post", {SCALE: PATCH}, batch_size=BATCH)
    train_imgs, val = _training_images(r, a.data_dir)
    pairs = TrainPairs(train_imgs, scale=SCALE, patch=PATCH, batch_size=BATCH, steps=STEPS, channels="rgb", upsample="post", seed=0)
    sched = keras.optimizers.schedules.CosineDecay(LR, decay_steps=EPOCHS * STEPS, alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(sched), loss="mean_absolute_error")
    run = Path(a.out).expanduser() / f"srresnet_x{SCALE}"
    hist = fit(model, pairs, epochs=EPOCHS, scale=SCALE, val_images=val, patience=None, checkpoint_dir=run / "checkpoint", verbose=2)
    with atomic_path(run / f"srresnet_x{SCALE}.weights.h5", ".weights.h5") as tmp: model.save_weights(tmp)
    with atomic_path(run / "history.json") as tmp: tmp.write_text(json.dumps({k: v for k, v in hist.items() if k != "snapshots"}, indent=1))

if __name__ == "__main__": main()
