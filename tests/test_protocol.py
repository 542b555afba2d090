"Protocol fidelity: the bicubic baseline reproduces the published tables (REFERENCE.md section 2)."
import pytest
from sr_course.datasets import load_dataset
from sr_course.metrics import evaluate
from sr_course.resize import imresize

PUBLISHED = {"Set5": {2: 33.66, 3: 30.39, 4: 28.42}, "Set14": {2: 30.24, 3: 27.55, 4: 26.00}}

@pytest.mark.parametrize("name", ["Set5", "Set14"])
def test_bicubic_matches_published(name, data_dir):
    ds = load_dataset(name, root=data_dir)
    for s, ref in PUBLISHED[name].items():
        got = evaluate(lambda lr: imresize(lr, float(s)), ds, s).psnr.mean()
        assert abs(got - ref) < 0.05, f"{name} x{s}: bicubic {got:.3f} dB vs published {ref}"

def test_wrong_protocols_are_caught(data_dir):
    "The test above can fail: a non-antialiased LR moves Set5 x3 by about a dB."
    ds = load_dataset("Set5", root=data_dir)
    bad = evaluate(lambda lr: imresize(lr, 3.0), ds, 3, lr_fn=lambda hr: imresize(hr, 1 / 3, antialias=False)).psnr.mean()
    assert abs(bad - PUBLISHED["Set5"][3]) > 0.5
