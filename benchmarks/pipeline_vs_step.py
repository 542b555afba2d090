"""Is the on-the-fly training pipeline fast enough? Patches per second made by `TrainPairs` versus patches per second
consumed by an SRCNN training step.

    SR_COURSE_DATA=../shared/data python benchmarks/pipeline_vs_step.py [--batches 30] [--steps 10] [--blas-threads 1]

Pipeline: `TrainPairs` over T91 (from SR_COURSE_DATA; the bundled sample images if T91 is not there), scale 3,
33x33 HR patches, batch 128, Y channel, bicubic pre-upsampling, augmentation on, in the main thread (no workers).
Consumer: one training step (`train_on_batch`: forward, MSE, backward, Adam) of SRCNN 9-5-5 (9x9 conv 64 ReLU,
5x5 conv 32 ReLU, 5x5 conv 1; 'same' padding) and of SRCNN 9-1-5, on a batch of 128 33x33x1 patches, after warm-up.
Without workers `fit` runs the two one after the other, so the pipeline's share of each step is also printed.
The Keras backend is whatever KERAS_BACKEND says (TensorFlow by default). Times are medians over the timed calls.
`--blas-threads 1` sets OPENBLAS_NUM_THREADS (NumPy's matrix products, which the resize uses) before NumPy loads:
on a small, busy CPU the threaded BLAS spends more time synchronising than computing these small products.
"""
import os, sys, time, argparse
if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=int, default=30, help="pipeline batches to time")
    ap.add_argument("--steps", type=int, default=10, help="training steps to time per model")
    ap.add_argument("--batch", type=int, default=128, help="batch size")
    ap.add_argument("--blas-threads", type=int, default=None, help="set OPENBLAS_NUM_THREADS (and OMP/MKL) before NumPy loads")
    ARGS = ap.parse_args()
    if ARGS.blas_threads:
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"): os.environ[v] = str(ARGS.blas_threads)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import keras
from sr_course.datasets import load_dataset, sample_images, DatasetError
from sr_course.pairs import TrainPairs

def srcnn(f2=5, channels=1):
    "SRCNN 9-f2-5 as in the paper (64 and 32 filters), 'same' padding so the output keeps the input's size."
    return keras.Sequential([keras.Input((None, None, channels)),
                             keras.layers.Conv2D(64, 9, padding="same", activation="relu"),
                             keras.layers.Conv2D(32, f2, padding="same", activation="relu"),
                             keras.layers.Conv2D(channels, 5, padding="same")], name=f"srcnn_9_{f2}_5")

def timed(fn, n, warmup):
    "Median seconds per call of `fn` over `n` calls, after `warmup` calls."
    for _ in range(warmup): fn()
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return float(np.median(ts))

def main(batches=30, steps=10, batch=128):
    try: images, src = load_dataset("T91"), "T91"
    except DatasetError: images, src = sample_images(), "sample images (T91 not found under SR_COURSE_DATA)"
    t0 = time.perf_counter()
    pairs = TrainPairs(images, scale=3, patch=33, batch_size=batch, steps=10**6, channels="y", upsample="pre", seed=0)
    print(f"data: {src}, {len(pairs.images)} images loaded and padded in {time.perf_counter() - t0:.2f} s")
    i = iter(range(10**6))
    t_pipe = timed(lambda: pairs[next(i)], batches, warmup=2)
    x, y = pairs[0]
    print(f"pipeline   : {t_pipe * 1e3:7.1f} ms per batch of {batch} -> {batch / t_pipe:8.0f} patches/s  (x {x.shape}, y {y.shape})")
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    for f2 in (5, 1):
        m = srcnn(f2)
        m.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
        t_step = timed(lambda: m.train_on_batch(x, y), steps, warmup=3)
        print(f"SRCNN 9-{f2}-5: {t_step * 1e3:7.1f} ms per step ({m.count_params()} params)      -> {batch / t_step:8.0f} patches/s;"
              f"  pipeline/step rate ratio {t_step / t_pipe:5.1f}x;  pipeline share of a step without workers "
              f"{100 * t_pipe / (t_pipe + t_step):4.1f}%")

if __name__ == "__main__":
    main(ARGS.batches, ARGS.steps, ARGS.batch)
