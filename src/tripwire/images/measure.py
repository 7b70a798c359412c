"""Measure one image: its size, light, colour, sharpness, noise, information and perceptual hash.

Runs in the worker processes of `tripwire.images.reader`; every function here is a pure
function of one file. Each image is decoded once, to a working copy whose longer side is at
most `WORK_SIDE` pixels: JPEGs are decoded at 1/2, 1/4 or 1/8 scale straight away (the
costly part, cut before it starts), other formats are box-reduced by a whole factor. Every
statistic is measured on that copy. Means, shares and histograms are unchanged in
expectation by averaging pixels; sharpness and noise do depend on scale, and one common
scale keeps a 4,000-pixel photo comparable with a 500-pixel one (a blur of r pixels in the
original counts as r / factor). Bad files never raise: they come back as a row whose `error`
says why.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from typing import Any

import numpy as np

#: longer side of the working copy every statistic is measured on
WORK_SIDE = 256
#: images with more pixels than this are refused unread (decompression bombs)
MAX_PIXELS = 64_000_000
#: files larger than this are refused unread, so one file cannot exhaust memory
MAX_FILE_BYTES = 256 * 1024 * 1024
#: a grey level at or above this (on 0..1) is a clipped highlight, counted as glare
GLARE_LEVEL = 0.98

#: (name, Arrow type name) of every measured column, in table order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_bytes", "int64"), ("format", "string"), ("mode", "string"),
    ("width", "int64"), ("height", "int64"), ("aspect_ratio", "float64"), ("orientation", "int64"),
    ("brightness", "float64"), ("contrast", "float64"), ("saturation", "float64"),
    ("colourfulness", "float64"), ("sharpness", "float64"), ("glare", "float64"),
    ("noise", "float64"), ("entropy", "float64"), ("phash", "int64"), ("file_hash", "int64"),
    ("error", "string"),
)
_LAPLACE = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=np.float32)
_ORIENTATION_TAG = 274


def measure_files(paths: list[str], worker: bool = False) -> dict[str, list[Any]]:
    """Measure every file; return the columns of `COLUMNS` as lists (one entry per path).

    `worker`: this is a worker process of ours, whose allocator may be tuned for speed
    (`_keep_freed_memory`); in the caller's own process nothing global is left changed.
    """
    from PIL import Image

    if worker:
        _keep_freed_memory()
    before = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # PIL's own guard, in case a header lies about its size
    out: dict[str, list[Any]] = {name: [] for name, _ in COLUMNS}
    try:
        for path in paths:
            row = measure_file(path)
            for name, _ in COLUMNS:
                out[name].append(row.get(name))
    finally:
        Image.MAX_IMAGE_PIXELS = before
    return out


_tuned = False


def _keep_freed_memory() -> None:
    """Let glibc reuse freed blocks instead of returning them to the system after every array.

    A 256×256 float32 plane is 256 KB, above glibc's default 128 KB mmap threshold, so every
    temporary array was mapped fresh and page-faulted in: 40× slower than the arithmetic.
    Keeping up to 64 MB mapped bounds what a worker holds; elsewhere this is a no-op.
    """
    global _tuned
    if _tuned:
        return
    _tuned = True
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 64 * 2**20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 128 * 2**20)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def measure_file(path: str) -> dict[str, Any]:
    """Measure one file; a file that cannot be measured gets only `error` (and what is known)."""
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        return {"error": f"cannot read the file ({exc.strerror or exc})"}
    row: dict[str, Any] = {"file_bytes": size}
    if size == 0:
        return {**row, "error": "empty file (0 bytes)"}
    if size > MAX_FILE_BYTES:
        return {**row, "error": f"file of {size:,} bytes is over the {MAX_FILE_BYTES // 2**20} MB limit"}
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        row["file_hash"] = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little", signed=True)
        row.update(_measure_bytes(data))
    except _Refused as exc:
        row["error"] = str(exc)
    except MemoryError:
        row["error"] = "too large to decode in memory"
    except Exception as exc:  # any decoder failure is this file's problem, never the run's
        row["error"] = _decode_error(exc)
    if row.get("error"):
        for key in ("brightness", "contrast", "saturation", "colourfulness", "sharpness", "glare", "noise",
                    "entropy", "phash"):
            row.pop(key, None)
    return row


class _Refused(Exception):
    """A file refused before decoding (too many pixels)."""


def _decode_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    if "cannot identify image file" in low:
        return "not an image, or an image format Pillow cannot read"
    if "truncated" in low or "broken data stream" in low or "premature end" in low:
        return f"truncated or corrupt image data ({text[:120]})"
    if "decompression bomb" in low or "exceeds limit" in low:
        return f"over the {MAX_PIXELS:,}-pixel limit: refused unread as a possible decompression bomb ({text[:120]})"
    return f"cannot decode: {text[:160]}"


def _measure_bytes(data: bytes) -> dict[str, Any]:
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        im = Image.open(io.BytesIO(data))
        width, height = im.size
        if width * height > MAX_PIXELS:
            raise _Refused(f"{width:,}×{height:,} pixels is over the {MAX_PIXELS:,}-pixel limit: "
                           "refused unread as a possible decompression bomb")
        fmt, mode = im.format or "", im.mode
        orientation = _orientation(im)
        if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale: the costly part, cut before it starts
            im.draft("RGB" if mode not in ("L", "RGB") else mode, (WORK_SIDE, WORK_SIDE))
        im.load()
    if getattr(im, "n_frames", 1) > 1:
        im.seek(0)
    rgb = _as_rgb_float(_reduced(im, WORK_SIDE))  # values in 0..1
    grey = np.float32(0.299) * rgb[0] + np.float32(0.587) * rgb[1] + np.float32(0.114) * rgb[2]
    shown = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    out = {"format": fmt, "mode": mode, "width": width, "height": height,
           "aspect_ratio": shown[0] / shown[1], "orientation": orientation}
    out.update(_light_and_colour(rgb, grey))
    out["sharpness"] = _laplacian_variance(grey)
    out["noise"] = _immerkaer_sigma(grey)
    out["phash"] = _phash(grey)
    return out


def _orientation(im: Any) -> int:
    try:
        value = im.getexif().get(_ORIENTATION_TAG, 1)
        return int(value) if 1 <= int(value) <= 8 else 1
    except Exception:  # a broken EXIF block is no reason to drop the pixels
        return 1


def _reduced(im: Any, side: int) -> Any:
    """Return the image box-reduced by the smallest whole factor that brings it within `side`."""
    factor = int(np.ceil(max(im.size) / side))
    if factor > 1 and im.mode not in ("P", "1"):
        try:
            return im.reduce(factor)
        except ValueError:  # modes reduce() does not take (e.g. some 16-bit ones): reduce after converting
            pass
    if factor > 1:
        return _to_standard_mode(im).reduce(factor)
    return im


def _to_standard_mode(im: Any) -> Any:
    """Convert palette, CMYK, bilevel, YCbCr, LAB, HSV images to RGB(A) or L."""
    if im.mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if im.mode in ("1", "LA", "La"):
        return im.convert("L")
    if im.mode in ("CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa", "PA"):
        return im.convert("RGB")
    return im


def _as_rgb_float(im: Any) -> np.ndarray:
    """Return a 3×H×W float32 array in 0..1, one contiguous plane per channel (alpha over black)."""
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        a = np.asarray(im, dtype=np.float32)
        top = 65535.0 if im.mode.startswith("I;16") or a.max(initial=0) > 255 else 255.0
        grey = np.clip(a / top, 0, 1) if im.mode != "F" else np.clip(a, 0, 1)
        return np.broadcast_to(grey, (3, *grey.shape))
    im = _to_standard_mode(im)
    a = np.asarray(im)
    if a.ndim == 2:
        grey = a.astype(np.float32) / np.float32(255.0)
        return np.broadcast_to(grey, (3, *grey.shape))
    planes = np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32)  # planes: fast, contiguous maths
    planes *= np.float32(1 / 255.0)
    if planes.shape[0] == 4:  # transparency: what shows through is black
        return planes[:3] * planes[3]
    return planes[:3]


def _light_and_colour(rgb: np.ndarray, grey: np.ndarray) -> dict[str, float]:
    r, g, b = rgb[0], rgb[1], rgb[2]
    top = np.maximum(np.maximum(r, g), b)
    low = np.minimum(np.minimum(r, g), b)
    sat = (top - low) / np.maximum(top, np.float32(1e-6))
    rg, yb = (r - g) * np.float32(255.0), (np.float32(0.5) * (r + g) - b) * np.float32(255.0)  # Hasler–Süsstrunk, 0..255
    colourful = float(np.sqrt(rg.var() + yb.var()) + 0.3 * np.sqrt(rg.mean() ** 2 + yb.mean() ** 2))
    hist = np.bincount((grey * np.float32(255.0) + np.float32(0.5)).astype(np.uint8).ravel(), minlength=256)
    p = hist[hist > 0] / grey.size
    return {"brightness": float(grey.mean()), "contrast": float(grey.std()), "saturation": float(sat.mean()),
            "colourfulness": colourful, "glare": float(np.count_nonzero(grey >= GLARE_LEVEL) / grey.size),
            "entropy": float(-(p * np.log2(p)).sum())}


def _laplacian_variance(grey: np.ndarray) -> float:
    """Return the variance of the 4-neighbour Laplacian on the 0..255 scale (low: blurry)."""
    if min(grey.shape) < 3:
        return 0.0
    g = grey * 255.0
    lap = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4.0 * g[1:-1, 1:-1]
    return float(lap.var())


def _immerkaer_sigma(grey: np.ndarray) -> float:
    """Return Immerkær's (1996) fast noise estimate, sigma on the 0..255 scale."""
    h, w = grey.shape
    if h < 3 or w < 3:
        return 0.0
    g = grey * 255.0
    conv = (g[:-2, :-2] - 2 * g[:-2, 1:-1] + g[:-2, 2:]
            - 2 * g[1:-1, :-2] + 4 * g[1:-1, 1:-1] - 2 * g[1:-1, 2:]
            + g[2:, :-2] - 2 * g[2:, 1:-1] + g[2:, 2:])
    return float(np.sqrt(np.pi / 2.0) * np.abs(conv).sum() / (6.0 * (w - 2) * (h - 2)))


def _phash(grey: np.ndarray) -> int:
    """Return the 64-bit perceptual hash (DCT of a 32×32 copy, 8×8 lowest frequencies vs their median)."""
    from scipy.fft import dctn

    small = _resize_grey(grey, 32)
    low = dctn(small, norm="ortho")[:8, :8].ravel()
    bits = (low > np.median(low[1:])).astype(np.uint64)
    value = int((bits << np.arange(64, dtype=np.uint64)).sum())
    return value - (1 << 64) if value >= 1 << 63 else value


def _resize_grey(grey: np.ndarray, side: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(np.ascontiguousarray(grey, dtype=np.float32)).resize((side, side), Image.BILINEAR))
