import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]

def shared_data():
    "The standard sets: $SR_COURSE_DATA (first folder) or ../shared/data beside the repo; None if absent."
    for cand in (os.environ.get("SR_COURSE_DATA", "").split(os.pathsep)[0], ROOT.parent / "shared" / "data"):
        if cand and (Path(cand) / "Set5").is_dir(): return Path(cand)
    return None

@pytest.fixture
def data_dir():
    d = shared_data()
    if d is None: pytest.skip("standard test sets not available (set SR_COURSE_DATA)")
    return d

@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    "Tests never download: any attempt to open a non-local URL fails loudly."
    import urllib.request
    real = urllib.request.urlopen
    def guarded(url, *a, **k):
        u = url if isinstance(url, str) else url.full_url
        if not (u.startswith("file:") or "127.0.0.1" in u or "localhost" in u):
            raise RuntimeError(f"test tried to reach the network: {u}")
        return real(url, *a, **k)
    monkeypatch.setattr(urllib.request, "urlopen", guarded)
