"""The photos every figure shows: scikit-image's shipped photographs (by name) or one's own JPEG or
PNG files (by path). `read_photo` is the one reader; each figure then keeps its own geometry:
`photos` stretches, `photo_batch` resizes the shorter side and crops the centre (ImageNet
evaluation), `square_crops` takes the central square."""
import warnings
import zlib
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from . import provenance
from .config import is_image_file

PHOTOS = ["astronaut", "coffee", "chelsea", "rocket", "cat"]
MIN_SIDE = 16               # pixels: a smaller photo is refused (it would be blown up to a blur)
MAX_PIXELS = 50_000_000     # a larger photo is refused before it is decoded (memory)
MAX_RATIO = 10              # longer side / shorter side: a longer strip is refused
NOT_PHOTOS = ("data_dir", "download_all", "file_hash", "lbp_frontal_face_cascade_filename")  # in skimage.data


def photo_name(entry):
    """What a photo is called in the figures: its scikit-image name, or its file's name."""
    return Path(entry).name if is_image_file(entry) else entry


def _rgb(img):
    """A Pillow image in RGB: grey and palette expanded, 16-bit grey scaled to 8 bits, transparency
    (an alpha channel, a palette's or a grey PNG's transparent colour) composited on white."""
    if img.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        img = Image.fromarray((np.asarray(img, dtype=np.float64) / 257).round().clip(0, 255).astype(np.uint8))
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info:
        img = img.convert("RGBA")
        img = Image.alpha_composite(Image.new("RGBA", img.size, (255, 255, 255, 255)), img)
    return img.convert("RGB")


def _check_size(name, width, height):
    if min(width, height) < MIN_SIDE:
        raise ValueError(f"{name}: {width}x{height} pixels, too small: a photo needs at least {MIN_SIDE} pixels a side")
    if width * height > MAX_PIXELS:
        raise ValueError(f"{name}: {width}x{height} pixels, more than {MAX_PIXELS // 10**6} megapixels: "
                         "scale it down first (224 pixels on its shorter side is enough)")
    if max(width, height) > MAX_RATIO * min(width, height):
        raise ValueError(f"{name}: {width}x{height} pixels: one side more than {MAX_RATIO} times the other; crop it first")


def _read_file(path):
    """A JPEG or PNG file as an RGB Pillow image; every way it can fail is a ValueError naming it."""
    try:
        with warnings.catch_warnings():  # images over Pillow's warning limit are refused below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(path, formats=("JPEG", "PNG"))
    except FileNotFoundError:
        raise ValueError(f"{path}: no such image file") from None
    except UnidentifiedImageError:
        raise ValueError(f"{path}: not a JPEG or PNG image") from None
    except Image.DecompressionBombError as e:
        raise ValueError(f"{path}: too large ({' '.join(str(e).split())}); a photo has at most "
                         f"{MAX_PIXELS // 10**6} megapixels: scale it down first") from None
    except OSError as e:
        raise ValueError(f"{path}: cannot be read ({e.strerror or e})") from None
    with img:
        _check_size(path, *img.size)
        try:
            img.load()
            return _rgb(ImageOps.exif_transpose(img))
        except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as e:  # Pillow's ways of saying it
            raise ValueError(f"{path}: truncated or corrupt image ({' '.join(str(e).split())})") from None


def _read_sample(name):
    """scikit-image's photo `name` as an RGB Pillow image."""
    import skimage.data

    maker = getattr(skimage.data, name) if name in skimage.data.__all__ and name not in NOT_PHOTOS else None
    try:
        x = maker() if maker else None
    except (ImportError, OSError, ValueError) as e:  # e.g. one that scikit-image downloads (pooch): offline
        raise ValueError(f"photo {name!r}: scikit-image cannot load it here ({str(e).split('. ')[0]})") from None
    if not (isinstance(x, np.ndarray) and x.dtype == np.uint8 and (x.ndim == 2 or (x.ndim == 3 and x.shape[2] in (3, 4)))):
        raise ValueError(f"photo {name!r} is not one of scikit-image's photos (e.g. {', '.join(PHOTOS)}) "
                         "nor a .jpg, .jpeg or .png file")
    _check_size(name, x.shape[1], x.shape[0])
    return _rgb(Image.fromarray(x))


def read_photo(entry):
    """The one reader of the photos every figure shows: `entry` is a scikit-image photo name (chelsea)
    or the path of a JPEG or PNG file (config.is_image_file). Returns an H x W x 3 uint8 RGB array.

    Grey and palette images become RGB, 16-bit grey is scaled to 8 bits, transparency is composited
    on white, a JPEG's EXIF orientation is applied. Refused with one line naming the file (ValueError):
    a file that is missing, unreadable, not a JPEG or PNG, truncated or corrupt; a photo under MIN_SIDE
    pixels a side, over MAX_PIXELS pixels (from its header, before it is decoded) or with one side more
    than MAX_RATIO times the other."""
    if not is_image_file(entry):
        return np.asarray(_read_sample(entry))
    x = np.asarray(_read_file(entry))
    provenance.used(entry)  # the figure's provenance lists the user's photo and its SHA-256
    return x


def photos(entries=PHOTOS, size=None):
    """(arrays, names): each photo (read_photo), stretched to size x size (bilinear) if size is given."""
    out = []
    for e in entries:
        x = read_photo(e)
        out.append(np.asarray(Image.fromarray(x).resize((size, size), Image.BILINEAR)) if size else x)
    return out, [photo_name(e) for e in entries]


def photo_batch(entries, size=224):
    """Photos (read_photo) as one N x 3 x size x size uint8 batch: the shorter side resized to `size`
    (bilinear), then a centre crop (as ImageNet evaluation)."""
    out = []
    for x in photos(entries)[0]:
        img = Image.fromarray(x)
        s = size / min(img.size)
        img = img.resize((max(size, round(img.size[0] * s)), max(size, round(img.size[1] * s))), Image.BILINEAR)
        left, top = (img.size[0] - size) // 2, (img.size[1] - size) // 2
        out.append(np.asarray(img.crop((left, top, left + size, top + size))))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


def square_crops(images, size):
    """H x W (x 3) uint8 arrays -> N x 3 x size x size uint8 tensor: the central square, resized
    (bilinear); grey copied to RGB."""
    out = []
    for im in images:
        im = Image.fromarray(im).convert("RGB")
        w, h = im.size
        s = min(w, h)
        im = im.crop(((w - s) // 2, (h - s) // 2, (w - s) // 2 + s, (h - s) // 2 + s)).resize((size, size), Image.BILINEAR)
        out.append(np.asarray(im))
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()
