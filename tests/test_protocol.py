"""Protocol fidelity: the bicubic baseline reproduces the published tables (SRCNN, Dong et al. 2014/2016), and the
package's table (`sr_course.bench.PUBLISHED`) holds those numbers."""
import pytest
from sr_course.datasets import load_dataset
from sr_course.metrics import evaluate
from sr_course.resize import imresize

PUBLISHED = {"Set5": {2: 33.66, 3: 30.39, 4: 28.42}, "Set14": {2: 30.24, 3: 27.55, 4: 26.00}}   # typed from the papers:
# an independent copy, so that an edit of the package's table cannot pass unnoticed

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

def test_package_table_holds_the_published_bicubic():
    "The one table in the package (what `sr-course bench`, the recipes chapter and Lesson 1 show) has the papers' bicubic rows."
    from sr_course.bench import PUBLISHED as TABLE, published
    for name, row in PUBLISHED.items():
        for s, ref in row.items():
            assert TABLE[("bicubic", name.lower(), s)] == ref, (name, s, TABLE.get(("bicubic", name.lower(), s)), ref)
            assert published("bicubic", name, s) == published("BICUBIC", name.upper(), s) == ref
    assert published("espcn", "Set5", 2) is None and published("bicubic", "no-such-set", 2) is None
    assert published("srcnn", "BSD100", 3) == published("srcnn", "B100", 3) == 28.41
