"""Author notebooks as jupytext percent scripts: `python tools/nbpy.py to-nb SRC.py nbs/NN_name.ipynb`
converts a script to a notebook with the course's Colab metadata (GPU runtime); `to-py NB SRC.py` goes back."""
import sys, jupytext, nbformat

COLAB_META = {"accelerator": "GPU", "colab": {"provenance": [], "gpuType": "T4"}, "gpuClass": "standard",
              "kernelspec": {"display_name": "python3", "language": "python", "name": "python3"}}

def to_nb(src, dst):
    nb = jupytext.read(src, fmt="py:percent")
    old = nbformat.read(dst, as_version=4) if __import__("os").path.exists(dst) else None
    nb.metadata = dict(COLAB_META)
    if old is not None:  # keep the ids (and, for code, the outputs) of unchanged cells: stable exports, real outputs kept
        prev = {(c.cell_type, c.source): c for c in old.cells}
        for c in nb.cells:
            o = prev.get((c.cell_type, c.source))
            if o is None: continue
            if "id" in o: c["id"] = o["id"]
            if c.cell_type == "code": c.outputs = o.get("outputs", [])
    for c in nb.cells:
        c.metadata = {}
        if c.cell_type == "code": c.setdefault("outputs", []); c.setdefault("execution_count", None)
    nbformat.write(nb, dst)

def to_py(src, dst): jupytext.write(jupytext.read(src), dst, fmt="py:percent")

if __name__ == "__main__":
    cmd, a, b = sys.argv[1:4]
    {"to-nb": to_nb, "to-py": to_py}[cmd](a, b)
