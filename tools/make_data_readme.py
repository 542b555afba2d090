"""Write `data/README.md`, the guide to the project's local data folder, from the dataset registry.

    python tools/make_data_readme.py

Every registered set gets a row (files, size, source pinned to a commit, licence) and its sha256 manifest, in the
format `sha256sum -c` reads from inside `data/`. Re-run it whenever `sr_course/registry.tsv` changes
(`tools/make_registry.py`); `tests/test_data.py` checks that the README lists the registry. Only metadata is
written, never image data.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from sr_course.datasets import registry, SAMPLE_IMAGES   # noqa: E402
from sr_course.core import atomic_path                    # noqa: E402

ABOUT = {  # set -> (what it is, licence as its authors state it)
    "Set5": ("5 test images (Bevilacqua et al., BMVC 2012)", "research and teaching use; no licence published by the authors"),
    "Set14": ("14 test images (Zeyde et al., 2010); includes `lenna`, which the course never shows",
              "research and teaching use; no licence published by the authors"),
    "BSD100": ("100 test images, the BSDS300 test split (Martin et al., ICCV 2001)", "BSDS: non-commercial research use"),
    "Urban100": ("100 test images of buildings (Huang et al., CVPR 2015)", "research use; no licence published by the authors"),
    "T91": ("91 training images (Yang et al., 2010), the SRCNN training set", "research use; no licence published by the authors"),
    "BSD200": ("200 training images, the BSDS300 training split; with T91 the classic '291' set", "BSDS: non-commercial research use"),
    "DIV2K_train_HR": ("800 2K training images (Agustsson and Timofte, NTIRE 2017)", "academic research use only (DIV2K terms)"),
    "DIV2K_valid_HR": ("100 2K validation images (NTIRE 2017)", "academic research use only (DIV2K terms)"),
}

def source(url):
    p = url.split("/")
    return f"`{p[3]}/{p[4]}` at commit `{p[5][:12]}`" if "raw.githubusercontent.com" in url else f"<{url}>"

def text():
    reg = registry()
    missing = [k for k in reg if k not in ABOUT]
    if missing: sys.exit(f"tools/make_data_readme.py: describe {', '.join(missing)} in ABOUT first")
    out = ["# data/", "",
           "The project's local data folder. In a clone of this repository, `sr_course` downloads datasets here (one",
           "folder per set, e.g. `data/Set5/`) and looks for them here; everything in it but this README is git-ignored.",
           "An installed package (`pip install sr_course`) uses `~/.cache/sr_course` instead (`/content/sr_course_data` on",
           "Colab). This file is made by `tools/make_data_readme.py` from the registry, `sr_course/registry.tsv`.", "",
           "## Getting a set", "",
           "```sh",
           "sr-course data list               # the registered sets, and which are here",
           "sr-course data download Set5      # fetch into data/Set5/, keeping each file only if its size and sha256 match",
           "sr-course data verify Set5        # check a copy against the registry",
           "```", "",
           "In Python: `sr_course.datasets.download(\"Set5\")`, or `load_dataset(\"Set5\", download=True)`.",
           "Already have the sets? Point the course at them instead of downloading: `SR_COURSE_DATA=/path/to/sets`",
           "(a folder holding `Set5/`, `Set14/`, ...; several folders separated by `:`). It is searched before this folder,",
           "and every set is verified against the registry before use. `SR_COURSE_CACHE` moves the download folder itself.", "",
           "Offline, with nothing downloaded, the course uses its embedded default: scikit-image's bundled sample images",
           f"({', '.join(SAMPLE_IMAGES)}; public domain or CC0, some with no known copyright restrictions, as scikit-image",
           "documents each). Lessons fall back to them with a one-line notice (`get_dataset`).", "",
           "## Registered sets", "",
           "| set | files | MB | what | source | licence |", "|---|---|---|---|---|---|"]
    for name, rows in reg.items():
        arch = len(rows) == 1 and rows[0]["count"] is not None
        n = rows[0]["count"] if arch else len(rows)
        mb = f"{sum(r['bytes'] or 0 for r in rows) / 1e6:.1f}" if not arch else "?"
        what, lic = ABOUT[name]
        out.append(f"| {name} | {n}{' (zip)' if arch else ''} | {mb} | {what} | {source(rows[0]['url'])} | {lic} |")
    out += ["", "The benchmark sets are distributed for research and teaching; using them does not make them part of this",
            "project, and they are never committed to it. DIV2K comes as zip archives from its authors' server, which",
            "publishes no checksums: there the check is that the archive is intact (zip CRCs) and holds the expected number",
            "of PNG files.", "", "## sha256 manifests", "",
            "One block per set, in the format of `sha256sum -c` run from this folder (e.g. `sha256sum -c --ignore-missing`",
            "on a block saved to a file). The same values are in `sr_course/registry.tsv`, which `verify` uses.", ""]
    for name, rows in reg.items():
        if not any(r["sha256"] for r in rows): continue
        out += [f"<details><summary>{name} ({len(rows)} files)</summary>", "", "```"]
        out += [f"{r['sha256']}  {name}/{r['file']}" for r in rows if r["sha256"]]
        out += ["```", "", "</details>", ""]
    return "\n".join(out).rstrip("\n") + "\n"

def main():
    dest = ROOT / "data" / "README.md"
    dest.parent.mkdir(exist_ok=True)
    with atomic_path(dest) as tmp: tmp.write_text(text(), encoding="utf-8")
    print(f"wrote {dest.relative_to(ROOT)}")

if __name__ == "__main__":
    main()
