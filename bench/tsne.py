"""Wall time of the t-SNE step for openTSNE (FFT-accelerated) and scikit-learn's TSNE on the same
features, side by side (perplexity 50, one thread unless --threads, 2-D).

Features: an activation cache of the workflow (--cache cache/lecture/activations/lenet-mnist.pt
--layer classifier.2, ...) or, by default, a synthetic stand-in: 10 Gaussian classes in 64 dims.

    .venv/bin/python bench/tsne.py                 # 10,000 points
    .venv/bin/python bench/tsne.py --points 2000   # fewer
    .venv/bin/python bench/tsne.py --steps --cache cache/embedded/activations/resnet_cifar-shapes32.pt --layer relu
                                                   # openTSNE's steps: PCA initialization, neighbours, optimization
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from underhood import io, tsne  # noqa: E402

p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
p.add_argument("--points", type=int, default=10000)
p.add_argument("--cache", default=None, help="activation cache (scripts/activations.py) to take features from")
p.add_argument("--layer", default="input", help="layer of --cache, or 'input'")
p.add_argument("--dims", type=int, default=64, help="synthetic features: dimension")
p.add_argument("--perplexity", type=float, default=50)
p.add_argument("--engines", nargs="+", default=list(tsne.ENGINES), choices=tsne.ENGINES)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--steps", action="store_true",
               help="time openTSNE's steps instead, each way it can be done (what underhood.tsne picks)")
a = p.parse_args()

if a.cache:
    c = io.load_torch(a.cache)
    x = (c["images"].float() / 255 if a.layer == "input" else c["layers"][a.layer].float()).flatten(1).numpy()
    labels = c["labels"].numpy()
    x, labels = x[:a.points], labels[:a.points]
    source = f"{a.cache} {a.layer}"
else:
    from sklearn.datasets import make_blobs

    x, labels = make_blobs(a.points, n_features=a.dims, centers=10, cluster_std=4.0, random_state=a.seed)
    x = x.astype(np.float32)
    source = f"10 Gaussian classes in {a.dims} dims"

print(f"features: {source}: {x.shape[0]} points x {x.shape[1]} dims; perplexity {a.perplexity:g}; "
      f"{a.threads} thread(s)", flush=True)


def timed(f):
    start = time.perf_counter()
    out = f()
    return out, time.perf_counter() - start


if a.steps:
    from openTSNE import TSNEEmbedding, affinity
    from sklearn.decomposition import PCA

    _, t_svd = timed(lambda: PCA(2, svd_solver="full").fit_transform(x.astype(np.float64)))
    init, t_gram = timed(lambda: tsne.pca_initialization(x))
    nn = {m: timed(lambda: affinity.PerplexityBasedNN(x, perplexity=a.perplexity, method=m, n_jobs=a.threads,
                                                     random_state=a.seed, verbose=False)) for m in ("annoy", "exact")}

    def optimize():
        e = TSNEEmbedding(init, nn["exact"][0], negative_gradient_method="fft", n_jobs=a.threads, random_state=a.seed)
        return e.optimize(250, exaggeration=12, momentum=0.5).optimize(500, momentum=0.8)

    _, t_opt = timed(optimize)
    chosen = "exact" if len(x) <= tsne.EXACT_NEIGHBOURS else "annoy"
    print("\n| step | way | wall time (s) | underhood.tsne |\n|---|---|---:|---|")
    for step, way, t, used in [("PCA initialization", "full SVD (scikit-learn, float64)", t_svd, ""),
                               ("PCA initialization", "eigenvectors of the Gram / covariance matrix (float64)", t_gram, "yes"),
                               ("neighbours", "Annoy (openTSNE's 'auto' above 1,000 points)", nn["annoy"][1], "yes" * (chosen == "annoy")),
                               ("neighbours", "exact", nn["exact"][1], "yes" * (chosen == "exact")),
                               ("optimization", "250 + 500 FFT-accelerated steps", t_opt, "yes")]:
        print(f"| {step} | {way} | {t:.1f} | {used} |")
    sys.exit()

rows = []
for engine in a.engines:
    start = time.perf_counter()
    y = tsne.tsne(x, a.perplexity, engine, a.seed, a.threads)
    rows.append((engine, time.perf_counter() - start, tsne.knn_accuracy(y, labels)))
    print(f"  {engine}: {rows[-1][1]:.1f} s", flush=True)

print()
print("| engine | points | dims | wall time (s) | 10-NN accuracy in the map |")
print("|---|---:|---:|---:|---:|")
for engine, s, acc in rows:
    print(f"| {engine} | {x.shape[0]} | {x.shape[1]} | {s:.1f} | {acc:.3f} |")
if len(rows) == 2:
    print(f"\nopenTSNE / scikit-learn wall time: {rows[0][1] / rows[1][1]:.2f}")
