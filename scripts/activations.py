"""Cache the activations of chosen layers of one model on one input set (one batched forward pass
with forward hooks): the first N test samples of a cached data set, photos (scikit-image's or files), or the
face / non-face patches of lfw_subset. Every activation and t-SNE figure reads this file."""
import argparse

import numpy as np
import torch

from underhood import activations, data, io, photo
from underhood.cli import add_model_args, load_model, one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
add_model_args(p)
p.add_argument("--inputs", required=True, help="a cached data set (.pt, its test split), 'photos' or 'lfw'")
p.add_argument("--photos", nargs="*", default=photo.PHOTOS,
               help="scikit-image photo names or JPEG/PNG files (with --inputs photos): central square, resized")
p.add_argument("--nb-samples", type=int, default=None, help="first N test samples (default: all)")
p.add_argument("--layers", nargs="+", required=True, help="layer names, as torchvision names them")
p.add_argument("--batch-size", type=int, default=256)
p.add_argument("--float32", action="store_true", help="store float32 (default float16)")
p.add_argument("--device", required=True)
p.add_argument("--threads", type=int, required=True)
p.add_argument("--seed", type=int, required=True)
p.add_argument("output")
a = p.parse_args()

model, info, space = load_model(a)
size = info["input_size"][-1]


if a.inputs == "photos":
    ph, names = photo.photos(a.photos)
    images, labels, classes = photo.square_crops(ph, size), torch.zeros(len(ph), dtype=torch.long), ["photo"]
elif a.inputs == "lfw":
    x, y = data.faces()
    images = photo.square_crops([(im * 255).round().astype(np.uint8) for im in x], size)
    labels, classes, names = torch.from_numpy(y).long(), ["non-face", "face"], [f"lfw {i}" for i in range(len(y))]
elif a.inputs.endswith(".pt"):
    d = io.load_torch(a.inputs)
    n = min(a.nb_samples or len(d["test_y"]), len(d["test_y"]))
    images, labels, classes = d["test_x"][:n], d["test_y"][:n], d["classes"]
    names = [f"test {i}" for i in range(n)]
else:
    raise SystemExit(f"--inputs {a.inputs!r}: expected a cached data set (.pt), 'photos' or 'lfw'")
if tuple(images.shape[1:]) != tuple(info["input_size"]) and a.inputs.endswith(".pt"):
    raise SystemExit(f"{a.inputs}: images {tuple(images.shape[1:])}, but the model takes {tuple(info['input_size'])}")

x = space.to_input(data.as_float(images))
acts = activations.activations(model, x, a.layers, a.batch_size, space.device,
                               torch.float32 if a.float32 else torch.float16)
io.save_torch(dict(images=images, labels=labels, classes=list(classes), names=names, layers=acts,
                   mean=info["mean"], std=info["std"], model=a.model), a.output)
for k, v in acts.items():
    print(f"{k}: {tuple(v.shape)}")
print(f"{len(images)} inputs -> {a.output}")
