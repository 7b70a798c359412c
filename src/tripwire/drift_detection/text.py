"""drift.text: free-text columns whose content moved — vocabulary, length, and a TF-IDF classifier.

Runs on the profiles' row samples. The decision is the classifier's out-of-fold AUC (a
change a model could exploit); the tokens that appeared or vanished (by share of texts using
them, beyond sampling noise) and the length change from the full profiles say what moved.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import polars as pl

from tripwire.detectors.common import is_free_text, short
from tripwire.detectors.registry import Detector, ScanContext, register
from tripwire.drift_detection.classifier import separability
from tripwire.drift_detection.config import DriftConfig
from tripwire.drift_detection.multivariate import MIN_ROWS_PER_SIDE, sample_pair
from tripwire.report import Finding

TOKEN = r"[\p{L}\p{N}_#@'’]{2,}"
#: a token changed when the share of texts using it moved by this many standard errors
TOKEN_Z = 5.0
MIN_TOKEN_TEXTS = 10


def token_shares(texts: pl.Series) -> pl.DataFrame:
    """Return each token's number of texts using it (columns token, texts)."""
    tokens = texts.str.to_lowercase().str.extract_all(TOKEN).list.unique()
    return (tokens.explode().drop_nulls().value_counts(name="texts")
            .rename({tokens.name: "token"}))


def vocabulary_change(ref: pl.Series, cur: pl.Series) -> dict[str, Any]:
    """Return tokens that appeared and vanished (share of texts, before → after), beyond noise."""
    n_r, n_c = ref.len(), cur.len()
    joined = token_shares(ref.rename("t")).join(token_shares(cur.rename("t")), on="token", how="full",
                                                 coalesce=True, suffix="_cur").fill_null(0)
    joined = joined.filter((pl.col("texts") + pl.col("texts_cur")) >= MIN_TOKEN_TEXTS)
    p_r = pl.col("texts") / n_r
    p_c = pl.col("texts_cur") / n_c
    pooled = (pl.col("texts") + pl.col("texts_cur")) / (n_r + n_c)
    z = (p_c - p_r) / (pooled * (1 - pooled) * (1 / n_r + 1 / n_c)).sqrt()
    scored = joined.with_columns(ref_share=p_r, cur_share=p_c, z=z).filter(pl.col("z").abs() >= TOKEN_Z)
    appeared = scored.filter(pl.col("cur_share") > 2 * pl.col("ref_share")).sort(
        pl.col("cur_share") - pl.col("ref_share"), descending=True).head(10)
    vanished = scored.filter(pl.col("ref_share") > 2 * pl.col("cur_share")).sort(
        pl.col("ref_share") - pl.col("cur_share"), descending=True).head(10)

    def table(frame: pl.DataFrame) -> dict[str, list[float]]:
        return {t: [round(a, 4), round(b, 4)] for t, a, b in
                frame.select("token", "ref_share", "cur_share").iter_rows()}

    return {"appeared": table(appeared), "vanished": table(vanished)}


def _examples(texts: pl.Series, tokens: list[str], limit: int = 3) -> list[str]:
    out = []
    lowered = texts.str.to_lowercase()
    for token in tokens[:limit]:
        hit = texts.filter(lowered.str.contains(token, literal=True)).head(1)
        if hit.len():
            out.append(short(hit[0], 100))
    return out


@register
class TextDrift(Detector):
    """Report free-text columns whose vocabulary or content moved from the reference."""

    name, family = "drift.text", "drift"
    codes = ("drift.text",)
    requires = frozenset({"profile", "reference", "sample"})
    background = True  # a classifier: fitted beside the row pass
    weight = 5.0
    extras = ("sklearn",)

    def run(self, ctx: ScanContext) -> Iterator[Finding]:
        assert ctx.reference is not None
        config = DriftConfig.from_options(ctx.options)
        columns = [n for n, c in ctx.profile.columns.items()
                   if n in ctx.reference and is_free_text(c) and ctx.reference[n].kind == "string"
                   and not config.skipped(n)]
        pair = sample_pair(ctx.reference, ctx.profile, config.sample_rows) if columns else None
        if pair is None:
            return
        for name in columns:
            finding = self._column(name, pair[0][name].drop_nulls(), pair[1][name].drop_nulls(), ctx, config)
            if finding is not None:
                yield finding

    def _column(self, name: str, ref: pl.Series, cur: pl.Series, ctx: ScanContext,
                config: DriftConfig) -> Finding | None:
        ref, cur = ref.cast(pl.String), cur.cast(pl.String)
        if min(ref.len(), cur.len()) < MIN_ROWS_PER_SIDE:
            return None
        from sklearn.feature_extraction.text import TfidfVectorizer

        texts = pl.concat([ref, cur]).to_list()
        try:
            x = TfidfVectorizer(min_df=2, max_features=20_000, sublinear_tf=True,
                                token_pattern=r"(?u)\b\w\w+\b").fit_transform(texts)
        except ValueError:  # no token occurs twice: nothing to learn from
            return None
        y = np.concatenate([np.zeros(ref.len()), np.ones(cur.len())]).astype(np.int64)
        levels = config.levels("auc").values()
        result = separability(_model, x.tocsr(), y, importance=False,
                              screen_below=min(levels), screen_above=max(levels))
        if result is None:
            return None
        level = config.severity("auc", result.auc)
        significant = result.low > 0.5
        if level is None or (not significant and level == "info"):
            return None
        vocab = vocabulary_change(ref, cur)
        lengths = self._lengths(ctx, name)
        parts = []
        if vocab["appeared"]:
            parts.append("new: " + ", ".join(repr(t) for t in list(vocab["appeared"])[:5]))
        if vocab["vanished"]:
            parts.append("fading: " + ", ".join(repr(t) for t in list(vocab["vanished"])[:5]))
        if lengths and abs(lengths["shift_sd"]) >= 0.2:
            parts.append(f"mean length {lengths['mean'][0]:.0f} → {lengths['mean'][1]:.0f} characters")
        title = (f"{name}: text content changed (a TF-IDF classifier tells the batches apart, "
                 f"AUC {result.auc:.2f} [{result.low:.2f}, {result.high:.2f}])")
        if parts:
            title += "; " + "; ".join(parts)
        if not significant:
            title += " — few texts; may be noise"
        top_new = list(vocab["appeared"])
        evidence = {**result.evidence(), "thresholds": config.levels("auc"), "significant": significant,
                    "tokens_appeared": vocab["appeared"], "tokens_vanished": vocab["vanished"],
                    "examples_new": _examples(cur, top_new), "length": lengths,
                    "token_share_note": f"share of texts using each token (reference, current); "
                                        f"changes beyond {TOKEN_Z:g} standard errors"}
        evidence.pop("top_features", None)
        severity = level if significant else "info"
        return self.finding("drift.text", severity, name, title, evidence)  # type: ignore[arg-type]

    @staticmethod
    def _lengths(ctx: ScanContext, name: str) -> dict[str, Any]:
        assert ctx.reference is not None
        a, b = ctx.reference[name].text, ctx.profile[name].text
        if a is None or b is None or not a.lengths.n or not b.lengths.n:
            return {}
        sd = a.lengths.std or 1.0
        shift = (b.lengths.mean - a.lengths.mean) / sd
        return {"mean": [a.lengths.mean, b.lengths.mean], "sd": [a.lengths.std, b.lengths.std],
                "shift_sd": round(shift, 4) if math.isfinite(shift) else 0.0}


def _model():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=1.0, max_iter=300)
