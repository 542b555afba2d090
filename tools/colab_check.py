"""Run the course the way a learner on Colab does: Colab's own stack, then `pip install sr_course` (no `[dev]`).

    python tools/colab_check.py                          # every notebook in nbs/lessons and nbs/library
    python tools/colab_check.py --only 01_degrade --only 02_metrics
    python tools/colab_check.py --keep-venv /tmp/colab-venv --json colab.json

A benchmark, not a CI test: it downloads TensorFlow and friends into a fresh venv (minutes) and executes every notebook
top to bottom in a real Jupyter kernel (nbclient), which takes long on a CPU. Steps:

1. `python -m venv` in a temp dir (or `--keep-venv DIR`, created once and reused: the stack is installed only once);
2. Colab's own stack, unpinned: TensorFlow (`--tf`, default `tensorflow` as on Colab, else `tensorflow-cpu`), keras,
   numpy, matplotlib, scikit-image, ipywidgets, pandas, jupyter, nbclient, ipykernel;
3. a wheel built from this checkout (`pip wheel --no-deps .`), installed without extras, as the setup cells install
   the tagged release: so pip resolves the package's `requirements` against that stack, as it does on Colab;
4. each notebook in a kernel registered from that venv (`ipykernel install --prefix`), every cell run in order (Colab
   knows no nbdev flags, so `#| eval: false` cells run too), from an empty working folder (like `/content`).

The kernels see none of the caller's environment that Colab lacks: no PYTHONPATH (the checkout is never imported), no
IN_TEST, no SR_COURSE_DATA or SR_COURSE_CACHE (so the lessons use the bundled sample images, offline), a fresh HOME;
SR_COURSE_QUICK=1 forces quick mode (what a CPU-only Colab runtime gets anyway). Prints a table (notebook, result,
seconds, first error line); `--json FILE` also writes it as JSON. Exit status 1 if any notebook failed.
The tool itself needs only the standard library; run it niced on a shared machine (`nice -n 10 python ...`).
"""
import argparse, fnmatch, json, os, shutil, signal, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("lessons", "library")
STACK = "keras numpy matplotlib scikit-image ipywidgets pandas jupyter nbclient ipykernel".split()
KERNEL = "sr-course-colab"
REPORT = "tensorflow tensorflow-cpu keras numpy scikit-image matplotlib pandas sr_course nbdev fastcore execnb".split()
DROP = {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "IN_TEST", "SR_COURSE_DATA", "SR_COURSE_CACHE", "SR_COURSE_QUICK",
        "KERAS_BACKEND", "KERAS_HOME", "JUPYTER_PATH", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR",
        "MPLBACKEND", "MPLCONFIGDIR", "CUDA_VISIBLE_DEVICES"}

RUNNER = r'''
import json, re, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
path, cwd, timeout, kernel = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
nb = nbformat.read(path, as_version=4)
code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
client = NotebookClient(nb, timeout=timeout, kernel_name=kernel, resources={"metadata": {"path": cwd}})
err, t0 = None, time.time()
try: client.execute()
except CellExecutionError as e:
    bad = [(i, o) for i in code for o in nb.cells[i].get("outputs", []) if o.get("output_type") == "error"]
    where = f"cell {bad[0][0]}" if bad else "a cell"
    err = f"{where}: {e.ename}: {e.evalue}".strip()
    if bad and not str(e.evalue).strip():         # a bare assert: say which line
        tb = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(bad[0][1].get("traceback", [])))
        at = [l.split("---->", 1)[1].strip() for l in tb.splitlines() if "---->" in l]
        if at: err += f" at `{re.sub(r'^[0-9]+ ', '', at[-1])[:100]}`"
except CellTimeoutError as e: err = f"timeout: a cell ran past {timeout} s"
except DeadKernelError as e: err = f"the kernel died: {e}"
except Exception as e: err = f"{type(e).__name__}: {e}"
out = {"ok": err is None, "seconds": round(time.time() - t0, 1), "cells": len(code), "error": err}
if sys.argv[5:]: nbformat.write(nb, sys.argv[5])
print("@@RESULT@@" + json.dumps(out))
'''

def log(*a): print(*a, flush=True)

def notebooks(only):
    "The notebooks to run, relative to nbs/, in reading order; `only` patterns match a substring or a glob."
    nbs = [p.relative_to(ROOT / "nbs").as_posix() for g in GROUPS for p in sorted((ROOT / "nbs" / g).glob("*.ipynb"))]
    pats = [p for o in only for p in o.split(",") if p]
    if pats: nbs = [n for n in nbs if any(p in n or fnmatch.fnmatch(n, p) for p in pats)]
    if not nbs: sys.exit(f"colab_check: no notebook in nbs/{{{','.join(GROUPS)}}} matches --only {' '.join(pats)}: "
                         "give part of a name, e.g. --only 01_degrade")
    return nbs

def clean_env(venv, home=None, **extra):
    "The caller's environment less what Colab lacks, with the venv first on PATH."
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    old = os.environ.get("VIRTUAL_ENV")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not (old and p.startswith(old))]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    if home: env["HOME"] = str(home)
    env.update(extra)
    return env

def sh(cmd, env, logf, what, cwd=None):
    "Run `cmd`, output to `logf`; exit with its last lines if it fails."
    with open(logf, "a") as f:
        f.write(f"\n$ {' '.join(map(str, cmd))}\n"); f.flush()
        r = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode:
        tail = Path(logf).read_text().splitlines()[-15:]
        sys.exit(f"colab_check: {what} failed (exit {r.returncode}); last lines of {logf}:\n" + "\n".join(tail))

def install_stack(venv, py, env, logf, tf):
    "Colab's own packages, unpinned: TensorFlow first (falling back to tensorflow-cpu), then the rest."
    choices = [tf] if tf else ["tensorflow", "tensorflow-cpu"]
    for i, name in enumerate(choices):
        log(f"  installing {name} + {' '.join(STACK)} (pip; minutes the first time)")
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--progress-bar", "off", name, *STACK], env=env,
                           stdout=open(logf, "a"), stderr=subprocess.STDOUT)
        if r.returncode == 0: return name
        if i + 1 < len(choices): log(f"  {name} did not install (see {logf}); trying {choices[i + 1]}")
    sys.exit(f"colab_check: could not install {' or '.join(choices)} into {venv}: see {logf}")

def setup_venv(venv, work, tf, fresh):
    "Create (or reuse) the venv, install the stack, a wheel of this checkout and the kernel; return (python, versions)."
    py, logf = venv / "bin" / "python", work / "pip.log"
    env = clean_env(venv)
    marker = venv / ".colab_stack"
    if fresh or not py.exists():
        log(f"creating venv {venv}")
        sh([sys.executable, "-m", "venv", venv], clean_env(venv), logf, "python -m venv")
    if not marker.exists():
        marker.write_text(install_stack(venv, py, env, logf, tf))
    else: log(f"  reusing the stack in {venv} ({marker.read_text()})")
    log("  building a wheel of this checkout (pip wheel --no-deps .)")
    whl = work / "wheel"
    shutil.rmtree(whl, ignore_errors=True)
    sh([py, "-m", "pip", "wheel", "-q", "--no-deps", "-w", whl, ROOT], env, logf, "building the wheel", cwd=work)
    wheel = next(whl.glob("sr_course-*.whl"))
    log(f"  installing {wheel.name} without extras, as the setup cells do")
    sh([py, "-m", "pip", "uninstall", "-y", "-q", "sr_course"], env, logf, "uninstalling an old sr_course")
    sh([py, "-m", "pip", "install", "-q", "--progress-bar", "off", wheel], env, logf, "installing the wheel")
    sh([py, "-m", "ipykernel", "install", "--prefix", venv, "--name", KERNEL, "--display-name", "sr_course (Colab check)"],
       env, logf, "registering the kernel")
    (work / "runner.py").write_text(RUNNER)
    q = "import importlib.metadata as m, json\nv = {}\nfor n in %r:\n    try: v[n] = m.version(n)\n    except Exception: pass\nprint(json.dumps(v))" % REPORT
    vers = json.loads(subprocess.run([str(py), "-c", q], env=env, capture_output=True, text=True, check=True).stdout)
    return py, vers

def run_one(py, nb, work, timeout, keep_out):
    "Execute one notebook in its own runner (its own kernel) from an empty folder; a dict result."
    cwd, home = work / "content" / Path(nb).stem, work / "home"
    shutil.rmtree(cwd, ignore_errors=True); cwd.mkdir(parents=True); home.mkdir(exist_ok=True)
    env = clean_env(py.parent.parent, home=home, SR_COURSE_QUICK="1", TF_CPP_MIN_LOG_LEVEL="3")
    cmd = [str(py), str(work / "runner.py"), str(ROOT / "nbs" / nb), str(cwd), str(timeout), KERNEL]
    if keep_out: cmd.append(str(Path(keep_out) / Path(nb).name))
    t0 = time.time()
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    try: out, _ = p.communicate(timeout=timeout + 60)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL); p.communicate()
        return {"ok": False, "seconds": round(time.time() - t0, 1), "cells": None, "error": f"timeout: past {timeout} s"}
    for line in reversed(out.splitlines()):
        if line.startswith("@@RESULT@@"): return json.loads(line[len("@@RESULT@@"):])
    last = [l for l in out.splitlines() if l.strip()][-1:] or [f"exit {p.returncode}"]
    return {"ok": False, "seconds": round(time.time() - t0, 1), "cells": None, "error": f"runner failed: {last[0]}"}

def probe(py, work):
    "Check the kernel is the venv's and imports the installed sr_course, not the checkout; stop if not."
    nb = work / "probe.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
        "source": "import os, sys, sr_course\nassert os.path.realpath(sys.prefix) == %r, sys.prefix\n"
                  "assert %r not in sr_course.__file__, sr_course.__file__" % (os.path.realpath(py.parent.parent), str(ROOT))}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    env = clean_env(py.parent.parent, home=work / "home")
    (work / "home").mkdir(exist_ok=True)
    r = subprocess.run([str(py), str(work / "runner.py"), str(nb), str(work), "120", KERNEL], env=env, cwd=work,
                       capture_output=True, text=True)
    res = [json.loads(l[10:]) for l in r.stdout.splitlines() if l.startswith("@@RESULT@@")]
    if not res or not res[0]["ok"]:
        sys.exit(f"colab_check: the kernel is not the venv's own or sees the checkout: {res[0]['error'] if res else r.stdout[-500:]}")

def table(results):
    w = max(len(r["notebook"]) for r in results)
    lines = [f"{'notebook':<{w}}  result  seconds  first error", f"{'-' * w}  ------  -------  -----------"]
    for r in results:
        err = (r["error"] or "").splitlines()[0][:140] if r["error"] else ""
        lines.append(f"{r['notebook']:<{w}}  {'pass' if r['ok'] else 'FAIL':<6}  {r['seconds']:>7.1f}  {err}")
    n = sum(r["ok"] for r in results)
    lines.append(f"{n} passed, {len(results) - n} failed")
    return "\n".join(lines)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[], metavar="PATTERN",
                    help="run the notebooks whose nbs/-relative path contains PATTERN (or matches it as a glob); repeatable")
    ap.add_argument("--keep-venv", metavar="DIR", help="create the venv in DIR and keep it; reuse it (and its stack) next time")
    ap.add_argument("--tf", choices=["tensorflow", "tensorflow-cpu"], help="the TensorFlow package (default: tensorflow, else tensorflow-cpu)")
    ap.add_argument("--timeout", type=int, default=900, metavar="S", help="seconds allowed per notebook (default 900)")
    ap.add_argument("--json", metavar="FILE", help="also write the results (and the package versions) as JSON")
    ap.add_argument("--keep-outputs", metavar="DIR", help="write each executed notebook into DIR")
    a = ap.parse_args(argv)
    if a.timeout < 1: ap.error(f"--timeout {a.timeout}: give a positive number of seconds")
    nbs = notebooks(a.only)
    work = Path(tempfile.mkdtemp(prefix="sr_course_colab_"))
    venv = Path(a.keep_venv).expanduser().resolve() if a.keep_venv else work / "venv"
    if a.keep_outputs: Path(a.keep_outputs).mkdir(parents=True, exist_ok=True)
    log(f"colab_check: {len(nbs)} notebook(s); work folder {work}")
    try:
        py, vers = setup_venv(venv, work, a.tf, fresh=not a.keep_venv)
        log("  versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
        probe(py, work)
        results = []
        for nb in nbs:
            r = {"notebook": nb, **run_one(py, nb, work, a.timeout, a.keep_outputs)}
            results.append(r)
            log(f"  {nb}: {'pass' if r['ok'] else 'FAIL'} in {r['seconds']:.1f} s" + (f" ({r['error'].splitlines()[0][:150]})" if r["error"] else ""))
        log(""); log(table(results))
        if a.json:
            Path(a.json).write_text(json.dumps({"versions": vers, "python": sys.version.split()[0], "quick": True,
                                                "timeout_s": a.timeout, "results": results}, indent=1) + "\n")
            log(f"wrote {a.json}")
        return 0 if all(r["ok"] for r in results) else 1
    finally: shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
