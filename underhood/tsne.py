"""Layers as embeddings: t-SNE (van der Maaten and Hinton, "Visualizing data using t-SNE", JMLR 2008).

"The t-Distributed Stochastic Neighbor Embedding (t-SNE) ... optimizes with SGD the y_i s so that
the distances to close neighbors of each point are preserved." The lecture calls scikit-learn's

    y_np = TSNE(n_components = 2, perplexity = 50).fit_transform(x_np)

which is one of the two engines here; the other, openTSNE (Policar et al. 2019, FFT-accelerated
interpolation of the repulsive forces, Linderman et al. 2019), gives the same kind of map faster
on ten thousand points. PCA is beside it for the swiss roll, and a k-NN accuracy in the 2-D map
measures how well the classes separate.
"""
import numpy as np

ENGINES = ("opentsne", "sklearn")
# openTSNE's own choice ('auto') is exact below 1,000 points and Annoy's approximate search above:
# on 2,000 points of 16,384 dimensions Annoy takes 22 s and the exact search 3 s (bench/tsne.py).
EXACT_NEIGHBOURS = 10000


def tsne(x, perplexity=50, engine="opentsne", seed=0, n_jobs=1, n_iter=None):
    """2-D t-SNE of the points x (N x D, any float array); returns an N x 2 float32 array.

    perplexity  "[crudely] how many points are considered neighbors of each point" (default 50, the lecture's)
    engine      'opentsne' (default; FFT-accelerated gradients, PCA initialization made the same on
                every CPU: pca_initialization; exact nearest neighbours up to EXACT_NEIGHBOURS points,
                openTSNE's approximate ones above) or 'sklearn'
                (scikit-learn's Barnes-Hut TSNE, PCA initialization), both seeded
    seed        random state of the engine (neighbour search, optimization)
    n_jobs      threads (default 1)
    n_iter      gradient steps in all, early exaggeration included (default: the engine's own,
                openTSNE 250 + 500, scikit-learn 1000; scikit-learn takes at least 250)"""
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32).reshape(len(x), -1))
    if len(x) <= 3 * perplexity:
        raise ValueError(f"t-SNE with perplexity {perplexity} needs more than {3 * perplexity} points, got {len(x)}")
    if engine == "opentsne":
        from openTSNE import TSNE

        steps = {} if n_iter is None else dict(early_exaggeration_iter=n_iter // 4, n_iter=n_iter - n_iter // 4)
        neighbors = "exact" if len(x) <= EXACT_NEIGHBOURS else "auto"
        y = TSNE(n_components=2, perplexity=perplexity, negative_gradient_method="fft", neighbors=neighbors,
                 initialization=pca_initialization(x), random_state=seed, n_jobs=n_jobs, **steps).fit(x)
        return np.asarray(y, dtype=np.float32)
    if engine == "sklearn":
        from sklearn.manifold import TSNE

        steps = {} if n_iter is None else dict(max_iter=max(250, n_iter))
        y = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed, n_jobs=n_jobs,
                 **steps).fit_transform(x)
        return y.astype(np.float32)
    raise ValueError(f"t-SNE engine {engine!r} is not one of {', '.join(ENGINES)}")


def pca_initialization(x, std=1e-4):
    """openTSNE's PCA initialization (the first two principal components, scaled to a standard
    deviation of `std` along the first), made independent of the CPU: computed in float64, signs fixed
    (each component's largest coordinate positive), then rounded to float32. A float32 SVD (openTSNE's
    default) runs the BLAS kernels of the CPU at hand, whose last bits differ between instruction
    sets, and t-SNE amplifies that into another layout; float64 differences do not survive the rounding."""
    y = _top_components64(x, 2)
    y = y * np.sign(y[np.abs(y).argmax(0), [0, 1]])
    y = y / y[:, 0].std() * std
    return y.astype(np.float32).astype(np.float64)


def _top_components64(x, k):
    """The coordinates of x on its first k principal components, in float64, signs arbitrary: the
    eigenvectors of the smaller of the covariance (D x D) and the Gram matrix (N x N). On 2,000 points
    of 16,384 dimensions the Gram matrix takes 2 s where a full SVD takes 19 s."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    x = x - x.mean(0)
    n, d = x.shape
    if d <= n:
        w, v = np.linalg.eigh(x.T @ x)
        return x @ v[:, ::-1][:, :k]
    w, u = np.linalg.eigh(x @ x.T)
    w, u = w[::-1][:k], u[:, ::-1][:, :k]
    return u * np.sqrt(np.maximum(w, 0))


def _pca64(x, n_components):
    from sklearn.decomposition import PCA

    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return PCA(n_components=n_components, svd_solver="full").fit_transform(x)


def pca(x, n_components=2):
    """The projection on the first principal components (what t-SNE is compared with)."""
    return _pca64(x, n_components).astype(np.float32)


def knn_accuracy(y, labels, k=10):
    """Class separation in a map: the leave-one-out accuracy of a k-nearest-neighbour vote
    (majority of the k nearest other points, ties to the smallest label). 1/classes = no separation."""
    from sklearn.neighbors import NearestNeighbors

    y, labels = np.asarray(y, dtype=np.float64), np.asarray(labels)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(y).kneighbors(y)
    votes = labels[idx[:, 1:]]  # drop each point itself
    nb = labels.max() + 1
    counts = np.stack([(votes == c).sum(1) for c in range(nb)], 1)
    return float((counts.argmax(1) == labels).mean())
