"""Execute notebooks in place so their committed outputs come from a real run:
`SR_COURSE_DATA=../shared/data python tools/run_nbs.py nbs/lessons/01_interpolation.ipynb ...` (quick mode unless SR_COURSE_QUICK=0).
TensorFlow's start-up log lines are dropped from the outputs, `#| eval: false` cells (hints, solutions) are emptied,
widget state is not stored, then `nbdev_clean` runs."""
import os, re, subprocess, sys, json

NOISE = re.compile(r"absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|rebuild TensorFlow with the appropriate"
                   r"|^To enable the following instructions|^I0000 ")

def strip_noise(path):
    nb = json.load(open(path))
    for c in nb["cells"]:
        if re.match(r"\s*#\|\s*eval:\s*false", "".join(c.get("source", ""))):   # nbdev never runs these: keep them empty
            c["outputs"], c["execution_count"] = [], None; continue
        outs = []
        for o in c.get("outputs", []):
            if o.get("output_type") == "stream" and o.get("name") == "stderr":
                keep = [l for l in "".join(o["text"]).splitlines(keepends=True) if not NOISE.search(l)]
                if not "".join(keep).strip(): continue
                o["text"] = keep
            outs.append(o)
        if "outputs" in c: c["outputs"] = outs
    with open(path, "w") as fh: json.dump(nb, fh, indent=1, ensure_ascii=False); fh.write("\n")

def main(paths):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    if env.get("SR_COURSE_DATA"): env["SR_COURSE_DATA"] = os.path.abspath(env["SR_COURSE_DATA"])  # notebooks run in nbs/
    for p in paths:
        d, f = os.path.split(os.path.abspath(p))
        subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute", "--inplace",
                        "--ExecutePreprocessor.timeout=1200", "--ExecutePreprocessor.store_widget_state=False", f],
                       cwd=d, env=env, check=True)
        strip_noise(p)
        subprocess.run(["nbdev_clean", "--fname", p], check=True)
        print("executed", p)

if __name__ == "__main__": main(sys.argv[1:])
