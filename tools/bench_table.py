"""Print the README weights table (markdown) from `sr-course bench --json` output: quality JSON, optional speed JSON.

Usage: python tools/bench_table.py bench.json [speed.json]
"""
import json, sys
from sr_course.bench import PUBLISHED
recs = json.load(open(sys.argv[1]))
speed = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else []
sp = {(r["model"], r["scale"]): r["seconds"] for r in speed}
goal_src = {("espcn", 2): "fsrcnn"}
print("| model | scale | Set5 PSNR / SSIM | Set14 PSNR / SSIM | published (Set5 / Set14) | goal met (within 0.3 dB) | s/image (Set5, Set14) | s for 512x512 |")
print("|---|---|---|---|---|---|---|---|")
by = {(r["model"], r["dataset"].lower(), r["scale"]): r for r in recs}
models, scales = dict.fromkeys(r["model"] for r in recs), sorted({r["scale"] for r in recs})   # in the bench's order
for m in models:
    for s in scales:
        a, b = by.get((m, "set5", s)), by.get((m, "set14", s))
        if not a: continue
        src = goal_src.get((m, s), m)
        p5, p14 = PUBLISHED.get((src, "set5", s)), PUBLISHED.get((src, "set14", s))
        pub = "-" if p5 is None else f"{p5:.2f} / {p14:.2f}" + (f" ({src.upper()})" if src != m else "")
        if m == "bicubic" or p5 is None: ok = "-"
        else:
            g5, g14 = a["psnr"] - p5, b["psnr"] - p14
            ok = ("yes" if g5 >= -0.3 and g14 >= -0.3 else "no") + f" ({g5:+.2f} / {g14:+.2f})"
        sec = sp.get((m, s)); sec = "-" if sec is None else f"{sec:.3f}"
        print(f"| {m} | x{s} | {a['psnr']:.2f} / {a['ssim']:.4f} | {b['psnr']:.2f} / {b['ssim']:.4f} | {pub} | {ok} | {a['seconds']:.3f}, {b['seconds']:.3f} | {sec} |")
