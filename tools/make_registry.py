"""Regenerate `sr_course/registry.tsv`, the dataset registry, from the data manifests.

    python tools/make_registry.py [DATA_DIR]

DATA_DIR (default `../shared/data` from the repository root) holds `MANIFEST.tsv` and `MANIFEST-not-here.tsv`, one
row per image: set, file, source_repo, source_commit, source_path, bytes, sha256, ... Each registry row gets the raw
GitHub URL pinned to the commit, so the file can be downloaded and verified byte for byte. DIV2K is registered as
two archives from its authors' server; no per-file checksums are published for it, so its rows carry the expected
number of PNG files (`count`) instead of a size and sha256. Only metadata is written, never image data.
"""
import csv, os, sys
from pathlib import Path

SETS = ["Set5", "Set14", "BSD100", "Urban100", "T91", "BSD200"]
ARCHIVES = [  # (set, url, number of PNG files inside)
    ("DIV2K_train_HR", "https://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_train_HR.zip", 800),
    ("DIV2K_valid_HR", "https://data.vision.ee.ethz.ch/cvl/DIV2K/DIV2K_valid_HR.zip", 100)]
COLUMNS = ["set", "file", "url", "bytes", "sha256", "count"]

def rows(data_dir):
    found = {}
    for name in ["MANIFEST.tsv", "MANIFEST-not-here.tsv"]:
        with open(Path(data_dir) / name, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f, delimiter="\t"):
                url = f"https://raw.githubusercontent.com/{r['source_repo']}/{r['source_commit']}/{r['source_path']}"
                found.setdefault(r["set"], []).append(
                    {"set": r["set"], "file": r["file"], "url": url, "bytes": int(r["bytes"]), "sha256": r["sha256"], "count": ""})
    missing = [s for s in SETS if s not in found]
    if missing: sys.exit(f"the manifests in {data_dir} have no rows for {', '.join(missing)}")
    out = []
    for s in SETS: out += sorted(found[s], key=lambda r: r["file"])
    for s, url, n in ARCHIVES:
        out.append({"set": s, "file": url.rsplit("/", 1)[1], "url": url, "bytes": "", "sha256": "", "count": n})
    return out

def main(data_dir=None, dest=None):
    root = Path(__file__).resolve().parents[1]
    data_dir = Path(data_dir or root.parent / "shared" / "data")
    dest = Path(dest or root / "sr_course" / "registry.tsv")
    rs = rows(data_dir)
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
            w.writeheader(); w.writerows(rs)
        os.replace(tmp, dest)
    finally:
        if tmp.exists(): tmp.unlink()
    counts = {}
    for r in rs: counts[r["set"]] = counts.get(r["set"], 0) + 1
    print(f"wrote {dest} ({len(rs)} rows): " + ", ".join(f"{k} {v}" for k, v in counts.items()))

if __name__ == "__main__":
    main(*sys.argv[1:2])
