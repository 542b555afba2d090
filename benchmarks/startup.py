"""Start-up time of the Keras-free paths, each in a fresh process: `python benchmarks/startup.py [--runs 5]`.
Prints the median wall time of `sr-course data list` (run as the console script runs it: `sr_course.cli.main()` with
the command line `data list`) and of `python -c "import sr_course.metrics"`, for the sr_course that `python` imports
here (set PYTHONPATH to time another tree), and whether Keras got loaded. Wall times on a shared machine are noisy:
compare medians from the same machine and moment."""
import argparse, os, statistics, subprocess, sys, tempfile, time

CLI = "import sys; from sr_course.cli import main; sys.argv = ['sr-course', 'data', 'list']; sys.exit(main())"
CASES = {"sr-course data list": [sys.executable, "-c", CLI],
         "import sr_course.metrics": [sys.executable, "-c", "import sr_course.metrics"]}
WHERE = [sys.executable, "-c", "import sys, sr_course, sr_course.metrics; from sr_course.cli import main; main(['data', 'list']); "
         "print(sr_course.__file__, '(keras loaded)' if 'keras' in sys.modules else '(no keras)')"]

def wall(cmd, env, cwd):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    dt = time.perf_counter() - t
    if r.returncode: sys.exit(f"{' '.join(cmd)} failed (exit {r.returncode}):\n{r.stderr[-2000:]}")
    return dt

def main(runs=5):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    cwd = tempfile.mkdtemp()           # an empty folder: `-m`/`-c` put the working folder first on sys.path
    print(subprocess.run(WHERE, env=env, cwd=cwd, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    for name, cmd in CASES.items():
        times = [wall(cmd, env, cwd) for _ in range(runs)]
        print(f"{name:26s} median {statistics.median(times):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in times)})")

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="fresh processes per command (the median is printed)")
    main(p.parse_args().runs)
