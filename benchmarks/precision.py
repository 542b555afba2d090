"""Training step time of each recipe's model in float32 and under mixed_bfloat16, on this CPU:
`python benchmarks/precision.py [--steps 5]`. Each precision runs in its own process (the policy is global).
bfloat16 only pays off where the CPU computes it natively (AVX-512 BF16 or AMX); elsewhere it is emulated."""
import argparse, json, os, re, subprocess, sys, textwrap

CODE = textwrap.dedent('''
    import json, sys, time, numpy as np, keras
    keras.mixed_precision.set_global_policy(sys.argv[1]); steps = int(sys.argv[2])
    from sr_course.recipes import RECIPES
    from sr_course.models.srresnet import srresnet
    cases = [(n, lambda n=n: RECIPES[n].build(3), 64, RECIPES[n].patch[3], 3, RECIPES[n].upsample) for n in RECIPES]
    cases.append(("srresnet (16x32, 3x3 tail)", lambda: srresnet(4, filters=32, tail_kernel=3), 16, 96, 4, "post"))
    cases.append(("srresnet (16x64, paper)", lambda: srresnet(4), 16, 96, 4, "post"))
    out = {}
    for name, build, batch, patch, s, up in cases:
        m = build(); m.compile(optimizer=keras.optimizers.Adam(1e-4), loss="mse")
        c = m.input_shape[-1]; side = patch if up == "pre" else patch // s
        x = np.random.rand(batch, side, side, c).astype("float32"); y = np.random.rand(batch, patch, patch, c).astype("float32")
        for _ in range(2): m.train_on_batch(x, y)
        t = time.perf_counter()
        for _ in range(steps): m.train_on_batch(x, y)
        out[name] = (time.perf_counter() - t) / steps
    print(json.dumps(out))
''')

def cpu_flags():
    try: txt = open("/proc/cpuinfo").read()
    except OSError: return "unknown"
    model = re.search(r"model name\s*:\s*(.*)", txt)
    flags = sorted(set(re.findall(r"\b(avx512_bf16|amx_bf16|avx512f|avx2)\b", txt)))
    return f"{model.group(1) if model else 'unknown CPU'}; {', '.join(flags) or 'no AVX2/AVX-512'}"

if __name__ == "__main__":
    ap = argparse.ArgumentParser(); ap.add_argument("--steps", type=int, default=5); a = ap.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    res = {}
    for pol in ("float32", "mixed_bfloat16"):
        r = subprocess.run([sys.executable, "-c", CODE, pol, str(a.steps)], env=env, capture_output=True, text=True)
        if r.returncode: sys.exit(r.stderr[-2000:])
        res[pol] = json.loads(r.stdout.strip().splitlines()[-1])
    print(f"CPU: {cpu_flags()}; {os.cpu_count()} cores; TensorFlow backend; {a.steps} timed steps after 2 warm-up")
    print("| model | batch | float32 ms/step | mixed_bfloat16 ms/step | bf16 / fp32 |")
    print("|---|---|---|---|---|")
    for k in res["float32"]:
        f, b = res["float32"][k] * 1e3, res["mixed_bfloat16"][k] * 1e3
        print(f"| {k} | {'16' if 'srresnet' in k else '64'} | {f:.0f} | {b:.0f} | {b / f:.2f} |")
