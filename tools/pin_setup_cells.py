"""Pin every notebook's Colab setup cell to the release named by `settings.ini`'s `version`.

    python tools/pin_setup_cells.py          # rewrite the setup cells that are not pinned to v<version>
    python tools/pin_setup_cells.py --check  # list them and exit 1, changing nothing

The setup cell runs before sr_course is installed, so it cannot read the version from the package: it holds the
literal tag, `%pip install -q "sr_course @ git+<git_url>@v<version>"`. `settings.ini` stays the one place the version
is decided: after changing it (by hand or `nbdev_bump_version`), run this tool; `tests/test_setup_cells.py` fails
until every notebook matches. Only the install line changes; the rest of each notebook file is left byte for byte.
"""
import argparse, configparser, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

def settings(root=ROOT):
    cfg = configparser.ConfigParser(delimiters=["="]); cfg.read(Path(root) / "settings.ini", encoding="utf-8")
    return cfg["DEFAULT"]

def spec(root=ROOT):
    "The requirement the setup cells install: the package from git at tag `v<version>`."
    s = settings(root)
    return f"{s['lib_name']} @ git+{s['git_url']}@v{s['version']}"

def notebooks(root=ROOT):
    return sorted(p for p in (Path(root) / "nbs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

def pattern(root=ROOT):
    "The install line as it lies in the notebook's JSON (quotes escaped), at any tag or none."
    s = settings(root)
    return re.compile(r'(%pip install -q \\")' + re.escape(f"{s['lib_name']} @ git+{s['git_url']}") + r'(?:@[^\\"]*)?(\\")')

def pin_text(text, root=ROOT):
    "The notebook file's text with its setup cell pinned, and how many install lines it has."
    want = spec(root).replace("\\", "\\\\")
    return pattern(root).subn(lambda m: m.group(1) + want + m.group(2), text)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only report the notebooks that are not pinned; exit 1 if any")
    a = ap.parse_args(argv)
    want, stale, missing = spec(), [], []
    for p in notebooks():
        text = p.read_text(encoding="utf-8")
        new, n = pin_text(text)
        rel = p.relative_to(ROOT).as_posix()
        if n == 0: missing.append(rel); continue
        if new == text: continue
        stale.append(rel)
        if not a.check: p.write_text(new, encoding="utf-8")
    for rel in missing: print(f"{rel}: no Colab setup cell installing {want.split('@v')[0]}: add one (see nbs/library/00_core.ipynb)")
    if a.check:
        for rel in stale: print(f"{rel}: setup cell is not pinned to {want}: run python tools/pin_setup_cells.py")
        return 1 if stale or missing else 0
    print(f"pinned {len(stale)} notebook(s) to {want}" + (f"; {len(missing)} without a setup cell" if missing else ""))
    return 1 if missing else 0

if __name__ == "__main__":
    sys.exit(main())
