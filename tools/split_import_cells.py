"""Split notebook cells that mix imports with other code: `python tools/split_import_cells.py [--check] [NB ...]`.

nbdev's docs renderer executes every cell that contains an import (to make `show_doc` work) and skips the rest, so a
cell like `from x import f` + `y = f(data)` runs there without the cells that define `data` and fails the docs build.
nbdev's FAQ: keep imports in cells of their own. This tool moves a cell's imports into a new cell just above it (with the
cell's `#|` directives, so a hidden cell's imports stay hidden); the rest keeps the outputs. `--check` only lists them."""
import ast, json, sys, uuid
from pathlib import Path

IMPORTS = (ast.Import, ast.ImportFrom)
SHOWN = {"export", "exports", "exporti", "exec_doc"}  # cells nbdev runs anyway, whatever they hold

def _directives(lines): return [l for l in lines if l.startswith("#|")]

def mixed(source):
    "The top-level import nodes of `source` when the cell also holds other code (else None)."
    lines = source.splitlines()
    dirs = _directives(lines)
    keys = {d[2:].strip().split(":")[0].split()[0] for d in dirs if d[2:].strip()}
    if keys & SHOWN or any(d.replace(" ", "") in ("#|eval:false", "#|eval:False") for d in dirs): return None
    if lines and lines[0].startswith(("%", "!")): return None
    try: tree = ast.parse(source)
    except SyntaxError: return None
    if not any(isinstance(n, IMPORTS) for n in ast.walk(tree)): return None
    if all(isinstance(t, IMPORTS) for t in tree.body): return None
    nested = [n for t in tree.body if not isinstance(t, IMPORTS) for n in ast.walk(t) if isinstance(n, IMPORTS)]
    if nested: raise ValueError(f"an import inside a block, move it to the top by hand:\n{source}")
    return [t for t in tree.body if isinstance(t, IMPORTS)]

def split(source):
    "(imports cell source, rest cell source) for a mixed cell."
    lines = source.splitlines()
    imp_lines = set()
    for n in mixed(source): imp_lines.update(range(n.lineno - 1, n.end_lineno))
    dirs = _directives(lines)
    imps = [lines[i] for i in sorted(imp_lines)]
    rest = [l for i, l in enumerate(lines) if i not in imp_lines and not l.startswith("#|")]
    while rest and not rest[0].strip(): rest.pop(0)
    while rest and not rest[-1].strip(): rest.pop()
    return "\n".join(dirs + imps), "\n".join(dirs + rest)

def _src(c): return "".join(c["source"]) if isinstance(c["source"], list) else c["source"]

def fix(path, check=False):
    "Split the mixed cells of one notebook; returns how many there were."
    nb = json.loads(Path(path).read_text())
    out, n = [], 0
    for c in nb["cells"]:
        if c["cell_type"] == "code" and mixed(_src(c)):
            n += 1
            if check: print(f"{path}: cell mixes imports and code: {_src(c).splitlines()[0][:80]!r}")
            imp, rest = split(_src(c))
            new = {"cell_type": "code", "execution_count": None, "id": uuid.uuid4().hex[:8], "metadata": {},
                   "outputs": [], "source": imp.splitlines(keepends=True)}
            c["source"] = rest.splitlines(keepends=True)
            out.append(new)
        out.append(c)
    if n and not check:
        nb["cells"] = out
        tmp = Path(path).with_suffix(".ipynb.tmp")
        tmp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return n

if __name__ == "__main__":
    args = sys.argv[1:]
    check = "--check" in args
    paths = [a for a in args if a != "--check"] or sorted(str(p) for p in Path("nbs").rglob("*.ipynb")
                                                          if ".ipynb_checkpoints" not in p.parts)
    total = sum(fix(p, check) for p in paths)
    print(f"{total} cell(s) mixing imports and code" + ("" if check else " split"))
    sys.exit(1 if check and total else 0)
