"""The nine shipped recipes train exactly as recorded: seed 0 gives the same first 20 losses (to 1e-6) as the record in
tests/data/replay.json, made by `python tools/record_replay.py tests/data/replay.json` before the recipes were redesigned."""
import importlib.util, json
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
REC = json.loads((ROOT / "tests" / "data" / "replay.json").read_text())

def _recorder():
    spec = importlib.util.spec_from_file_location("record_replay", ROOT / "tools" / "record_replay.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod

@pytest.mark.parametrize("model", ["srcnn", "fsrcnn", "espcn"])
def test_recipes_replay_their_recorded_losses(model):
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != REC["backend"]: pytest.skip(f"recorded on {REC['backend']}")
    from sr_course.recipes import train_recipe
    got = _recorder().record(train_recipe, [(model, s) for s in (2, 3, 4)])
    for k, v in got.items():
        want = REC["losses"][k]
        assert len(v) == len(want) == REC["steps"], k
        worst = max(abs(a - b) for a, b in zip(v, want))
        assert worst < 1e-6, f"{k}: the first {REC['steps']} losses differ from the record by up to {worst:.2e}"
