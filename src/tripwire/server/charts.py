"""Trend charts of the dashboard: one metric over batches as SVG, with readable axes.

The y axis has round ticks (a constant 0 is drawn on 0…1, not -1…1; counts start at 0 and
tick in whole numbers); the x axis is time, labelled at a few dates that fit inside the
chart. Every text is escaped.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from html import escape

CUR = "#2563eb"
WIDTH, HEIGHT = 560, 160
CHAR_PX = 6.2  # width of one 10px label character, to size the margins


def nice_ticks(lo: float, hi: float, *, zero_based: bool = False, integer: bool = False,
               count: int = 4) -> list[float]:
    """Return 2 to ~6 round tick values covering [lo, hi] (0 included when zero_based)."""
    if zero_based:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi = (lo, lo + 1.0) if lo == 0 else (lo - pad, hi + pad)
        if zero_based:
            lo, hi = min(lo, 0.0), max(hi, 0.0)
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(1.0, round(step))
    start, stop = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
    n = round((stop - start) / step)
    return [start + i * step for i in range(n + 1)]


def tick_label(v: float, step: float, *, percent: bool = False) -> str:
    """Format a tick with as many decimals as its step needs."""
    if percent:
        decimals = max(0, -math.floor(math.log10(step * 100) + 1e-9)) if step else 0
        return f"{v * 100:.{decimals}f}%"
    if float(v).is_integer() and abs(v) < 1e15:
        return f"{v:,.0f}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step else 3
    return f"{v:,.{min(decimals, 6)}f}"


def time_labels(times: list[datetime], n: int = 4) -> tuple[list[int], str]:
    """Return the indices of up to n evenly spaced points to label, and the strftime format."""
    span = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0
    fmt = "%Y-%m-%d" if span >= 3 * 86400 else "%m-%d %H:%M"
    if len(times) <= n:
        return list(range(len(times))), fmt
    return sorted({round(i * (len(times) - 1) / (n - 1)) for i in range(n)}), fmt


def trend(points: list[tuple[datetime, float | None]], label: str, *, percent: bool = False,
          integer: bool = False, zero_based: bool = True, width: int = WIDTH, height: int = HEIGHT) -> str:
    """Draw a metric over time as a line with dots; None values leave gaps."""
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    if not values:
        return _svg(f'<text x="10" y="20" class="lbl">no values yet for {escape(label)}</text>', width, 40, label)
    ticks = nice_ticks(min(values), max(values), zero_based=zero_based, integer=integer)
    lo, hi = ticks[0], ticks[-1]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    labels = [tick_label(t, step, percent=percent) for t in ticks]
    left = int(max(len(s) for s in labels) * CHAR_PX) + 12
    right, top, bottom = 12, 10, 28
    times = [t for t, _ in points]
    stamps = [t.timestamp() for t in times]
    by_time = all(b > a for a, b in itertools.pairwise(stamps)) and len(stamps) > 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def x_of(i: int) -> float:
        if len(points) == 1:
            return left + plot_w / 2
        share = (stamps[i] - stamps[0]) / (stamps[-1] - stamps[0]) if by_time else i / (len(points) - 1)
        return left + plot_w * share

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = []
    for t, text in zip(ticks, labels, strict=True):
        y = y_of(t)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 3.5:.1f}" class="axis" text-anchor="end">{escape(text)}</text>')
    run: list[str] = []
    for i, (when, v) in enumerate(points):
        if v is None or not math.isfinite(v):
            parts.append(_line(run))
            run = []
            continue
        x, y = x_of(i), y_of(v)
        run.append(f"{x:.1f},{y:.1f}")
        shown = tick_label(v, step / 100, percent=percent) if not float(v).is_integer() else tick_label(v, 1, percent=percent)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{CUR}"><title>'
                     f'{escape(_when(when))}: {escape(shown)}</title></circle>')
    parts.append(_line(run))
    marks, fmt = time_labels(times)
    for k, i in enumerate(marks):
        anchor = "start" if k == 0 and len(marks) > 1 else "end" if k == len(marks) - 1 and len(marks) > 1 else "middle"
        parts.append(f'<text x="{x_of(i):.1f}" y="{height - 8}" class="axis" text-anchor="{anchor}">'
                     f'{escape(times[i].strftime(fmt))}</text>')
    return _svg("".join(parts), width, height, label)


def _line(run: list[str]) -> str:
    if len(run) < 2:
        return ""
    return f'<polyline points="{" ".join(run)}" fill="none" stroke="{CUR}" stroke-width="2"/>'


def _when(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if t.tzinfo else t.strftime("%Y-%m-%d %H:%M")


def _svg(body: str, width: int, height: int, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label="{escape(label)}">{body}</svg>')
