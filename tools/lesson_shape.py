"""Which parts of the course's lesson shape each notebook has: `python tools/lesson_shape.py [--markdown]`.

The shape (see the course home): a title and one-line summary; the Colab badge and setup cell; a "What you will
learn" list; a figure (a saved image output: the picture before the numbers); a summary of what to remember; further
reading; a linked "Next". It also counts checked exercises (`.check(` calls in code cells). Lessons (`nbs/lessons/`)
need every part; exercise notebooks (`*a_*_exercises`) and toolkit chapters (`nbs/library/`) need all but further
reading, and the figure is asked of lessons and of the chapters that draw (`FIGURE_CHAPTERS`). `--markdown` prints
the table for a note; the exit status is 1 if a notebook misses a part it needs (tests/test_notebooks.py runs it).
"""
import json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = ["title", "badge", "setup", "objectives", "figure", "summary", "reading", "next"]
FIGURE_CHAPTERS = {"01_degrade", "02_metrics", "03_images", "03a_datasets", "03b_pairs", "04_viz", "09_train",
                   "10_recipes", "12_upscale"}


def parts(path) -> dict:
    "The parts of the lesson shape a notebook has (True/False each) and its count of checked exercises."
    cells = json.loads(Path(path).read_text())["cells"]
    src = ["".join(c["source"]) for c in cells]
    md = [s for c, s in zip(cells, src) if c["cell_type"] == "markdown"]
    code = [s for c, s in zip(cells, src) if c["cell_type"] == "code"]
    first = src[0] if src else ""
    has_png = any("image/png" in o.get("data", {}) for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []))
    return {
        "title": bool(re.match(r"#\s+\S", first)) and bool(re.search(r"^>\s+\S", first, re.M)),
        "badge": any("colab-badge.svg" in s for s in md),
        "setup": any("google.colab" in s and "pip install" in s for s in code),
        "objectives": any(re.search(r"What you will learn|What this notebook checks", s) for s in md),
        "figure": has_png,
        "summary": any(re.search(r"^#+\s*(Summary|What to remember)", s, re.M) for s in md),
        "reading": any(re.search(r"^#+\s*Further reading", s, re.M) for s in md),
        "next": any(re.search(r"Next\b[^\n]*\]\([^)]+\.ipynb", s) for s in md),
        "exercises": sum(len(re.findall(r"\.check\(", s)) for s in code if "#| export" not in s),
    }


def needed(path) -> list:
    "The parts a notebook must have, by its kind."
    p = Path(path); stem = p.stem
    if p.parent.name == "lessons" and "_exercises" not in stem: return PARTS
    need = [x for x in PARTS if x not in ("reading", "figure")]
    if p.parent.name == "library" and stem in FIGURE_CHAPTERS: need.append("figure")
    return need


def notebooks():
    return sorted((ROOT / "nbs" / "lessons").glob("*.ipynb")) + sorted((ROOT / "nbs" / "library").glob("*.ipynb"))


def table():
    rows = []
    for nb in notebooks():
        got, need = parts(nb), needed(nb)
        rows.append({"notebook": f"{nb.parent.name}/{nb.stem}", **got, "missing": [x for x in need if not got[x]],
                     "needed": need})
    return rows


if __name__ == "__main__":
    rows = table()
    mark = lambda r, x: ("yes" if r[x] else "NO" if x in r["needed"] else "-")
    if "--markdown" in sys.argv:
        print("| notebook | " + " | ".join(PARTS) + " | checked exercises |")
        print("|---" * (len(PARTS) + 2) + "|")
        for r in rows: print(f"| {r['notebook']} | " + " | ".join(mark(r, x) for x in PARTS) + f" | {r['exercises']} |")
    else:
        print(f"{'notebook':38}" + "".join(f"{x:>11}" for x in PARTS) + f"{'exercises':>11}")
        for r in rows: print(f"{r['notebook']:38}" + "".join(f"{mark(r, x):>11}" for x in PARTS) + f"{r['exercises']:>11}")
    bad = [r for r in rows if r["missing"]]
    for r in bad: print(f"{r['notebook']}: missing {', '.join(r['missing'])}", file=sys.stderr)
    sys.exit(1 if bad else 0)
