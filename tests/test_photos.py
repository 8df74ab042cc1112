"""One's own photos (issue 14, part 2): wherever the lecture tier takes photos (around-input images,
adversarial images, the activations photo) an entry is a scikit-image photo name or a JPEG/PNG file,
read by one reader (underhood.photo.read_photo) and cropped as each figure does. A missing file stops
the run at config time, a bad one the job, each with one line naming it; an edited photo reruns its
jobs; one's own JPEG goes through the lecture tier's figures (stand-in weights)."""
import hashlib
import json
import shlex
import struct
import zlib

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

import standins
from conftest import ROOT, TEST_CONFIG, _workdir, jobs_run, snakemake
from test_faults import SCHEMA, base_config, config_lines, error_lines, run_script, set_key, write_overlay
from underhood import cli, photo, provenance
from underhood.config import config_error

SMOKE_CONFIG = ROOT / "tests" / "config.lecture-smoke.yaml"


def pixels(h=60, w=80, seed=0):
    return (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)


def png_header(width, height):
    """A PNG that only says its size (an 8-bit RGB image of width x height) and holds no pixel: what
    Pillow reads before it decodes anything."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + chunk(b"IDAT", b"")


# ---------------------------------------------------------------- the reader

def test_scikit_image_photos_read_as_before():
    import skimage.data

    assert np.array_equal(photo.read_photo("chelsea"), skimage.data.chelsea())
    camera = photo.read_photo("camera")  # grey: three equal channels
    assert camera.shape == (512, 512, 3) and np.array_equal(camera[..., 2], skimage.data.camera())


def test_modes_become_rgb(tmp_path):
    import skimage.data

    x = np.asarray(Image.fromarray(skimage.data.chelsea()).resize((80, 60)))  # smooth enough for JPEG
    Image.fromarray(x).save(tmp_path / "rgb.png")
    Image.fromarray(x[..., 0]).save(tmp_path / "grey.png")
    Image.fromarray(x[..., 0].astype(np.uint16) * 257).save(tmp_path / "grey16.png")
    Image.fromarray(x).convert("P").save(tmp_path / "palette.png")
    Image.fromarray(np.dstack([x, np.full(x.shape[:2], 0, np.uint8)]), "RGBA").save(tmp_path / "clear.png")
    Image.fromarray(np.dstack([x, np.full(x.shape[:2], 255, np.uint8)]), "RGBA").save(tmp_path / "opaque.png")
    Image.fromarray(np.dstack([x[..., 0], np.full(x.shape[:2], 128, np.uint8)]), "LA").save(tmp_path / "grey-alpha.png")
    Image.fromarray(x).convert("CMYK").save(tmp_path / "cmyk.jpg")
    Image.fromarray(x).save(tmp_path / "photo.JPEG", quality=95)
    read = {p.name: photo.read_photo(str(p)) for p in tmp_path.iterdir()}
    for name, y in read.items():
        assert y.shape == (60, 80, 3) and y.dtype == np.uint8, name
    assert np.array_equal(read["rgb.png"], x) and np.array_equal(read["opaque.png"], x)
    assert np.array_equal(read["grey.png"], np.repeat(x[..., :1], 3, 2))
    assert np.array_equal(read["grey16.png"], np.repeat(x[..., :1], 3, 2))
    assert (read["clear.png"] == 255).all()  # transparency is composited on white
    half = np.round(x[..., 0].astype(float) * 128 / 255 + 255 * 127 / 255)
    assert np.abs(read["grey-alpha.png"][..., 0] - half).max() <= 1
    with Image.open(tmp_path / "palette.png") as p:
        assert np.array_equal(read["palette.png"], np.asarray(p.convert("RGB")))
    for name in ("cmyk.jpg", "photo.JPEG"):
        assert np.abs(read[name].astype(int) - x).mean() < 12, name


def test_a_jpeg_is_turned_upright_by_its_exif_orientation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show the stored image rotated 90 degrees clockwise
    Image.fromarray(pixels(40, 100)).save(tmp_path / "turned.jpg", exif=exif)
    assert photo.read_photo(str(tmp_path / "turned.jpg")).shape == (100, 40, 3)


def test_files_are_cropped_as_each_figure_crops_the_scikit_image_photos(tmp_path):
    """The same pixels as a PNG file or as a scikit-image name give the same inputs in each geometry:
    around an input (shorter side to 224, centre crop), adversarial (stretched), activations (central square)."""
    import skimage.data

    Image.fromarray(skimage.data.chelsea()).save(tmp_path / "chelsea.png")
    f = str(tmp_path / "chelsea.png")
    assert torch.equal(photo.photo_batch([f, "coffee"], 224), photo.photo_batch(["chelsea", "coffee"], 224))
    (a,), names = photo.photos([f], 227)
    assert np.array_equal(a, photo.photos(["chelsea"], 227)[0][0]) and names == ["chelsea.png"]
    assert torch.equal(photo.square_crops([photo.read_photo(f)], 224), photo.square_crops([skimage.data.chelsea()], 224))
    assert photo.photo_batch([f], 224).shape == (1, 3, 224, 224)


def bad_files(tmp_path):
    """name -> (the file's bytes, or None: not made; the end of the one line that refuses it)."""
    good = tmp_path / "good.jpg"
    Image.fromarray(pixels(120, 160)).save(good, quality=90)
    Image.fromarray(pixels(120, 160)).save(tmp_path / "good.png")
    jpeg, png = good.read_bytes(), (tmp_path / "good.png").read_bytes()
    return {
        "missing.jpg": (None, "no such image file"),
        "truncated.jpg": (jpeg[:len(jpeg) // 2], "truncated or corrupt image (image file is truncated ("),
        "truncated.png": (png[:len(png) // 2], "truncated or corrupt image (image file is truncated)"),
        "empty.png": (b"", "not a JPEG or PNG image"),
        "text.jpg": (b"not an image\n" * 100, "not a JPEG or PNG image"),
        "gif.png": (b"GIF89a" + bytes(100), "not a JPEG or PNG image"),
        "one-pixel.png": (png_header(1, 1), "1x1 pixels, too small: a photo needs at least 16 pixels a side"),
        "strip.png": (png_header(3000, 200), "3000x200 pixels: one side more than 10 times the other; crop it first"),
        "large.png": (png_header(9000, 9000), "9000x9000 pixels, more than 50 megapixels: scale it down first "
                                              "(224 pixels on its shorter side is enough)"),
        # over Pillow's own limit: its DecompressionBombError, as one line
        "huge.png": (png_header(20000, 20000), "too large (Image size (400000000 pixels) exceeds limit of "),
    }


@pytest.mark.parametrize("name", ["missing.jpg", "truncated.jpg", "truncated.png", "empty.png", "text.jpg", "gif.png",
                                  "one-pixel.png", "strip.png", "large.png", "huge.png"])
def test_a_bad_file_is_one_line_naming_it(tmp_path, name):
    """Each refused with one line, from its header where its size is wrong: the size files hold no
    pixel at all, so nothing was decoded (a 20000x20000 photo would take 1.2 GB)."""
    content, expected = bad_files(tmp_path)[name]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError) as e:
        photo.read_photo(str(path))
    assert str(e.value).startswith(f"{path}: {expected}"), str(e.value)
    assert cli.one_line_message(e.value) == f"error: {e.value}"


def test_a_directory_or_an_unknown_name_is_one_line(tmp_path):
    (tmp_path / "folder.jpg").mkdir()
    with pytest.raises(ValueError, match=r"folder.jpg: cannot be read \(Is a directory\)$"):
        photo.read_photo(str(tmp_path / "folder.jpg"))
    for name in ("download_all", "binary_blobs", "nothing"):
        with pytest.raises(ValueError, match=f"^photo '{name}' is not one of scikit-image's photos"):
            photo.read_photo(name)


@pytest.mark.parametrize("name", ["truncated.jpg", "huge.png"])
def test_a_bad_file_stops_the_job_with_one_line(tmp_path, name):
    content, expected = bad_files(tmp_path)[name]
    (tmp_path / name).write_bytes(content)
    r = run_script("around_input_images.py", "images.pt", "--photos", "chelsea", name, "--size", "224", cwd=tmp_path)
    assert r.returncode == 1
    (line,) = error_lines(r)
    assert line.startswith(f"error: {name}: {expected}"), r.stderr
    assert not (tmp_path / "images.pt").exists()


# ---------------------------------------------------------------- the config and the rules

PHOTO_KEYS = [("figures", "around_input", "images", "lecture", 1), ("figures", "adversarial", "images", "lecture", 0),
              ("figures", "activations", "photo")]


@pytest.mark.parametrize("key", PHOTO_KEYS, ids=lambda k: ".".join(map(str, k)))
def test_a_missing_photo_file_is_refused_at_config_time(tmp_path, monkeypatch, key):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "folder.png").mkdir()
    Image.fromarray(pixels()).save(tmp_path / "here.jpg")
    where = ".".join(map(str, key))
    assert config_error(set_key(base_config(), key, "here.jpg"), SCHEMA) is None
    assert config_error(set_key(base_config(), key, "my photos/gone.jpg"), SCHEMA) == (
        f"config: {where} is 'my photos/gone.jpg': no such file (relative to the working directory {tmp_path})")
    assert config_error(set_key(base_config(), key, "folder.png"), SCHEMA).startswith(
        f"config: {where} is 'folder.png': not a file")
    assert config_error(set_key(base_config(), key, "photo.gif"), SCHEMA).startswith(
        f"config: {where} is 'photo.gif'; expected a scikit-image photo name (letters, digits and _, e.g. chelsea) "
        "or the path of a .jpg, .jpeg or .png file")
    assert config_error(set_key(base_config(), key, "-rf.jpg"), SCHEMA).startswith(f"config: {where} is '-rf.jpg'; expected")


def test_a_missing_photo_file_stops_the_workflow_before_any_job(tmp_path):
    overlay = write_overlay(tmp_path, {"tier": "lecture", "figures": {"activations": {"photo": "me.jpg"}}})
    r = snakemake(tmp_path, "-n", configfiles=[overlay], check=False)
    assert r.returncode != 0
    assert config_lines(r.stdout) == [
        f"config: figures.activations.photo is 'me.jpg': no such file (relative to the working directory {tmp_path})"]
    assert not (tmp_path / "cache").exists()


def test_photo_files_are_inputs_quoted_and_an_edited_one_reruns(tmp_path):
    """Every job that reads a photo file has it as an input (an edited photo reruns it) and gets its
    path as one argument, spaces and parentheses included."""
    photo = tmp_path / "my photos" / "me (1).jpg"
    photo.parent.mkdir()
    Image.fromarray(pixels(120, 160)).save(photo)
    entry = "my photos/me (1).jpg"
    overlay = write_overlay(tmp_path, {"tier": "lecture", "figures": {
        "around_input": {"images": {"lecture": ["chelsea", entry]}, "gradient_irregularity": {"image": 1}},
        "adversarial": {"images": {"lecture": [entry, "coffee"]}}, "activations": {"photo": entry}}})
    targets = ["cache/lecture/attributions/images.pt", "cache/lecture/synthesis/adversarial.pt",
               "cache/lecture/activations/alexnet-photos.pt"]
    r = snakemake(tmp_path, "-n", "-p", "--forceall", *targets, configfiles=[overlay])
    commands = {s: shlex.split(line.strip()) for line in r.stdout.splitlines()
                for s in ("around_input_images.py", "adversarial.py optimise", "activations.py") if s in line}

    def after(script, option, n):
        c = commands[script]
        return c[c.index(option) + 1:c.index(option) + 1 + n]
    assert after("around_input_images.py", "--photos", 2) == ["chelsea", entry]
    assert after("adversarial.py optimise", "--images", 2) == [entry, "coffee"]
    assert after("activations.py", "--photos", 1) == [entry]
    inputs = [line.strip() for line in r.stdout.splitlines() if line.strip().startswith("input:")]
    assert sum(entry in line for line in inputs) == 3, inputs
    # made once: up to date; the photo edited (its content: Snakemake compares that of small inputs
    # whose time changed): the job that reads it reruns
    snakemake(tmp_path, targets[0], configfiles=[overlay])
    assert not jobs_run(snakemake(tmp_path, "-n", targets[0], configfiles=[overlay]).stdout)
    Image.fromarray(pixels(120, 160, seed=1)).save(photo)
    r = snakemake(tmp_path, "-n", targets[0], configfiles=[overlay])
    assert jobs_run(r.stdout) == {"around_input_images"} and f"Updated input files: {entry}" in r.stdout, r.stdout[-2000:]


# ---------------------------------------------------------------- one's own JPEG on the lecture tier

OWN_FIGURES = ["occlusion-vgg19", "saliency-vgg19", "backprop-deconv-guided-vgg16", "adversarial-alexnet",
               "alexnet-activations"]


@pytest.fixture(scope="module")
def own_photo_run(tmp_path_factory):
    """One's own JPEG (a portrait crop of scikit-image's rocket, 300x200, saved as a camera would) and a
    scikit-image photo through the lecture tier's figures, from the stand-in weights; small settings."""
    import skimage.data

    work = _workdir(tmp_path_factory, "lecture-photos")
    photo = work / "holiday photos" / "rocket portrait.jpg"
    photo.parent.mkdir(exist_ok=True)
    Image.fromarray(skimage.data.rocket()[100:400, 250:450]).save(photo, quality=88)
    entry = "holiday photos/rocket portrait.jpg"
    overlay = {"tier": "lecture", "figures": {
        "around_input": {"images": {"lecture": [entry, "chelsea"]},
                         "occlusion": {"lecture": {"mask": 64, "stride": 64}, "fills": ["grey"]},
                         "gradient_irregularity": {"image": 0}},
        "adversarial": {"images": {"lecture": [entry, "coffee"]}, "steps": 2},
        "activations": {"photo": entry}}}
    (work / "photos.yaml").write_text(yaml.safe_dump(overlay))
    with standins.served(work / "served") as downloads:
        (work / "standins.yaml").write_text(yaml.safe_dump(downloads))
        r = snakemake(work, "--rerun-triggers", "mtime", "--", *[f"figures/lecture/{f}.png" for f in OWN_FIGURES],
                      configfiles=[TEST_CONFIG, SMOKE_CONFIG, work / "standins.yaml", work / "photos.yaml"])
    return work, photo, r.stdout


def test_own_jpeg_goes_through_the_lecture_figures(own_photo_run):
    work, jpeg, _ = own_photo_run
    for fid in OWN_FIGURES:
        assert (work / "figures" / "lecture" / f"{fid}.png").stat().st_size > 5000, fid
    images = torch.load(work / "cache/lecture/attributions/images.pt", weights_only=True)
    assert images["names"] == ["rocket portrait.jpg", "chelsea"]
    assert torch.equal(images["images"], photo.photo_batch([str(jpeg), "chelsea"], 224))
    adv = torch.load(work / "cache/lecture/synthesis/adversarial.pt", weights_only=True)
    assert adv["names"] == ["rocket portrait.jpg", "coffee"] and adv["pixels"].shape == (2, 3, 224, 224)
    act = torch.load(work / "cache/lecture/activations/alexnet-photos.pt", weights_only=True)
    assert act["names"] == ["rocket portrait.jpg"]
    assert torch.equal(act["images"], photo.square_crops([photo.read_photo(str(jpeg))], 224))
    digest = hashlib.sha256(jpeg.read_bytes()).hexdigest()
    for fid in OWN_FIGURES:  # each figure's provenance names the photo and its SHA-256
        files = json.loads(provenance.read(work / "figures" / "lecture" / f"{fid}.png")["files"])
        assert files.get("holiday photos/rocket portrait.jpg") == digest, (fid, files)
    log = (work / "logs/lecture/synthesis/adversarial.log").read_text()
    assert "rocket portrait.jpg: " in log


def test_the_readme_example_is_valid(tmp_path):
    """The README's worked example: its overlay and its command (a dry run) with a photo in its place."""
    text = (ROOT / "README.md").read_text().split("### Your own photos")[1]
    overlay = yaml.safe_load(text.split("```yaml\n")[1].split("```")[0])
    command = shlex.split(text.split("```sh\n")[1].split("```")[0].replace("\\\n", " "))
    photo = tmp_path / overlay["figures"]["around_input"]["images"]["lecture"][0]
    photo.parent.mkdir(parents=True)
    Image.fromarray(pixels(300, 400)).save(photo)
    (tmp_path / command[2]).write_text(yaml.safe_dump(overlay))
    assert command[:2] == ["snakemake", "--configfile"] and command[3] == "--"
    r = snakemake(tmp_path, "-n", "--", *command[4:], configfiles=[tmp_path / command[2]])
    assert {"around_input_images", "attribution", "around_input_figure"} <= jobs_run(r.stdout), r.stdout[-2000:]
