"""Docs pre-render without Quarto: what `nbdev_proc_nbs` does, minus its Quarto download (these machines are offline).
Runs nbdev's processors over every notebook (show_doc cells executed, links resolved) into _proc/; fails on any error."""
import sys
from pathlib import Path
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.doclinks import _build_modidx
from nbdev.serve import proc_nbs

def main():
    cfg = get_config()
    refresh_quarto_yml()
    qy = cfg.nbs_path / "_quarto.yml"
    if not (qy.is_symlink() and qy.resolve() == (cfg.config_path / "_quarto.yml").resolve()):
        sys.exit("nbs/_quarto.yml must be a symlink to the top-level _quarto.yml (the one place the site is configured)")
    _build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)
    cache = proc_nbs(cfg.nbs_path, n_workers=2, force=True)
    nbs = sorted(str(p.relative_to(cfg.nbs_path)) for p in cfg.nbs_path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    done = sorted(str(p.relative_to(cache)) for p in Path(cache).rglob("*.ipynb"))
    missing = set(nbs) - set(done)
    if missing: sys.exit(f"docs pre-render failed for: {', '.join(sorted(missing))}")
    print(f"docs pre-render: {len(done)} notebooks processed into {cache}")

if __name__ == "__main__": main()
