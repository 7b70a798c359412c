"""Images made from photos that ship inside packages, with known, generated conditions.

Base photos: scikit-image's bundled natural images and scikit-learn's two sample images
(no download). Every clean image is a quadrant of a base photo, as is or mirrored,
resized to 256×192 (4:3 landscape), so no two clean images are the same picture. The
conditions are generated at a stated strength:

- dark: every channel multiplied by 0.15;
- blur: Gaussian blur of radius 2.5 pixels;
- glare: a saturated white ellipse (a blown highlight) over ~12% of the image;
- rotation: turned 90° (half of them in the pixels, half by an EXIF orientation tag 6);
- duplicate: a byte-identical copy under another name;
- near duplicate: the image resized to 240×180 and re-encoded as JPEG at quality 60.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SIZE = (256, 192)
#: natural photographs of ordinary exposure (skimage.data); diagrams, documents, binary
#: masks, microscopy and the Hubble deep field are left out: they are not photos of scenes
SKIMAGE_PHOTOS = ("astronaut", "brick", "camera", "chelsea", "clock", "coffee", "coins", "grass",
                  "gravel", "immunohistochemistry", "moon", "rocket")
SKLEARN_PHOTOS = ("china", "flower")
#: (photo, quadrant) left out of the clean images, and why: a real condition, which tripwire flags
LEFT_OUT = {("china", 1): "sky, washed out in the original photo: brightness 0.91, 8% clipped pixels",
            **{("clock", q): "skimage's clock is motion-blurred on purpose (a deconvolution example)" for q in range(4)}}
CONDITIONS = ("dark", "blur", "glare", "rotation", "duplicate", "near_duplicate")


@cache
def base_photos() -> tuple[tuple[str, np.ndarray], ...]:
    """Return (name, photo as an H×W×3 uint8 array) of every base photo."""
    data = pytest.importorskip("skimage.data")
    datasets = pytest.importorskip("sklearn.datasets")
    out = []
    for name in SKIMAGE_PHOTOS:
        a = getattr(data, name)()
        out.append((name, np.repeat(a[:, :, None], 3, axis=2) if a.ndim == 2 else a[:, :, :3]))
    out.extend(zip(SKLEARN_PHOTOS, datasets.load_sample_images().images, strict=True))
    return tuple((n, np.ascontiguousarray(a, dtype=np.uint8)) for n, a in out)


@cache
def clean_images() -> tuple[np.ndarray, ...]:
    """Return the clean images: each base photo's four quadrants, then the same mirrored."""
    from PIL import Image

    plain, mirrored = [], []
    for name, a in base_photos():
        h, w = a.shape[0] // 2, a.shape[1] // 2
        for q, (y, x) in enumerate(((0, 0), (0, w), (h, 0), (h, w))):
            if (name, q) in LEFT_OUT:
                continue
            im = Image.fromarray(a[y:y + h, x:x + w]).resize(SIZE, Image.LANCZOS)
            plain.append(np.asarray(im))
            mirrored.append(np.ascontiguousarray(np.asarray(im)[:, ::-1]))
    return tuple(plain + mirrored)


def apply(condition: str, a: np.ndarray) -> np.ndarray:
    """Return the image with the condition generated on it (rotation and duplicates are made on save)."""
    from PIL import Image, ImageFilter

    if condition == "dark":
        return (a.astype(np.float32) * 0.15).astype(np.uint8)
    if condition == "blur":
        return np.asarray(Image.fromarray(a).filter(ImageFilter.GaussianBlur(2.5)))
    if condition == "glare":
        h, w = a.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        r = ((yy - h * 0.35) / (h * 0.22)) ** 2 + ((xx - w * 0.6) / (w * 0.3)) ** 2
        out = a.astype(np.float32)
        out[r <= 1] = 255.0
        return out.astype(np.uint8)
    return a


@dataclass
class ImageSet:
    """A folder of generated images and what was done to each file."""

    folder: Path
    truth: dict[str, str] = field(default_factory=dict)  # file name -> condition ("clean" if none)
    #: for copies: file name -> the file name it copies
    copy_of: dict[str, str] = field(default_factory=dict)


def save(a: np.ndarray, path: Path, *, exif_rotate: bool = False, quality: int = 92) -> None:
    """Write an image (JPEG for .jpg names, else PNG), optionally tagged with EXIF orientation 6."""
    from PIL import Image

    im = Image.fromarray(a)
    kw: dict = {}
    if exif_rotate:
        exif = Image.Exif()
        exif[274] = 6
        kw["exif"] = exif
    if path.suffix == ".jpg":
        im.save(path, quality=quality, **kw)
    else:
        im.save(path, **kw)


def make_folder(folder: Path, clean: list[int], injected: dict[str, list[int]], *, images: tuple | None = None,
                prefix: str = "") -> ImageSet:
    """Write clean images and, for each condition, the listed clean images with it generated."""
    import shutil

    from PIL import Image

    pool = images if images is not None else clean_images()
    folder.mkdir(parents=True, exist_ok=True)
    out = ImageSet(folder)
    for i in clean:
        name = f"{prefix}clean_{i:03d}.jpg"
        save(pool[i], folder / name)
        out.truth[name] = "clean"
    for cond, idx in injected.items():
        for k, i in enumerate(idx):
            name = f"{prefix}{cond}_{i:03d}.jpg"
            if cond == "rotation":
                if k % 2:
                    save(pool[i], folder / name, exif_rotate=True)
                else:
                    save(np.ascontiguousarray(np.rot90(pool[i])), folder / name)
            elif cond == "duplicate":
                source = f"{prefix}clean_{i:03d}.jpg"
                shutil.copyfile(folder / source, folder / name)
                out.copy_of[name] = source
            elif cond == "near_duplicate":
                source = f"{prefix}clean_{i:03d}.jpg"
                Image.fromarray(pool[i]).resize((240, 180), Image.LANCZOS).save(folder / name, quality=60)
                out.copy_of[name] = source
            else:
                save(apply(cond, pool[i]), folder / name)
            out.truth[name] = cond
    return out


def standard_split(n: int, per_condition: int = 10, seed: int = 0) -> tuple[list[int], dict[str, list[int]]]:
    """Return clean indices and, per condition, indices of other images to inject (copies copy clean ones)."""
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(n)]
    fresh = [c for c in CONDITIONS if c not in ("duplicate", "near_duplicate")]
    injected = {c: order[k * per_condition:(k + 1) * per_condition] for k, c in enumerate(fresh)}
    clean = order[len(fresh) * per_condition:]
    injected["duplicate"] = clean[:per_condition // 2]
    injected["near_duplicate"] = clean[per_condition // 2: per_condition]
    return clean, injected


#: the code each generated condition should be reported under
CODE_OF = {"dark": "image.dark", "blur": "image.blurry", "glare": "image.glare", "rotation": "image.odd_size",
           "duplicate": "image.duplicate", "near_duplicate": "image.near_duplicate"}


def flagged_names(findings: list, names: list[str]) -> dict[str, set[str]]:
    """Return code -> the file names its findings list (all rows, not only the first 100)."""
    out: dict[str, set[str]] = {}
    for f in findings:
        rows = f.evidence.get("all_rows", f.rows)
        out.setdefault(f.code, set()).update(names[r] for r in rows)
    return out


def precision_recall(image_set: ImageSet, flagged: dict[str, set[str]]) -> list[dict]:
    """Return one row per condition: injected, found, flagged, precision, recall.

    A copy's original is a right answer for the duplicate codes (both are in the group).
    """
    rows = []
    for cond, code in CODE_OF.items():
        injected = {n for n, c in image_set.truth.items() if c == cond}
        if not injected:
            continue
        right = injected | {image_set.copy_of[n] for n in injected if n in image_set.copy_of}
        got = flagged.get(code, set())
        rows.append({"condition": cond, "code": code, "injected": len(injected), "found": len(got & injected),
                     "flagged": len(got), "precision": len(got & right) / len(got) if got else 1.0,
                     "recall": len(got & injected) / len(injected)})
    return rows


def digits_with_dark_share(folder: Path, dark_share: float = 0.3, seed: int = 0) -> tuple[Any, dict[str, str]]:
    """Write scikit-learn's test digits as 64×64 PNGs (a share darkened to 25%) and predict them.

    A standardising logistic regression is trained on the other half of the digits (clean); it reads each
    test image back from disk, box-averaged to 8×8. Returns the predictions table (file,
    label, prediction) and file name -> "dark" or "clean".
    """
    import polars as pl
    from PIL import Image

    datasets = pytest.importorskip("sklearn.datasets")
    linear = pytest.importorskip("sklearn.linear_model")
    digits = datasets.load_digits()
    x, y = digits.images, digits.target
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    train, test = order[: len(y) // 2], order[len(y) // 2:]
    pipeline = pytest.importorskip("sklearn.pipeline")
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    model = pipeline.make_pipeline(preprocessing.StandardScaler(), linear.LogisticRegression(max_iter=2000))
    model.fit(x[train].reshape(len(train), -1), y[train])
    folder.mkdir(parents=True, exist_ok=True)
    dark = set(rng.choice(test, int(dark_share * len(test)), replace=False).tolist())
    names, truth, feats = [], {}, []
    for i in test:
        big = np.kron(x[i] / 16.0 * 255.0, np.ones((8, 8)))
        if i in dark:
            big = big * 0.25
        name = f"digit_{i:04d}.png"
        Image.fromarray(big.astype(np.uint8)).save(folder / name)
        back = np.asarray(Image.open(folder / name), dtype=np.float64)
        feats.append(back.reshape(8, 8, 8, 8).mean(axis=(1, 3)).ravel() / 255.0 * 16.0)
        names.append(name)
        truth[name] = "dark" if i in dark else "clean"
    pred = model.predict(np.array(feats))
    table = pl.DataFrame({"file": names, "label": y[test].tolist(), "prediction": pred.tolist()})
    return table, truth
