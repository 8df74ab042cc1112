"""Cache one 2-D embedding: t-SNE of one layer of an activation cache ('input' = the images), or
t-SNE and PCA of the swiss roll with one noise dimension."""
import argparse
import time

import numpy as np
import torch

from underhood import data, io, tsne
from underhood.cli import one_line_errors

one_line_errors()  # the project's own errors end with one line, not a traceback

p = argparse.ArgumentParser(description=__doc__)
src = p.add_mutually_exclusive_group(required=True)
src.add_argument("--cache", help="activation cache written by scripts/activations.py")
src.add_argument("--swiss-roll", type=int, metavar="N", help="N points of the swiss roll instead")
p.add_argument("--layer", default="input", help="layer of the cache, or 'input' (default)")
p.add_argument("--noise", type=float, default=0.0, help="swiss roll: noise of make_swiss_roll")
p.add_argument("--noise-dim-std", type=float, default=None,
               help="swiss roll: rescale the noise dimension to this std (default: as data.swiss_roll draws it)")
p.add_argument("--engine", choices=tsne.ENGINES, required=True)
p.add_argument("--perplexity", type=float, required=True)
p.add_argument("--seed", type=int, required=True)
p.add_argument("--threads", type=int, required=True)
p.add_argument("output")
a = p.parse_args()

io.seed_all(a.seed, a.threads)
start = time.time()
if a.swiss_roll:
    x, t = data.swiss_roll(a.swiss_roll, a.noise, a.seed)
    if a.noise_dim_std is not None:
        x[:, 3] *= a.noise_dim_std / x[:, 3].std()
    y = tsne.tsne(x, a.perplexity, a.engine, a.seed, a.threads)
    T = torch.from_numpy
    io.save_torch(dict(x=T(x), t=T(t), tsne=T(y), pca=T(tsne.pca(x)), engine=a.engine, perplexity=a.perplexity), a.output)
else:
    c = io.load_torch(a.cache)
    if a.layer == "input":
        x = data.as_float(c["images"]).numpy()
    elif a.layer in c["layers"]:
        x = c["layers"][a.layer].float().numpy()
    else:
        raise SystemExit(f"layer {a.layer!r} is not in {a.cache}; it holds input, {', '.join(c['layers'])}")
    labels = c["labels"].numpy()
    y = tsne.tsne(x, a.perplexity, a.engine, a.seed, a.threads)
    knn = tsne.knn_accuracy(y, labels)
    io.save_torch(dict(y=torch.from_numpy(y), labels=torch.from_numpy(labels), classes=c["classes"], layer=a.layer, shape=list(x.shape[1:]),
                       dims=int(np.prod(x.shape[1:])), knn_accuracy=knn, engine=a.engine,
                       perplexity=a.perplexity), a.output)
    print(f"{a.layer}: {len(x)} points of {int(np.prod(x.shape[1:]))} dims, 10-NN accuracy in the map {knn:.3f}")
print(f"t-SNE ({a.engine}) in {time.time() - start:.1f} s")
