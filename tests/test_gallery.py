"""Issue 14: vector output (PDF, SVG), each figure's provenance (in the file, and MANIFEST.json) and
the gallery figures/<tier>/index.html, opened in headless Chromium (installed with apt-get where
missing, as the SLURM test installs SLURM; skipped with the reason where that fails). Built from
the shared fixture run (conftest.figures): nothing is trained."""
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from datetime import datetime, timezone

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, TEST_CONFIG, TEST_FIGURES, snakemake

PROVENANCE_KEYS = {"figure", "tier", "files", "seed", "config", "versions", "commit", "date"}


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def commit_date():
    t = subprocess.run(["git", "-C", str(ROOT), "log", "-1", "--format=%ct"], capture_output=True, text=True).stdout
    return datetime.fromtimestamp(int(t), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if t.strip() else None


# ---------------------------------------------------------------- provenance

def test_every_figure_carries_its_provenance(figures, workdir):
    from underhood import provenance

    date = os.environ.get("SOURCE_DATE_EPOCH")
    date = (datetime.fromtimestamp(int(date), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if date else commit_date())
    for fid in TEST_FIGURES:
        facts = provenance.read(figures / f"{fid}.png")
        assert set(facts) == PROVENANCE_KEYS, fid
        assert facts["figure"] == fid and facts["tier"] == "embedded"
        assert facts["date"] == date, (fid, facts["date"])  # SOURCE_DATE_EPOCH: the last commit's time
        assert set(json.loads(facts["versions"])) == {"torch", "torchvision", "underhood"}
        for path, digest in json.loads(facts["files"]).items():
            assert sha256(workdir / path) == digest, (fid, path)
    files = lambda fid: json.loads(provenance.read(figures / f"{fid}.png")["files"])  # noqa: E731
    # the files behind a figure, through the caches between them: the model and the data set
    assert {"cache/embedded/models/vgg_small-shapes64.pt", "cache/embedded/data/shapes64.pt",
            "cache/embedded/attributions/occlusion-vgg19.pt"} <= set(files("occlusion-vgg19"))
    assert set(files("lenet-conv1-filters")) == {"cache/embedded/models/lenet-digits28.pt"}
    assert files("toy-hidden-lines") == {} and provenance.read(figures / "toy-hidden-lines.png")["seed"] == "0"
    # the config digest: the same for the same jobs, another for other jobs
    config = {fid: provenance.read(figures / f"{fid}.png")["config"] for fid in TEST_FIGURES}
    assert config["dynamics-activations"] == config["dynamics-scenes"]  # one job draws both
    assert len(set(config.values())) == len(TEST_FIGURES) - 1


def test_manifest_lists_every_figure_in_the_lecture_order(gallery):
    folder = gallery.parent
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    ids = [f["figure"] for f in manifest["figures"]]
    assert sorted(ids) == sorted(TEST_FIGURES)
    assert ids[0] == "toy-hidden-lines" and ids[-1] == "dilation-diagram"
    letters = [f"{ids.index(a):02d}" for a in ("lenet-conv1-filters", "lenet-activations", "tsne-swiss-roll",
                                                  "occlusion-vgg19", "max-response-noprior", "dilation-sizes")]
    assert letters == sorted(letters)
    for f in manifest["figures"]:
        assert PROVENANCE_KEYS <= set(f)
        assert f["outputs"][f"{f['figure']}.png"] == sha256(folder / f"{f['figure']}.png")
        assert f["wall_s"]["figure"] > 0 and f["wall_s_total"] >= f["wall_s"]["figure"]
    occlusion = next(f for f in manifest["figures"] if f["figure"] == "occlusion-vgg19")
    assert "cache/embedded/attributions/occlusion-vgg19.pt" in occlusion["wall_s"]  # the jobs behind it
    assert "occlusion-vgg19.csv" not in occlusion["outputs"] and "dilation-sizes.csv" in manifest["figures"][-2]["outputs"]


# ---------------------------------------------------------------- PDF and SVG

def pdf_pages(data):
    return [tuple(map(float, m.groups())) for m in
            re.finditer(rb"/MediaBox \[ *0 +0 +([0-9.]+) +([0-9.]+) *\]", data)]


FAST = ["toy-hidden-lines", "dilation-diagram", "dilation-sizes"]


@pytest.fixture(scope="module")
def vector_run(tmp_path_factory, figures):
    work = tmp_path_factory.mktemp("formats")
    (work / "formats.yaml").write_text("formats: [png, pdf, svg]\n")
    snakemake(work, *[f"figures/embedded/{f}.png" for f in FAST], configfiles=[TEST_CONFIG, work / "formats.yaml"])
    return work / "figures" / "embedded"


@pytest.mark.parametrize("fid", FAST)
def test_pdf_and_svg_are_the_figure(vector_run, figures, fid):
    from underhood import provenance

    png, pdf, svg = (vector_run / f"{fid}.{ext}" for ext in ("png", "pdf", "svg"))
    # the PNG is the default run's, to the byte (pixels and provenance): the formats change nothing in it
    assert png.read_bytes() == (figures / f"{fid}.png").read_bytes()
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    im = Image.open(png)
    dpi = im.info["dpi"][0]
    (w, h), = pdf_pages(data)  # one page, the PNG's size in points
    assert abs(w - im.size[0] * 72 / dpi) <= 72 / dpi and abs(h - im.size[1] * 72 / dpi) <= 72 / dpi
    assert b"/FontFile2" in data and b"/FontFile " not in data and b"/Type3" not in data  # TrueType (Type 42)
    assert provenance.read(pdf) == provenance.read(png)
    assert svg.read_text().lstrip().startswith("<?xml") and f'"figure": "{fid}"' in svg.read_text()
    if shutil.which("pdftoppm"):  # rendered at the PNG's dpi, it looks like the PNG
        subprocess.run(["pdftoppm", "-r", str(round(dpi)), "-png", "-singlefile", str(pdf), str(vector_run / f"{fid}-pdf")],
                       check=True)
        rendered = vector_run / f"{fid}-pdf.png"
        assert abs(Image.open(rendered).size[0] - im.size[0]) <= 1 and abs(Image.open(rendered).size[1] - im.size[1]) <= 1


def test_vector_images_keep_their_native_resolution(tmp_path, monkeypatch):
    """A 15x20 mosaic (e.g. filters) is embedded in the PDF as 15x20 pixels, not resampled; the PNG is
    drawn as before, nearest-neighbour."""
    from underhood import plot

    import matplotlib.pyplot as plt

    from underhood import io

    # a map shrunk in the PNG (antialiased there): the PNG is drawn as without PDF, whatever the order
    noise = np.random.default_rng(0).random((100, 100))
    for formats in ("png", "pdf,png"):
        monkeypatch.setenv("UNDERHOOD_FORMATS", formats)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.imshow(noise)
        io.save_figure(fig, tmp_path / "embedded" / f"{formats.replace(',', '-')}.png")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "embedded" / "png.png")),
                          np.asarray(Image.open(tmp_path / "embedded" / "pdf-png.png")))
    assert b"/Width 100" in (tmp_path / "embedded" / "pdf-png.pdf").read_bytes()
    monkeypatch.setenv("UNDERHOOD_FORMATS", "png,pdf")
    mosaic = np.random.default_rng(0).random((15, 20))
    plot.show_mosaic(mosaic, "a mosaic", tmp_path / "embedded" / "m.png", size=4.0)
    data = (tmp_path / "embedded" / "m.pdf").read_bytes()
    assert re.search(rb"/Subtype /Image", data) and b"/Width 20" in data and b"/Height 15" in data
    # dpi: the PNG's resolution, the PDF's page unchanged
    monkeypatch.setenv("UNDERHOOD_FORMATS", "png,pdf")
    monkeypatch.setenv("UNDERHOOD_DPI", "200")
    plot.show_mosaic(mosaic, "a mosaic", tmp_path / "embedded" / "m200.png", size=4.0)
    small, large = (Image.open(tmp_path / "embedded" / f"{n}.png").size for n in ("m", "m200"))
    assert abs(large[0] - 2 * small[0]) <= 2 and abs(large[1] - 2 * small[1]) <= 2
    assert pdf_pages((tmp_path / "embedded" / "m200.pdf").read_bytes()) == pdf_pages(data)
    monkeypatch.setenv("UNDERHOOD_FORMATS", "pdf")
    with pytest.raises(ValueError, match="png and any of pdf, svg"):
        plot.show_mosaic(mosaic, "a mosaic", tmp_path / "embedded" / "n.png")


# ---------------------------------------------------------------- the gallery in Chromium

@pytest.fixture(scope="module")
def gallery(figures, workdir):
    snakemake(workdir, "figures/embedded/index.html")
    return figures / "index.html"


@pytest.fixture(scope="module")
def chromium():
    exe = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if exe:
        return exe
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Chromium is not installed, and installing it needs root and apt-get")
    r = subprocess.run("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium",
                       shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
    if r.returncode != 0 or not shutil.which("chromium"):
        pytest.skip(f"could not install Chromium with apt-get: {r.stdout.strip().splitlines()[-1:]}")
    return shutil.which("chromium")


def headless(chromium, tmp_path, *args):
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=20000", *args]
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)


CHECK = """<script>
window.addEventListener("load", function () {
  var out = {images: [], articles: []};
  document.querySelectorAll("img").forEach(function (im) {
    var r = im.getBoundingClientRect();
    out.images.push([im.getAttribute("src"), im.complete, im.naturalWidth, r.width <= innerWidth && r.height <= innerHeight]);
  });
  document.querySelectorAll("article").forEach(function (a) { out.articles.push([a.id, a.querySelector(".caption").innerText]); });
  var pre = document.createElement("pre"); pre.id = "check"; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
});
</script>
"""


def test_gallery_opens_in_chromium_with_every_figure_and_caption(gallery, chromium, tmp_path):
    page = gallery.read_text()
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # offline, no script
    # the page with a check appended (the same folder, so that its links resolve as the gallery's own)
    probe = gallery.parent / "_check.html"
    probe.write_text(page.replace("</body>", CHECK + "</body>"))
    try:
        r = headless(chromium, tmp_path, "--window-size=1280,720", "--dump-dom", probe.as_uri())
    finally:
        probe.unlink()
    m = re.search(r'<pre id="check">(.*?)</pre>', r.stdout, re.S)
    assert m, f"Chromium gave no result: {r.stderr[-2000:]}"
    out = json.loads(html.unescape(m.group(1)))
    articles = dict(out["articles"])
    assert [a for a, _ in out["articles"]] == [f["figure"] for f in json.loads((gallery.parent / "MANIFEST.json").read_text())["figures"]]
    assert set(articles) == set(TEST_FIGURES)
    for fid, caption in articles.items():
        assert len(caption) > 100 and "{{" not in caption and "snakemake" not in caption, fid
    for fid in TEST_FIGURES:  # each caption quotes the lecture: the caption file's first sentence is there
        own = ROOT / "report" / "captions" / f"{fid}.rst"
        if own.exists():
            first = " ".join(own.read_text().split("\n\n")[0].split())[:60].strip('"')
            assert first[:40] in " ".join(articles[fid].split()), fid
    images = {src: (done, width, fits) for src, done, width, fits in out["images"]}
    assert set(images) == {f"{fid}.png" for fid in TEST_FIGURES}
    for src, (done, width, fits) in images.items():
        assert done and width == Image.open(gallery.parent / src).size[0], src  # loaded, at its full width
        assert fits, f"{src} does not fit in a 1280x720 window"  # (the report cut the top of tall figures)
    # one screenshot at 1280x720, kept in the workdir to be looked at (headless Chromium paints a blank
    # page when it scrolls to an anchor, so: the top of the page)
    shot = gallery.parents[2] / "gallery-1280x720.png"
    r = headless(chromium, tmp_path, "--window-size=1280,720", f"--screenshot={shot}", gallery.as_uri())
    assert shot.exists(), r.stderr[-2000:]
    im = np.asarray(Image.open(shot).convert("L"))
    assert im.shape == (720, 1280) and im.std() > 10


def test_gallery_anchors_and_links(gallery):
    page = gallery.read_text()
    for fid in TEST_FIGURES:
        assert f'<article id="{fid}">' in page and f'href="#{fid}"' in page and f'<a class="image" href="{fid}.png">' in page
    assert 'href="dilation-sizes.csv"' in page and 'href="MANIFEST.json"' in page
    assert page.index('id="family-A"') < page.index('id="family-B"') < page.index('id="family-F"')
