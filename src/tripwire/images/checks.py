"""Image findings from the property table: unreadable files, odd shapes, dark, bright, blurry,
glare-heavy and blank images, duplicates, train/test copies, and coverage gaps.

Each per-image judgement compares an image with a *baseline*: the reference images when
given, else the folder's own images. An image is flagged when its value passes an absolute
bound (dark is dark whatever the folder holds) *and* is far from the baseline's median by a
ratio (a folder of night shots does not make every night shot "too dark"). Row indices are
image indices in path order (the `path` column names them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from scipy.stats import binom

from tripwire.images.duplicates import NEAR_BITS, near_groups, near_matches
from tripwire.report import CheckResult, Finding
from tripwire.report.codes import code_info
from tripwire.report.format import number, pct

#: coverage gaps: the reference's tail quantile, and the share of new images past it that is a gap
TAIL = 0.01
GAP_SHARE = 0.05
GAP_P = 1e-3
#: images whose shorter side is below this many pixels are odd whatever the folder holds
MIN_SIDE = 32
#: a luminance standard deviation below this (with little entropy) is a nearly blank image
BLANK_CONTRAST = 0.02
#: a shape (aspect ratio within 10%) or an EXIF rotation held by under this share of the baseline is odd
MINORITY = 0.1
DETECTOR = "images"


def _brightness(t: pl.DataFrame) -> np.ndarray:
    return t["brightness"].to_numpy().astype(float)


def _darkness(t: pl.DataFrame) -> np.ndarray:
    return 1.0 - t["brightness"].to_numpy().astype(float)


def _relative_sharpness(t: pl.DataFrame) -> np.ndarray:
    """Return Laplacian variance over grey variance: high-frequency share, the same at any exposure."""
    grey_var = (t["contrast"].to_numpy().astype(float) * 255.0) ** 2
    # a nearly flat image has no edges to be sharp or blurry: it is low-information, judged elsewhere
    flat = grey_var < (BLANK_CONTRAST * 255.0) ** 2
    return np.where(flat, np.nan, t["sharpness"].to_numpy().astype(float) / np.maximum(grey_var, 1.0))


def _glare(t: pl.DataFrame) -> np.ndarray:
    return t["glare"].to_numpy().astype(float)


@dataclass(frozen=True)
class Condition:
    """One per-image condition: a score, an absolute bound on it, and a ratio to the baseline median.

    Low side: score < bound and score < ratio × median. High side: score > bound and
    score > ratio × max(median, floor).
    """

    code: str
    column: str
    score: Callable[[pl.DataFrame], np.ndarray]
    low: bool
    bound: float
    ratio: float
    words: str
    rule: str
    floor: float = 0.0


CONDITIONS = (
    Condition("image.dark", "brightness", _brightness, True, 0.15, 0.4, "too dark",
              "brightness below 0.15 and under 0.4× the baseline median"),
    Condition("image.bright", "brightness", _darkness, True, 0.15, 0.4, "too bright (washed out)",
              "brightness above 0.85, with 1 − brightness under 0.4× the baseline's"),
    Condition("image.blurry", "sharpness", _relative_sharpness, True, 0.035, 0.2, "blurry",
              "Laplacian variance under 0.035× the image's grey variance and under 0.2× the baseline median of that ratio"),
    Condition("image.glare", "glare", _glare, False, 0.05, 5.0, "glare-heavy (clipped highlights)",
              "over 5% of pixels clipped white and over 5× the baseline median share", floor=0.01),
)


def image_findings(table: pl.DataFrame, reference: pl.DataFrame | None = None) -> tuple[list[Finding],
                                                                                          list[CheckResult]]:
    """Return the image findings and one check result per image check that ran."""
    ok = table["error"].is_null().to_numpy()
    base = _readable(reference) if reference is not None else table.filter(pl.col("error").is_null())
    found: list[Finding] = []
    checks: list[CheckResult] = []

    def run(name: str, fn: Callable[[], list[Finding]]) -> None:
        got = fn()
        found.extend(got)
        checks.append(CheckResult(f"images.{name}", "failed" if got else "passed"))

    run("unreadable", lambda: _unreadable(table))
    if ok.any() and base.height:
        run("odd_size", lambda: _odd_size(table, ok, base))
        for cond in CONDITIONS:
            run(cond.code.split(".")[1], lambda c=cond: _condition(table, ok, base, c, reference is not None))
        run("low_information", lambda: _low_information(table, ok))
    run("duplicates", lambda: _duplicates(table))
    if reference is not None:
        run("train_test_overlap", lambda: _overlap(table, reference))
        if ok.any() and base.height:
            run("coverage_gap", lambda: _coverage(table.filter(pl.col("error").is_null()), ok, base))
    else:
        checks.append(CheckResult("images.train_test_overlap", "skipped", "needs --reference"))
        checks.append(CheckResult("images.coverage_gap", "skipped", "needs --reference"))
    return found, checks


def _readable(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("error").is_null())


def _finding(code: str, severity: str, columns: tuple[str, ...], title: str, evidence: dict[str, Any],
             rows: np.ndarray | list[int]) -> Finding:
    return Finding(code, severity, columns, title, evidence, fix=code_info(code).fix,  # type: ignore[arg-type]
                   detector=DETECTOR).with_rows([int(r) for r in rows])


def _names(table: pl.DataFrame, rows: np.ndarray | list[int], limit: int = 5) -> list[str]:
    return [str(p) for p in table["path"].gather(list(rows)[:limit]).to_list()]


def _unreadable(table: pl.DataFrame) -> list[Finding]:
    bad = table.with_row_index("row").filter(pl.col("error").is_not_null())
    if not bad.height:
        return []
    reasons = bad.group_by("error").len().sort(["len", "error"], descending=[True, False])
    first = bad.row(0, named=True)
    title = (f"{bad.height:,} of {table.height:,} image files cannot be read "
             f"(e.g. {first['path']}: {first['error']})")
    return [_finding("image.unreadable", "error", ("path",), title,
                     {"count": bad.height, "share": bad.height / table.height,
                      "files": [f"{r['path']}: {r['error']}" for r in bad.head(20).iter_rows(named=True)],
                      "reasons": {r["error"]: r["len"] for r in reasons.head(10).iter_rows(named=True)}},
                     bad["row"].to_numpy())]


def _condition(table: pl.DataFrame, ok: np.ndarray, base: pl.DataFrame, c: Condition,
               has_reference: bool) -> list[Finding]:
    score = c.score(table)
    ref = c.score(base)
    finite = ref[np.isfinite(ref)]
    if not finite.size:
        return []
    med = float(np.median(finite))
    if c.low:
        hit = ok & (score < c.bound) & (score < c.ratio * med)
    else:
        hit = ok & (score > c.bound) & (score > c.ratio * max(med, c.floor))
    rows = np.flatnonzero(hit)
    if not rows.size:
        return []
    rows = rows[np.argsort(score[rows] if c.low else -score[rows], kind="stable")]  # worst first
    against = "the reference images" if has_reference else "the folder's images"
    raw = table[c.column].to_numpy().astype(float)
    median_raw = float(np.median(base[c.column].drop_nulls().to_numpy()))
    title = (f"{_count(rows.size, 'image is', 'images are')} {c.words}: {c.rule} "
             f"({c.column} median of {against}: {number(median_raw, 3)}; e.g. {', '.join(_names(table, rows, 3))})")
    return [_finding(c.code, "warning", (c.column,), title,
                     {"count": int(rows.size), "share": rows.size / table.height, "baseline_median": median_raw,
                      "bound": c.bound, "ratio": c.ratio, "examples": _names(table, rows),
                      "values": [float(v) for v in raw[rows[:5]]]}, rows)]


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _odd_size(table: pl.DataFrame, ok: np.ndarray, base: pl.DataFrame) -> list[Finding]:
    w, h = table["width"].to_numpy().astype(float), table["height"].to_numpy().astype(float)
    aspect = np.log(np.where(ok, table["aspect_ratio"].to_numpy().astype(float), 1.0))
    ref_aspect = np.sort(np.log(base["aspect_ratio"].to_numpy().astype(float)))
    # share of baseline images within 10% of this image's aspect ratio: rare shapes are odd
    near = (np.searchsorted(ref_aspect, aspect + 0.1, side="right") - np.searchsorted(ref_aspect, aspect - 0.1))
    rare_aspect = ok & (near / ref_aspect.size < MINORITY) & (np.abs(aspect - np.median(ref_aspect)) > np.log(1.25))
    pixels = w * h
    ref_pixels = float(np.median(base["width"].to_numpy() * base["height"].to_numpy()))
    odd_pixels = ok & ((np.minimum(w, h) < MIN_SIDE) | (pixels < ref_pixels / 16) | (pixels > ref_pixels * 16))
    orient = table["orientation"].to_numpy()
    ref_rotated = float((base["orientation"].to_numpy() != 1).mean())
    rotated = ok & (orient != 1) & (ref_rotated < MINORITY)
    odd = rare_aspect | odd_pixels | rotated
    rows = np.flatnonzero(odd)
    if not rows.size:
        return []
    parts = [f"{int(rare_aspect.sum()):,} with a rare aspect ratio" if rare_aspect.any() else "",
             f"{int(odd_pixels.sum()):,} far smaller or larger" if odd_pixels.any() else "",
             f"{int(rotated.sum()):,} rotated by their EXIF orientation" if rotated.any() else ""]
    title = (f"{_count(rows.size, 'image has', 'images have')} an unusual shape or orientation ({'; '.join(p for p in parts if p)}; "
             f"typical: {number(float(np.exp(np.median(ref_aspect))), 3)} aspect, "
             f"{number(ref_pixels / 1e6, 3)} megapixels; e.g. {', '.join(_names(table, rows, 3))})")
    sizes = [f"{int(w[r])}×{int(h[r])}" for r in rows[:5]]
    return [_finding("image.odd_size", "warning", ("width", "height", "aspect_ratio", "orientation"), title,
                     {"count": int(rows.size), "share": rows.size / table.height,
                      "rare_aspect": int(rare_aspect.sum()), "odd_pixels": int(odd_pixels.sum()),
                      "exif_rotated": int(rotated.sum()), "examples": _names(table, rows), "sizes": sizes}, rows)]


def _low_information(table: pl.DataFrame, ok: np.ndarray) -> list[Finding]:
    ent = table["entropy"].to_numpy().astype(float)
    con = table["contrast"].to_numpy().astype(float)
    blank = ok & (ent < 1.5) & (con < BLANK_CONTRAST)
    rows = np.flatnonzero(blank)
    if not rows.size:
        return []
    title = (f"{_count(rows.size, 'image is', 'images are')} nearly blank (entropy under 1.5 bits and contrast under 0.02; "
             f"e.g. {', '.join(_names(table, rows, 3))})")
    return [_finding("image.low_information", "warning", ("entropy", "contrast"), title,
                     {"count": int(rows.size), "share": rows.size / table.height, "examples": _names(table, rows)},
                     rows)]


def _hashes(df: pl.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    idx = df.with_row_index("row").filter(pl.col(column).is_not_null())
    return idx["row"].to_numpy().astype(np.int64), idx[column].to_numpy().astype(np.int64)


def _duplicates(table: pl.DataFrame) -> list[Finding]:
    out = []
    rows_f, fh = _hashes(table, "file_hash")
    dup = pl.DataFrame({"row": rows_f, "h": fh}).with_columns(pl.len().over("h").alias("n")).filter(pl.col("n") > 1)
    if dup.height:
        extra = dup.height - dup["h"].n_unique()
        first = dup.sort("row").filter(pl.col("h") == dup.sort("row")["h"][0])["row"].to_list()
        title = (f"{_count(extra, 'image file is a byte-identical copy', 'image files are byte-identical copies')} of another ({_count(dup['h'].n_unique(), 'group', 'groups')}; "
                 f"e.g. {' = '.join(_names(table, first, 3))})")
        rows = np.sort(dup["row"].to_numpy())
        out.append(_finding("image.duplicate", "warning", ("file_hash",), title,
                            {"count": extra, "groups": dup["h"].n_unique(), "files_in_groups": dup.height,
                             "examples": _names(table, first)}, rows))
    rows_p, ph = _hashes(table, "phash")
    label = near_groups(ph)
    fh_all = table["file_hash"].fill_null(0).to_numpy()[rows_p]
    members = pl.DataFrame({"row": rows_p, "g": label, "fh": fh_all, "h": ph}).filter(pl.col("g") >= 0)
    # a group of byte-identical copies only is image.duplicate's; near-duplicates differ in their bytes
    per = members.group_by("g").agg(pl.col("fh").n_unique().alias("files"), pl.col("row").min().alias("first"))
    per = per.filter(pl.col("files") > 1).sort("first")
    if per.height:
        kept = members.join(per.select("g"), on="g")
        rows = np.sort(kept["row"].to_numpy())
        count = int((per["files"] - 1).sum())
        examples = []
        for g in per["g"].head(10).to_list():  # at most ten examples: one pair per group
            grp = kept.filter(pl.col("g") == g).sort("row")
            other = grp.filter(pl.col("fh") != grp["fh"][0]).row(0, named=True)
            bits = int(np.bitwise_count(np.array([grp["h"][0] ^ other["h"]], dtype=np.int64).view(np.uint64))[0])
            examples.append([*_names(table, [int(grp["row"][0]), int(other["row"])], 2), bits])
        title = (f"{_count(count, 'image is a near-duplicate', 'images are near-duplicates')} of another "
                 f"({_count(per.height, 'group', 'groups')}, perceptual hashes at most {NEAR_BITS} of 64 bits apart; "
                 f"e.g. {examples[0][0]} ≈ {examples[0][1]})")
        out.append(_finding("image.near_duplicate", "warning", ("phash",), title,
                            {"count": count, "groups": per.height, "images_in_groups": int(rows.size),
                             "max_bits": NEAR_BITS, "pairs": examples}, rows))
    return out


def _overlap(table: pl.DataFrame, reference: pl.DataFrame) -> list[Finding]:
    rows_p, ph = _hashes(table, "phash")
    ref_rows, ref_h = _hashes(reference, "phash")
    i, j, bits = near_matches(ph, ref_h)
    pairs = np.column_stack([i, j, bits])
    rows_f, fh = _hashes(table, "file_hash")
    exact = rows_f[np.isin(fh, reference["file_hash"].drop_nulls().to_numpy())]
    near = rows_p[np.unique(pairs[:, 0])] if len(pairs) else np.empty(0, dtype=np.int64)
    rows = np.union1d(exact, near).astype(np.int64)
    if not rows.size:
        return []
    examples = []
    for i, j, bits in pairs[:5]:
        examples.append([_names(table, [int(rows_p[i])], 1)[0], str(reference["path"][int(ref_rows[j])]), int(bits)])
    how = [f"{exact.size:,} byte-identical" if exact.size else "",
           f"{rows.size - exact.size:,} within {NEAR_BITS} bits of perceptual hash" if rows.size > exact.size else ""]
    title = (f"{rows.size:,} of {table.height:,} images ({pct(rows.size / table.height)}) also appear in the "
             f"reference images ({', '.join(h for h in how if h)})")
    return [_finding("leakage.train_test_overlap", "error", ("phash",), title,
                     {"count": int(rows.size), "share": rows.size / table.height, "exact": int(exact.size),
                      "max_bits": NEAR_BITS, "pairs": examples}, rows)]


#: property -> (words for new images below the reference's low tail, above its high tail); None: not judged
GAP_WORDS: dict[str, tuple[str | None, str | None]] = {
    "brightness": ("darker", "brighter"),
    "contrast": ("lower in contrast", "higher in contrast"),
    "saturation": ("less saturated", "more saturated"),
    "colourfulness": ("less colourful", "more colourful"),
    "sharpness": ("blurrier", "sharper"),
    "glare": (None, "more glare-heavy"),
    "noise": (None, "noisier"),
    "entropy": ("less detailed", None),
    "aspect_ratio": ("narrower", "wider"),
}


@dataclass(frozen=True)
class _Gap:
    column: str
    words: str
    below: bool
    edge: float
    q: float
    rows: np.ndarray  # table rows, most extreme first
    p_value: float


#: gaps whose images overlap this much (Jaccard) are one cause seen through several properties
SAME_IMAGES = 0.8


def _coverage(new: pl.DataFrame, ok: np.ndarray, base: pl.DataFrame) -> list[Finding]:
    """Name property ranges where many new images lie beyond what 99% of the reference images show.

    Darkened images are also lower in contrast and less colourful: gaps over nearly the same
    images are reported as one finding naming every property, led by the largest.
    """
    n = new.height
    index = np.flatnonzero(ok)
    gaps: list[_Gap] = []
    for col, (low_words, high_words) in GAP_WORDS.items():
        ref = base[col].drop_nulls().to_numpy().astype(float)
        v = new[col].to_numpy().astype(float)
        if ref.size < 20:
            continue
        for words, q, below in ((low_words, TAIL, True), (high_words, 1 - TAIL, False)):
            if words is None:
                continue
            edge = float(np.quantile(ref, q, method="lower" if below else "higher"))
            past = (v < edge) if below else (v > edge)
            k = int(past.sum())
            p_value = float(binom.sf(k - 1, n, TAIL))
            if k / n < max(GAP_SHARE, 3 * TAIL) or p_value > GAP_P:
                continue
            order = np.argsort(v[past] if below else -v[past], kind="stable")
            gaps.append(_Gap(col, words, below, edge, q, index[np.flatnonzero(past)][order], p_value))
    gaps.sort(key=lambda g: -g.rows.size)  # stable: ties keep the property order
    out, used = [], [False] * len(gaps)
    for i, lead in enumerate(gaps):
        if used[i]:
            continue
        group = [lead]
        for j in range(i + 1, len(gaps)):
            if not used[j] and _jaccard(lead.rows, gaps[j].rows) >= SAME_IMAGES:
                used[j] = True
                group.append(gaps[j])
        out.append(_gap_finding(group, n))
    return out


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return np.intersect1d(a, b).size / np.union1d(a, b).size


def _gap_finding(group: list[_Gap], n: int) -> Finding:
    lead = group[0]
    k = lead.rows.size
    words = [g.words for g in group]
    said = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    edges = "; ".join(f"{g.column} {'<' if g.below else '>'} {number(g.edge, 3)}" for g in group)
    title = (f"{pct(k / n)} of new images ({k:,} of {n:,}) are {said} than 99% of the reference images "
             f"({edges}): a range the reference barely covers")
    also = {g.column: {"edge": g.edge, "side": "low" if g.below else "high", "count": int(g.rows.size)}
            for g in group[1:]}
    return _finding("image.coverage_gap", "warning", tuple(g.column for g in group), title,
                    {"count": k, "share": k / n, "edge": lead.edge, "reference_quantile": lead.q,
                     "expected_share": TAIL, "side": "low" if lead.below else "high", "p_value": lead.p_value,
                     **({"also": also} if also else {})}, lead.rows)
