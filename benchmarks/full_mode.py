"""How long a lesson's full-mode training run takes to come within 0.5 dB of the shipped weights (Set5, x3).

    SR_COURSE_DATA=../shared/data python benchmarks/full_mode.py {srcnn,espcn} [--max-epochs N] [--json FILE]

It makes the run of a lesson's training cell (Lesson 2: SRCNN; Lesson 3: ESPCN) with its full-mode values (the
settings in `LESSONS` below are those cells'; keep them in step): the 291 training images less the last 10 (held
out), random patches with flips and rotations, MSE and Adam at one learning rate. After each epoch it measures
Set5 x3 with the standard protocol (`sr_course.metrics.evaluate`) and compares it with the shipped weights
(`get_upscaler`); it stops at the first epoch within 0.5 dB (or after `--max-epochs`) and prints the epochs, steps
and training seconds that took. Set5 is only measured here, never used to choose anything. On the course's 2-core
CPU the seconds are a CPU figure (a Colab T4 is faster); say what else was running when you quote them.
"""
import argparse, json, os, time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
from sr_course.core import atomic_path, set_seed
from sr_course.datasets import load_dataset
from sr_course.inference import model_upscaler
from sr_course.metrics import evaluate
from sr_course.pairs import TrainPairs
from sr_course.train import fit
from sr_course.recipes import training_images, get_recipe
from sr_course.zoo import get_upscaler

SCALE, GAP = 3, 0.5
LESSONS = {   # each lesson's training cell, full mode
    "srcnn": dict(lesson=2, upsample="pre", patch=33, batch_size=64, steps=500, lr=3e-4,
                  options=dict(residual=True)),
    "espcn": dict(lesson=3, upsample="post", patch=51, batch_size=64, steps=1000, lr=1e-3,
                  options=dict(activation="relu", residual=True)),
}


class WithinGap(keras.callbacks.Callback):
    "After each epoch: Set5 PSNR of the model; stop once it is within GAP dB of the shipped weights."
    def __init__(self, test, target, max_epochs):
        super().__init__(); self.test, self.target, self.max_epochs = test, target, max_epochs
        self.rows, self.seconds, self.t0 = [], 0.0, None
    def on_epoch_begin(self, epoch, logs=None): self.t0 = time.perf_counter()
    def on_epoch_end(self, epoch, logs=None):
        self.seconds += time.perf_counter() - self.t0                        # training time only, not the Set5 check
        psnr = float(evaluate(model_upscaler(self.model, SCALE), self.test, SCALE).psnr.mean())
        self.rows.append({"epoch": epoch + 1, "train_seconds": round(self.seconds, 1), "set5_psnr": round(psnr, 3),
                          "loss": float(logs.get("loss", float("nan")))})
        print(f"  epoch {epoch + 1}: Set5 x3 {psnr:.2f} dB (shipped {self.target:.2f}), {self.seconds:.0f} s of training", flush=True)
        if psnr >= self.target - GAP or epoch + 1 >= self.max_epochs: self.model.stop_training = True


def run(name, max_epochs, data_dir=None):
    c = LESSONS[name]; set_seed(0)
    test = load_dataset("Set5", root=data_dir)
    target = float(evaluate(get_upscaler(name, SCALE), test, SCALE).psnr.mean())
    r = get_recipe(name)
    train_imgs, _ = training_images(r, data_dir)                        # the 291 set less its 10 held-out images
    pairs = TrainPairs(train_imgs, scale=SCALE, patch=c["patch"], batch_size=c["batch_size"], steps=c["steps"],
                       channels="y", upsample=c["upsample"])
    model = r.builder(SCALE, **c["options"])                            # the lesson's architecture (the recipe's builder)
    model.compile(optimizer=keras.optimizers.Adam(c["lr"]), loss="mse")
    cb = WithinGap(test, target, max_epochs)
    print(f"{name} x{SCALE} (Lesson {c['lesson']}, full mode: epochs of {c['steps']} steps of {c['batch_size']}, "
          f"Adam {c['lr']:g}); shipped weights: Set5 {target:.2f} dB", flush=True)
    fit(model, pairs, epochs=max_epochs, scale=SCALE, callbacks=[cb], verbose=0)   # the lesson's `fit` (new batches each epoch)
    last = cb.rows[-1]
    return {"model": name, "lesson": c["lesson"], "scale": SCALE, "shipped_set5_psnr": round(target, 3), "within": GAP,
            "reached": last["set5_psnr"] >= target - GAP, "epochs": last["epoch"], "steps": last["epoch"] * c["steps"],
            "settings": c, "train_seconds": last["train_seconds"], "curve": cb.rows,
            "backend": keras.backend.backend(), "cpus": os.cpu_count()}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", default=["espcn"])
    ap.add_argument("--max-epochs", type=int, default=20)
    ap.add_argument("--json", default=None, help="also write the results here")
    a = ap.parse_args()
    res = [run(m, a.max_epochs) for m in a.models]
    print(f"\n{'model':8} {'shipped':>8} {'reached':>8} {'epochs':>7} {'steps':>7} {'train s':>8}")
    for x in res:
        print(f"{x['model']:8} {x['shipped_set5_psnr']:8.2f} {x['curve'][-1]['set5_psnr']:8.2f} {x['epochs']:7d} "
              f"{x['steps']:7d} {x['train_seconds']:8.0f}" + ("" if x["reached"] else "  (not within 0.5 dB)"))
    if a.json:
        with atomic_path(a.json) as tmp: tmp.write_text(json.dumps(res, indent=1))
