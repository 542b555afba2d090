"""Speed and memory of `sr_course.upscale.upscale_image`: `python benchmarks/upscale.py [--quick] [--json FILE]`.

For each Keras backend (TensorFlow; JAX too if `KERAS_BACKEND=jax` imports), model, scale and tile size, a fresh
process upscales one WIDTHxHEIGHT photo (default 1280x720, scikit-image's `coffee` resized) and reports: images/s
(median of --repeats timed runs after one warm-up run), the first run's seconds (model build and compilation
included), and the process's peak RSS (`resource.getrusage`), with the RSS after the model was loaded (psutil, if
installed) so the upscaling's own share shows. `--tile 0` is untiled (the whole image in one model call). The sweep
also times each model at the largest scale with every --sweep tile size and names the fastest.

The full run takes a while (dozens of processes): run it on a quiet machine; `--quick` (a 160x90 input, ESPCN x2,
tiles 0 and 48, one repeat) only shows that it works. Results are noisy on a shared CPU: compare runs from the same
machine and moment."""
import argparse, json, os, statistics, subprocess, sys, time

MODELS = ["bicubic", "espcn", "fsrcnn", "srcnn", "srresnet"]
SCALES = [2, 3, 4]
SWEEP = [96, 128, 192, 256, 384, 512]


def child(cfg):
    "Run one configuration in this process and print its record as JSON (the last line of stdout)."
    import resource
    import numpy as np
    import skimage.data
    from sr_course import upscale as U
    from sr_course.resize import imresize
    w, h = cfg["size"]
    img = imresize(skimage.data.coffee(), size=(h, w))
    t0 = time.perf_counter()
    up = U.load_upscaler(cfg["model"], cfg["scale"])
    try:
        import psutil
        rss_loaded = psutil.Process().memory_info().rss / 2**20
    except ImportError: rss_loaded = None
    out = U.upscale_image(img, cfg["model"], cfg["scale"], tile=cfg["tile"], progress=False)
    first = time.perf_counter() - t0
    times = []
    for _ in range(cfg["repeats"]):
        t = time.perf_counter(); U.upscale_image(img, cfg["model"], cfg["scale"], tile=cfg["tile"], progress=False)
        times.append(time.perf_counter() - t)
    tile, ov = U._geometry(h, w, up, cfg["tile"], None)
    n = U._n_tiles(h, w, up.rf, tile, ov)
    import keras
    rec = {**cfg, "backend": keras.backend.backend(), "size": f"{w}x{h}", "out": f"{out.shape[1]}x{out.shape[0]}",
           "tiles": n, "tile_px": tile or 0, "overlap": ov, "seconds": round(statistics.median(times), 4),
           "images_per_s": round(1 / statistics.median(times), 3), "first_s": round(first, 3),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
           "rss_loaded_mb": None if rss_loaded is None else round(rss_loaded, 1)}
    print(json.dumps(rec))


def spawn(cfg, backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, __file__, "--child", json.dumps(cfg)], env=env, capture_output=True, text=True)
    if r.returncode:
        print(f"  {backend} {cfg}: failed (exit {r.returncode}): {r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ''}",
              file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def backend_works(backend) -> bool:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    r = subprocess.run([sys.executable, "-c", "import keras, sys; sys.exit(keras.backend.backend() != sys.argv[1])", backend],
                       env=env, capture_output=True)
    return r.returncode == 0


COLS = ["backend", "model", "scale", "tile_px", "tiles", "images_per_s", "seconds", "first_s", "peak_rss_mb", "rss_loaded_mb"]

def show(rec):
    print("  ".join(f"{rec[c]!s:>{max(len(c), 8)}}" for c in COLS), flush=True)


def main(a):
    backends = [b for b in a.backends if b == "tensorflow" or backend_works(b)]
    skipped = set(a.backends) - set(backends)
    if skipped: print(f"skipping backends that do not import here: {', '.join(sorted(skipped))}")
    print(f"input {a.size[0]}x{a.size[1]}, {a.repeats} timed runs after a warm-up (fresh process per row)")
    print("  ".join(f"{c:>{max(len(c), 8)}}" for c in COLS))
    from sr_course.zoo import available
    recs = []
    for b in backends:
        for m in a.models:
            scales = [s for s in a.scales if available(m, s)]     # the scales this model has weights for
            if not scales: print(f"  {m}: no weights at x{', x'.join(map(str, a.scales))}: skipped"); continue
            for s in scales:
                for t in a.tiles:
                    rec = spawn({"model": m, "scale": s, "tile": t, "size": a.size, "repeats": a.repeats}, b)
                    if rec: recs.append(rec); show(rec)
            if a.sweep:
                s = max(scales)
                sweep = [r for r in (spawn({"model": m, "scale": s, "tile": t, "size": a.size, "repeats": a.repeats}, b)
                                     for t in a.sweep) if r]
                for r in sweep: r["sweep"] = True; recs.append(r); show(r)
                if sweep:
                    best = max(sweep, key=lambda r: r["images_per_s"])
                    print(f"  fastest tile for {b} {m} x{s}: {best['tile_px']} px ({best['images_per_s']} images/s)")
    if a.json:
        with open(a.json + ".tmp", "w") as f: json.dump(recs, f, indent=1)
        os.replace(a.json + ".tmp", a.json)
        print(f"wrote {a.json}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true", help="a tiny run that only shows the script works")
    p.add_argument("--models", nargs="+", default=MODELS)
    p.add_argument("--scales", nargs="+", type=int, default=SCALES)
    p.add_argument("--tiles", nargs="+", type=int, default=[0, 256], help="tile sizes per model and scale (0: untiled)")
    p.add_argument("--sweep", nargs="*", type=int, default=SWEEP, help="tile sizes timed at the largest scale (none: skip)")
    p.add_argument("--backends", nargs="+", default=["tensorflow", "jax"])
    p.add_argument("--size", nargs=2, type=int, default=[1280, 720], metavar=("W", "H"))
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", metavar="FILE", help="also write the records as JSON")
    a = p.parse_args()
    if a.child: child(json.loads(a.child)); sys.exit(0)
    if a.quick: a.size, a.models, a.scales, a.tiles, a.sweep, a.repeats = [160, 90], ["espcn"], [2], [0, 48], [], 1
    main(a)
