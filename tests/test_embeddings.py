"""t-SNE engines, the class-separation score against scikit-learn's k-NN classifier, and the claim of
the t-SNE figures on the shared test run: classes separate more with depth."""
import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs
from sklearn.model_selection import LeaveOneOut, cross_val_predict
from sklearn.neighbors import KNeighborsClassifier

from underhood import io, tsne


@pytest.mark.parametrize("engine,n_iter", [("opentsne", 250), ("sklearn", 500)])  # short runs: a unit test
def test_tsne_engines_are_seeded_and_keep_clusters_apart(engine, n_iter):
    x, labels = make_blobs(200, n_features=20, centers=4, cluster_std=1.0, random_state=0)
    y = tsne.tsne(x, perplexity=20, engine=engine, seed=0, n_iter=n_iter)
    assert y.shape == (200, 2) and y.dtype == np.float32 and np.isfinite(y).all()
    np.testing.assert_array_equal(y, tsne.tsne(x, perplexity=20, engine=engine, seed=0, n_iter=n_iter))
    assert tsne.knn_accuracy(y, labels) >= 0.95


def test_tsne_bad_arguments():
    with pytest.raises(ValueError, match="opentsne, sklearn"):
        tsne.tsne(np.zeros((200, 3)), engine="umap")
    with pytest.raises(ValueError, match="perplexity 50 needs more than 150 points, got 100"):
        tsne.tsne(np.zeros((100, 3)), perplexity=50)


def test_knn_accuracy_is_leave_one_out_knn():
    rng = np.random.default_rng(0)
    y = rng.normal(size=(150, 2))
    labels = (y[:, 0] + 0.8 * rng.normal(size=150) > 0).astype(int) + 2 * (y[:, 1] > 0.5)
    ref = cross_val_predict(KNeighborsClassifier(n_neighbors=10), y, labels, cv=LeaveOneOut())
    assert tsne.knn_accuracy(y, labels, k=10) == pytest.approx((ref == labels).mean())


def test_pca_of_a_flat_cloud_keeps_its_plane():
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(0, 5, 300), rng.normal(0, 2, 300), rng.normal(0, 0.01, 300)]
    p = tsne.pca(x)
    assert p.shape == (300, 2)
    np.testing.assert_allclose(np.abs(np.corrcoef(p[:, 0], x[:, 0])[0, 1]), 1, atol=1e-3)


def test_pca_initialization_is_the_first_two_components_scaled():
    """openTSNE's PCA initialization, computed in float64 (same bits on every CPU): the principal
    components up to their sign, the first with standard deviation 1e-4; both Gram-matrix sides."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(0)
    for shape in [(300, 5), (40, 200)]:
        x = (rng.normal(size=shape) * np.linspace(5, 1, shape[1])).astype(np.float32)
        y = tsne.pca_initialization(x)
        ref = PCA(2, svd_solver="full").fit_transform(x.astype(np.float64))
        ref = ref / ref[:, 0].std() * 1e-4
        np.testing.assert_allclose(np.abs(y), np.abs(ref), rtol=1e-5, atol=1e-11)
        assert y.dtype == np.float64 and np.array_equal(y, y.astype(np.float32))
        assert (y[np.abs(y).argmax(0), [0, 1]] > 0).all()
