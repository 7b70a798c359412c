"""Small SVG charts drawn at build time: no JavaScript library, no network, escaped text."""

from __future__ import annotations

from html import escape

import numpy as np

from tripwire.profiling import ColumnProfile
from tripwire.report.format import cut, number, pct, timestamp

CUR, REF = "#2563eb", "#f59e0b"
WIDTH, HEIGHT = 360, 120


def _svg(body: str, width: int = WIDTH, height: int = HEIGHT, label: str = "") -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(label)}">{body}</svg>')


def distribution(col: ColumnProfile, ref: ColumnProfile | None, bins: int = 30) -> str | None:
    """Draw the column's distribution (and the reference's) from their quantile sketches."""
    num = col.numbers
    if num.n == 0:
        return None
    sketches = [num.quantiles] + ([ref.numbers.quantiles] if ref is not None and ref.numbers.n else [])
    lows = [s.quantile(0.005) for s in sketches]
    highs = [s.quantile(0.995) for s in sketches]
    lo, hi = float(min(lows)), float(max(highs))
    if not np.isfinite([lo, hi]).all():
        return None
    if hi <= lo:
        hi = lo + 1.0
    edges = np.linspace(lo, hi, bins + 1)
    series = []
    for s in sketches:
        cdf = s.cdf(edges)
        series.append(np.clip(np.diff(cdf), 0, None))
    top = max(float(x.max()) for x in series) or 1.0
    w = (WIDTH - 20) / bins
    parts = []
    for k, (values, color) in enumerate(zip(series, (CUR, REF), strict=False)):
        if k == 0:
            for i, v in enumerate(values):
                h = (HEIGHT - 30) * v / top
                parts.append(f'<rect x="{10 + i * w:.1f}" y="{HEIGHT - 20 - h:.1f}" width="{w - 1:.1f}" '
                             f'height="{h:.1f}" fill="{color}" opacity="0.75"/>')
        else:
            pts = " ".join(f"{10 + (i + 0.5) * w:.1f},{HEIGHT - 20 - (HEIGHT - 30) * v / top:.1f}"
                           for i, v in enumerate(values))
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
    parts.append(f'<text x="10" y="{HEIGHT - 5}" class="axis">{escape(_axis(lo, col))}</text>')
    parts.append(f'<text x="{WIDTH - 10}" y="{HEIGHT - 5}" class="axis" text-anchor="end">{escape(_axis(hi, col))}</text>')
    return _svg("".join(parts), label=f"distribution of {cut(col.name, 80)}")


def top_values(col: ColumnProfile, ref: ColumnProfile | None, masked: bool, n: int = 8) -> str | None:
    """Draw the most frequent values' shares, with the reference's share as a marker."""
    top = col.frequent.top(n)
    if not top or col.frequent.total == 0:
        return None
    total = col.frequent.total
    rtotal = ref.frequent.total if ref is not None and ref.frequent.total else 0
    row_h, label_w = 16, 130
    height = row_h * len(top) + 8
    parts = []
    for i, (value, count) in enumerate(top):
        y = 4 + i * row_h
        share = count / total
        text = number(value) if isinstance(value, (int, float)) else str(value)[:40]
        label = "•••• (masked)" if masked else cut(text, 18)
        bar = (WIDTH - label_w - 50) * share
        parts.append(f'<text x="{label_w - 6}" y="{y + 11}" class="lbl" text-anchor="end">{escape(label)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar:.1f}" height="{row_h - 5}" fill="{CUR}" opacity="0.75"/>')
        parts.append(f'<text x="{label_w + bar + 4:.1f}" y="{y + 11}" class="lbl">{pct(share)}</text>')
        if rtotal:
            rshare = ref.frequent.count(value) / rtotal
            x = label_w + (WIDTH - label_w - 50) * rshare
            parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 1}" y2="{y + row_h - 2}" stroke="{REF}" stroke-width="3"/>')
    return _svg("".join(parts), height=height, label=f"top values of {cut(col.name, 80)}")


def share_bar(share: float, ref_share: float | None = None, width: int = 120) -> str:
    """Draw a thin bar for a share (missing values), with the reference's share as a tick."""
    parts = [f'<rect x="0" y="3" width="{width}" height="8" fill="#e5e7eb"/>',
             f'<rect x="0" y="3" width="{width * min(share, 1.0):.1f}" height="8" fill="#dc2626"/>']
    if ref_share is not None:
        x = width * min(ref_share, 1.0)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="14" stroke="{REF}" stroke-width="2"/>')
    return _svg("".join(parts), width=width, height=14, label=f"{pct(share)} missing")


def _axis(x: float, col: ColumnProfile) -> str:
    return timestamp(x, col.physical_type) if col.kind == "temporal" else number(x)


def line(points: list[tuple[str, float | None]], label: str, *, percent: bool = False,
         width: int = 560, height: int = 150) -> str:
    """Draw a metric over batches as a line with dots; missing values leave gaps."""
    values = [v for _, v in points if v is not None]
    if not values:
        return _svg(f'<text x="10" y="20" class="lbl">no values yet for {escape(label)}</text>', width, 40, label)
    lo, hi = min(values), max(values)
    if hi == lo:
        lo, hi = lo - 1 if not percent else max(0.0, lo - 0.01), hi + (1 if not percent else 0.01)
    left, right, top, bottom = 48, 10, 14, 26
    n = max(len(points) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return (left + (width - left - right) * i / n, top + (height - top - bottom) * (1 - (v - lo) / (hi - lo)))

    parts, run = [], []
    for i, (_, v) in enumerate(points):
        if v is None:
            if len(run) > 1:
                parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{CUR}" stroke-width="2"/>')
            run = []
            continue
        x, y = xy(i, v)
        run.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{CUR}"><title>{escape(points[i][0])}: '
                     f'{escape(_value(v, percent))}</title></circle>')
    if len(run) > 1:
        parts.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{CUR}" stroke-width="2"/>')
    parts.append(f'<text x="{left - 6}" y="{top + 4}" class="axis" text-anchor="end">{escape(_value(hi, percent))}</text>')
    parts.append(f'<text x="{left - 6}" y="{height - bottom}" class="axis" text-anchor="end">{escape(_value(lo, percent))}</text>')
    parts.append(f'<text x="{left}" y="{height - 6}" class="axis">{escape(points[0][0])}</text>')
    parts.append(f'<text x="{width - right}" y="{height - 6}" class="axis" text-anchor="end">{escape(points[-1][0])}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{height - bottom}" y2="{height - bottom}" stroke="#e5e7eb"/>')
    return _svg("".join(parts), width, height, label)


def _value(v: float, percent: bool) -> str:
    return pct(v) if percent else number(v)
