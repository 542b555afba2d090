"""Train the course's own feature network (the offline substitute for VGG in Lesson 5) and ship it:
`python tools/train_feature_net.py [--steps 1500] [--sets T91 BSD200] [--out sr_course/weights]`.

It trains `sr_course.perceptual.course_network` to classify patches of the 291 set as sharp, bicubic-upscaled (x2,
x4), blurred, noisy or JPEG-compressed (defaults: 1500 steps of 32 patches of 32x32, minutes on a CPU; on a GPU try `--steps 20000
--batch-size 64 --patch 48`), then writes `course_features.weights.h5` and its `features.json` entry (sha256 and the
run's record) into `--out`, atomically. The sets are found like every other command's ($SR_COURSE_DATA, the cache),
and downloaded if missing. See nbs/library/07a_perceptual.ipynb."""
import argparse, os, sys

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=1500, help="training steps (default 1500)")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--patch", type=int, default=32, help="patch side in pixels (default 32)")
    ap.add_argument("--sets", nargs="+", default=["T91", "BSD200"], help="training sets (their images are cut into patches)")
    ap.add_argument("--out", default=None, help="weights folder (default: the package's sr_course/weights/)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lr", type=float, default=1e-3, help="Adam's initial rate, cosine-decayed (default 1e-3)")
    a = ap.parse_args(argv)
    from sr_course.datasets import load_dataset
    from sr_course.perceptual import train_course_network, save_course_network
    images, names = [], []
    for s in a.sets:
        ds = load_dataset(s, download=True)
        images += [im for _, im in ds.items()]; names.append(ds.name)
    print(f"training the course feature network on {len(images)} images ({', '.join(names)}), {a.steps} steps", flush=True)
    net, rec = train_course_network(images, steps=a.steps, batch_size=a.batch_size, patch=a.patch, lr=a.lr, seed=a.seed, verbose=2)
    rec["data"] = names
    rec["command"] = "python tools/train_feature_net.py " + " ".join(argv if argv is not None else sys.argv[1:])
    path = save_course_network(net, rec, a.out)
    print(f"wrote {path}: accuracy on fresh patches {rec['fresh_patch_accuracy']:.1%} (chance {rec['chance']:.2%}), "
          f"{rec['wall_seconds'] / 60:.1f} min")

if __name__ == "__main__": main()
