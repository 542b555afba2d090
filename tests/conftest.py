import os, socket
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

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

def _local_url(u): return u.startswith("file:") or any(h in u for h in LOCAL_HOSTS)

def _local_host(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in LOCAL_HOSTS or host.startswith("127.")

@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    "Tests never download: urllib, requests (what pooch uses) and raw sockets refuse any address but this machine's."
    import urllib.request
    real = urllib.request.urlopen
    def guarded(url, *a, **k):
        u = url if isinstance(url, str) else url.full_url
        if not _local_url(u): raise RuntimeError(f"test tried to reach the network: {u}")
        return real(url, *a, **k)
    monkeypatch.setattr(urllib.request, "urlopen", guarded)
    try: import requests.adapters
    except ImportError: requests = None
    if requests is not None:
        send = requests.adapters.HTTPAdapter.send
        def guarded_send(self, request, *a, **k):
            if not _local_url(request.url): raise RuntimeError(f"test tried to reach the network: {request.url}")
            return send(self, request, *a, **k)
        monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", guarded_send)
    connect, getaddrinfo = socket.socket.connect, socket.getaddrinfo
    def guarded_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _local_host(address[0]):
            raise RuntimeError(f"test tried to reach the network: {address}")
        return connect(self, address)
    def guarded_getaddrinfo(host, *a, **k):
        if host is not None and not _local_host(host): raise RuntimeError(f"test tried to look up a host name: {host}")
        return getaddrinfo(host, *a, **k)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)

@pytest.fixture
def weights_tmp(tmp_path, monkeypatch):
    "An empty package weights folder: nothing is published for real; the zoo is re-registered before and after."
    from sr_course import zoo, recipes
    d = tmp_path / "weights"; d.mkdir()
    monkeypatch.setattr(zoo, "weights_dir", lambda: d)
    zoo._CACHE.clear(); recipes.register_course_models()
    yield d
    monkeypatch.undo(); zoo._CACHE.clear(); recipes.register_course_models()
