"""The lecture smoke run: every lecture-tier figure built end to end, downloads included, from stand-in
files in the real formats (tests/standins.py) served on 127.0.0.1, with tests/config.lecture-smoke.yaml
shrinking the compute. What can be checked without the real weights is checked: every figure exists,
nothing was fetched twice, the classes are ImageNet's, the layers and shapes torchvision's, and the
224x224 maps are drawn at full size."""
import re

import pytest
import torchvision
import yaml

from conftest import ROOT, TEST_CONFIG, TEST_FIGURES, _workdir, jobs_run, snakemake
import standins

SMOKE_CONFIG = ROOT / "tests" / "config.lecture-smoke.yaml"


@pytest.fixture(scope="session")
def lecture(tmp_path_factory):
    """The workdir of the smoke run, after every lecture-tier figure was built; (workdir, stdout)."""
    work = _workdir(tmp_path_factory, "lecture-smoke")
    with standins.served(work / "served") as downloads:
        (work / "standins.yaml").write_text(yaml.safe_dump(downloads))
        # the server's port changes between test sessions: a kept workdir reruns by file times only
        r = snakemake(work, "--rerun-triggers", "mtime", configfiles=[TEST_CONFIG, SMOKE_CONFIG, work / "standins.yaml"])
    return work, r.stdout


def test_every_lecture_figure_is_built(lecture):
    work, _ = lecture
    built = {p.stem for p in (work / "figures" / "lecture").glob("*.png")}
    assert set(TEST_FIGURES) <= built, f"missing: {sorted(set(TEST_FIGURES) - built)}"
    for fid in TEST_FIGURES:
        assert (work / "figures" / "lecture" / f"{fid}.png").stat().st_size > 5000, fid


def test_downloads_are_checked_and_kept(lecture):
    work, _ = lecture
    downloads = work / "cache" / "lecture" / "downloads"
    for name in {**standins.WEIGHTS, **standins.MNIST, **standins.CIFAR}.values():
        assert (downloads / name).read_bytes() == (work / "served" / name).read_bytes(), name
    # a second run has nothing left to do: no download again
    r = snakemake(work, "-n", "--rerun-triggers", "mtime",
                  configfiles=[TEST_CONFIG, SMOKE_CONFIG, work / "standins.yaml"])
    assert not jobs_run(r.stdout), r.stdout[-2000:]


def test_classes_are_imagenet_categories(lecture):
    work, _ = lecture
    categories = torchvision.models.AlexNet_Weights.IMAGENET1K_V1.meta["categories"]
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())["figures"]
    table = (work / "figures" / "lecture" / "adversarial-alexnet.csv").read_text()
    named = [c for c in categories if c in table]
    assert named, f"no ImageNet category in the adversarial table:\n{table}"
    for key in ("max_response", "fooling"):
        for c in cfg[key]["classes"]["lecture"]:
            assert c in categories, (key, c)
    log = (work / "logs" / "lecture" / "synthesis" / "fooling.log").read_text()
    for c in cfg["fooling"]["classes"]["lecture"]:
        assert c in log, f"fooling: {c!r} not in its log"


def test_layers_and_shapes_are_torchvision(lecture):
    work, _ = lecture
    logs = work / "logs" / "lecture" / "figures"
    assert "features.0: weights (64, 3, 11, 11)" in (logs / "alexnet-conv1-filters-rgb.log").read_text()
    assert "features.3: weights (192, 64, 5, 5)" in (logs / "alexnet-conv2-filters.log").read_text()


PANEL = re.compile(r"^panel \d+ .*: map (\d+)x(\d+) drawn at (\d+)x(\d+) px$")


def test_224_pixel_maps_are_drawn_at_full_size(lecture):
    """Every 224x224 map (photos, gradients, occlusion, SmoothGrad, deconvolution, max-response
    images) is drawn on at least 224x224 figure pixels: from each figure's log (matplotlib's panel
    boxes) and, independently, from the PNG's own size for figures of known layout."""
    from PIL import Image

    work, _ = lecture
    full = {}
    for log in sorted((work / "logs" / "lecture" / "figures").glob("*.log")):
        for line in log.read_text().splitlines():
            if m := PANEL.match(line):
                h, w, dh, dw = map(int, m.groups())
                if max(h, w) >= 224:
                    full.setdefault(log.stem, []).append((h, w, dh, dw))
                    assert dh >= h and dw >= w, f"{log.stem}: a {h}x{w} map drawn at {dh}x{dw} px"
    for fid in ("occlusion-vgg19", "saliency-vgg19", "smoothgrad-vgg19", "backprop-deconv-guided-vgg16",
                "max-response-vgg16-classes", "adversarial-alexnet", "saliency-alexnet"):
        assert fid in full, f"{fid}: no 224x224 panel in its log"
    # the PNGs: the photos side by side, and 8 class images of VGG16 in rows of up to 5
    photos = yaml.safe_load(SMOKE_CONFIG.read_text())["figures"]["around_input"]["images"]["lecture"]
    width, _ = Image.open(work / "figures/lecture/occlusion-originals.png").size
    assert width >= len(photos) * 224, (width, photos)
    width, height = Image.open(work / "figures/lecture/max-response-vgg16-classes.png").size
    assert width >= 4 * 224 and height >= 2 * 224, (width, height)


def test_lecture_gallery_and_provenance(lecture):
    """The default target's gallery and MANIFEST.json of the lecture tier: every figure, each made from
    the downloads behind it (followed through the caches), their sums the pinned ones."""
    import json

    work, _ = lecture
    folder = work / "figures" / "lecture"
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert {f["figure"] for f in manifest["figures"]} == set(TEST_FIGURES)
    page = (folder / "index.html").read_text()
    assert all(f'<article id="{fid}">' in page for fid in TEST_FIGURES)
    pinned = {e["name"]: e["sha256"] for e in
              yaml.safe_load((work / "standins.yaml").read_text())["downloads"]["files"].values()}
    files = next(f for f in manifest["figures"] if f["figure"] == "occlusion-vgg19")["files"]
    downloads = {p.rsplit("/", 1)[1]: s for p, s in files.items() if "/downloads/" in p}
    assert len(downloads) == 1 and all(pinned[n] == s for n, s in downloads.items()), files
