"""D. Around an input: the images the methods explain, cached: shapes test scenes (--data, --indices;
embedded tier) or photos (scikit-image's or JPEG/PNG files), their shorter side resized to --size and
centre-cropped (--photos; lecture tier)."""
import argparse

from underhood import io
from underhood.cli import one_line_errors
from underhood.photo import photo_batch, photo_name

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
p.add_argument("output")
which = p.add_mutually_exclusive_group(required=True)
which.add_argument("--photos", nargs="+", help="scikit-image photo names or JPEG/PNG files")
which.add_argument("--data", help="a data set file (its test split)")
p.add_argument("--indices", type=int, nargs="+", default=[], help="with --data: test-set indices")
p.add_argument("--size", type=int, help="with --photos: side in pixels")
a = p.parse_args()

if a.photos:
    if a.size is None:
        p.error("--photos needs --size")
    x, names = photo_batch(a.photos, a.size), [photo_name(e) for e in a.photos]
else:
    d = io.load_torch(a.data)
    bad = [i for i in a.indices if not 0 <= i < len(d["test_x"])]
    if bad or not a.indices:
        raise SystemExit(f"images: indices {bad or a.indices} must be test-set indices in 0..{len(d['test_x']) - 1}")
    x = d["test_x"][a.indices].clone()
    names = [d["classes"][d["test_y"][i]] for i in a.indices]
io.save_torch(dict(images=x, names=names), a.output)
print(f"{len(x)} images {tuple(x.shape[1:])}: {', '.join(names)}")
