"""Training speed and quality of each recipe's model in float32 and under mixed_bfloat16, on this CPU:
`SR_COURSE_DATA=../shared/data python benchmarks/precision.py [--steps 5] [--train-steps 40] [--json FILE]`.
For every recipe (CNNs at x3, SRResNet at x4) it prints ms per training step (`train_on_batch`, the recipe's batch and
patch, after 2 warm-up steps) and the Set5 PSNR (standard protocol: Y, `scale` pixels shaved) after the same short run
of the recipe from scratch (`--train-steps` steps on T91, seed 0) in each precision; the trained weights are evaluated
in float32. Each precision runs in its own process (the policy is global). bfloat16 only pays off where the CPU
computes it natively (AVX-512 BF16 or AMX); elsewhere it is emulated."""
import argparse, json, os, re, subprocess, sys, textwrap

CODE = textwrap.dedent('''
    import json, sys, tempfile, time, numpy as np, keras
    policy, steps, train_steps, only = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    from sr_course.recipes import RECIPES, train_recipe
    from sr_course.datasets import load_dataset
    from sr_course.metrics import evaluate
    from sr_course.core import set_seed
    t91 = [im for _, im in load_dataset("T91").items()]
    set5 = load_dataset("Set5")
    out = {}
    from sr_course.perceptual import FeatureWeightsError
    for name in (only or list(RECIPES)):
      try:
        r = RECIPES[name]; s = 4 if 4 in r.patch and r.channels == "rgb" else 3
        keras.mixed_precision.set_global_policy(policy)
        set_seed(0); m = r.build(s); m.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
        c = m.input_shape[-1]; p = r.patch[s]; side = p if r.upsample == "pre" else p // s
        x = np.random.rand(r.batch_size, side, side, c).astype("float32"); y = np.random.rand(r.batch_size, p, p, c).astype("float32")
        for _ in range(2): m.train_on_batch(x, y)
        t = time.perf_counter()
        for _ in range(steps): m.train_on_batch(x, y)
        ms = (time.perf_counter() - t) / steps * 1e3
        with tempfile.TemporaryDirectory() as d:
            rec = train_recipe(name, s, out_dir=d, epochs=1, steps=train_steps, images=(t91, {}), verbose=0, from_scratch=True)
            keras.mixed_precision.set_global_policy("float32")
            fresh = r.build(s); fresh.load_weights(f"{d}/{name}_x{s}/{name}_x{s}.weights.h5")
        psnr = float(evaluate(fresh, set5, s).psnr.mean())
        out[name] = {"scale": s, "batch": r.batch_size, "ms_per_step": ms, "set5_psnr": psnr, "train_loss": rec["loss"][-1]}
      except FeatureWeightsError as e:        # a feature network whose weights this machine cannot get: say so, go on
        out[name] = {"skipped": str(e).split(":")[0]}
      print(name, policy, out[name], file=sys.stderr, flush=True)
    print(json.dumps(out))
''')

def cpu_flags():
    try: txt = open("/proc/cpuinfo").read()
    except OSError: return "unknown"
    model = re.search(r"model name\s*:\s*(.*)", txt)
    flags = sorted(set(re.findall(r"\b(avx512_bf16|amx_bf16|avx512f|avx2)\b", txt)))
    return f"{model.group(1) if model else 'unknown CPU'}; {', '.join(flags) or 'no AVX2/AVX-512'}"

if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=5, help="timed training steps per model")
    ap.add_argument("--train-steps", type=int, default=40, help="steps of the short run whose Set5 PSNR is compared")
    ap.add_argument("--models", nargs="*", default=[], help="recipes (default: all)")
    ap.add_argument("--json", help="also write the results as JSON")
    a = ap.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    res = {}
    for pol in ("float32", "mixed_bfloat16"):
        r = subprocess.run([sys.executable, "-c", CODE, pol, str(a.steps), str(a.train_steps), *a.models], env=env,
                           capture_output=True, text=True)
        if r.returncode: sys.exit(r.stderr[-3000:])
        res[pol] = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"CPU: {cpu_flags()}; {os.cpu_count()} cores; TensorFlow backend; {a.steps} timed steps after 2 warm-up; "
          f"Set5 PSNR after {a.train_steps} steps from scratch on T91 (seed 0)")
    print("| model | scale | batch | float32 ms/step | bf16 ms/step | bf16 / fp32 | Set5 PSNR fp32 | Set5 PSNR bf16 |")
    print("|---|---|---|---|---|---|---|---|")
    for k, f in res["float32"].items():
        b = res["mixed_bfloat16"][k]
        if "skipped" in f or "skipped" in b:
            print(f"| {k} | skipped: {f.get('skipped') or b.get('skipped')} |||||||"); continue
        print(f"| {k} | x{f['scale']} | {f['batch']} | {f['ms_per_step']:.0f} | {b['ms_per_step']:.0f} | "
              f"{b['ms_per_step'] / f['ms_per_step']:.2f} | {f['set5_psnr']:.2f} | {b['set5_psnr']:.2f} |")
    if a.json:
        from sr_course.core import atomic_path
        with atomic_path(a.json) as tmp: open(tmp, "w").write(json.dumps({"cpu": cpu_flags(), **res}, indent=1))
