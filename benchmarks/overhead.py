"""Where a recipe's training step spends its time: `SR_COURSE_DATA=../shared/data python benchmarks/overhead.py
[--steps 40] [--models espcn ...] [--json FILE]`. For each recipe (CNNs at x3, SRResNet at x4; the recipe's model, batch,
patch, channels and loss; T91 images) it prints the median time of: one ready-array step (`train_on_batch` on a batch
made in advance), making one batch (`TrainPairs[i]`), and a step inside `sr_course.train.fit` as the recipe runs it
(median interval between batch ends, first 5 steps dropped), with and without a prefetching worker thread, and the
ratio recipe step / ready-array step (goal: at most 1.1). The recipe step is timed twice: as `fit` runs it now (NumPy's
BLAS held to one thread while training, `blas_threads=1`) and as it ran before (`blas_threads=None`: OpenBLAS's own
thread pool competing with the model's threads for the cores). Pause other work on the CPU while it runs."""
import argparse, json, os, sys, tempfile, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from sr_course.recipes import RECIPES, compile_phase
from sr_course.datasets import load_dataset
from sr_course.pairs import TrainPairs
from sr_course.train import fit
from sr_course.core import set_seed

class BatchClock(keras.callbacks.Callback):
    def __init__(self): super().__init__(); self.t = []
    def on_train_batch_end(self, batch, logs=None): self.t.append(time.perf_counter())
    def step_ms(self, drop=5): return float(np.median(np.diff(self.t[drop:])) * 1e3)

def measure(name, steps, images, spe=()):
    r = RECIPES[name]; s = 4 if r.channels == "rgb" else 3
    mk = lambda **kw: TrainPairs(images, scale=s, patch=r.patch[s], batch_size=r.batch_size, steps=steps, augment=r.augment,
                                 channels=r.channels, upsample=r.upsample, seed=0, **kw)
    pairs = mk()
    t = []
    for i in range(min(steps, 20)): t0 = time.perf_counter(); pairs[i]; t.append(time.perf_counter() - t0)
    prep = float(np.median(t) * 1e3)
    out = {"scale": s, "batch": r.batch_size, "prep_ms": prep}
    set_seed(0); m = compile_phase(r, r.build(s), r.run_phases()[0], steps)
    x, y = pairs[0]
    for _ in range(3): m.train_on_batch(x, y)
    t = []
    for _ in range(min(steps, 20)): t0 = time.perf_counter(); m.train_on_batch(x, y); t.append(time.perf_counter() - t0)
    out["ready_ms"] = float(np.median(t) * 1e3)
    for label, kw, fkw in (("fit_before_ms", {}, {"blas_threads": None}), ("fit_ms", {}, {}),
                           ("fit_worker_ms", {"workers": 1}, {})):
        set_seed(0); m = compile_phase(r, r.build(s), r.run_phases()[0], steps)
        clock = BatchClock()
        fit(m, mk(**kw), epochs=1, callbacks=[clock], verbose=0, **fkw)
        out[label] = clock.step_ms()
    for k in ("fit_before", "fit", "fit_worker"): out[k.replace("fit", "ratio")] = out[f"{k}_ms"] / out["ready_ms"]
    for k in spe:   # several steps per call of the compiled train function: Keras' per-step Python work is paid once per k
        set_seed(0); m = compile_phase(r, r.build(s), r.run_phases()[0], steps)
        m.compile(optimizer=m.optimizer, loss=m.loss, steps_per_execution=k)
        clock = BatchClock()
        fit(m, mk(), epochs=1, callbacks=[clock], verbose=0)
        out[f"fit_spe{k}_ms"] = clock.step_ms(drop=1) / k; out[f"ratio_spe{k}"] = out[f"fit_spe{k}_ms"] / out["ready_ms"]
    return out

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=40); ap.add_argument("--models", nargs="*", default=[])
    ap.add_argument("--spe", type=int, nargs="*", default=[], help="also time fit with these steps_per_execution")
    ap.add_argument("--json"); a = ap.parse_args()
    imgs = [im for _, im in load_dataset("T91").items()]
    res = {}
    for n in a.models or list(RECIPES):
        res[n] = measure(n, a.steps, imgs, a.spe); print(n, res[n], file=sys.stderr, flush=True)
    print(f"{os.cpu_count()} cores, Keras {keras.__version__} ({keras.backend.backend()}), {a.steps} steps per fit, medians")
    print("| recipe | scale | batch | ready-array step ms | batch prep ms | recipe step ms before (ratio) | "
          "recipe step ms now (ratio) | with 1 worker ms (ratio) |")
    print("|---|---|---|---|---|---|---|---|")
    for n, o in res.items():
        print(f"| {n} | x{o['scale']} | {o['batch']} | {o['ready_ms']:.1f} | {o['prep_ms']:.1f} | "
              f"{o['fit_before_ms']:.1f} ({o['ratio_before']:.2f}) | {o['fit_ms']:.1f} ({o['ratio']:.2f}) | "
              f"{o['fit_worker_ms']:.1f} ({o['ratio_worker']:.2f}) |"
              + "".join(f" spe {k}: {o[f'fit_spe{k}_ms']:.1f} ms ({o[f'ratio_spe{k}']:.2f}) |" for k in a.spe))
    if a.json:
        from sr_course.core import atomic_path
        with atomic_path(a.json) as tmp: open(tmp, "w").write(json.dumps(res, indent=1))
