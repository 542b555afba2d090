"""Record the first 20 training losses of every shipped recipe (seed 0, on scikit-image's bundled samples):
`python tools/record_replay.py tests/data/replay.json`. The replay test re-runs each recipe and compares."""
import json, sys, tempfile
import keras
from sr_course.datasets import sample_images
from sr_course import train as _train

IMAGES = ["astronaut", "coffee", "chelsea", "rocket"]
STEPS = 20

class BatchLosses(keras.callbacks.Callback):
    def __init__(self): super().__init__(); self.losses = []
    def on_train_batch_end(self, batch, logs=None): self.losses.append(float(logs["loss"]))

def record(train_recipe, names):
    imgs = [im for _, im in sample_images(IMAGES).items()]
    out, orig = {}, _train.fit
    for name, scale in names:
        cb = BatchLosses()
        def fit(*a, callbacks=(), **k): return orig(*a, callbacks=[*callbacks, cb], **k)
        with tempfile.TemporaryDirectory() as d:
            _train.fit = fit
            try: train_recipe(name, scale, out_dir=d, epochs=1, steps=STEPS, images=(imgs, {}), verbose=0,
                              precision="float32")   # the record is float32; 'auto' is bf16 on some CPUs
            finally: _train.fit = orig
        out[f"{name}_x{scale}"] = cb.losses
        print(name, scale, cb.losses[:3], cb.losses[-1], flush=True)
    return out

if __name__ == "__main__":
    import sr_course.recipes as R
    names = [(n, s) for n in ("srcnn", "fsrcnn", "espcn") for s in (2, 3, 4)]
    res = record(R.train_recipe, names)
    json.dump({"images": IMAGES, "steps": STEPS, "keras": keras.__version__, "backend": keras.backend.backend(),
               "losses": res}, open(sys.argv[1], "w"), indent=1)
