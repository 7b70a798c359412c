"""Detection of generated conditions on photos shipped in scikit-image and scikit-learn.

Prints the precision/recall table of docs/images.md: the clean images, the same folder with
each condition generated on 10 other images (see tests/images/generated.py for the stated
strengths), new images against training images (coverage gap, leakage), and the digits
classifier whose errors concentrate in darkened images.

    PYTHONPATH=src python bench/images_realdata.py [--record]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from common import record
from tests.images.generated import (
    clean_images,
    digits_with_dark_share,
    flagged_names,
    make_folder,
    precision_recall,
    standard_split,
)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    from tripwire.images import image_findings, open_images
    from tripwire.run import scan_images

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        n = len(clean_images())
        make_folder(root / "clean", list(range(n)), {})
        clean_found, _ = image_findings(open_images(root / "clean").table())
        mixed = make_folder(root / "mixed", *standard_split(n, 10))
        table = open_images(root / "mixed").table()
        found, _ = image_findings(table)
        rows = precision_recall(mixed, flagged_names(found, table["path"].to_list()))
        lines += [f"{n} clean images (quadrants of 14 packaged photos and their mirror images, 256×192): "
                  f"{len(clean_found)} image findings.", "",
                  f"The same clean images plus 10 generated per condition ({len(mixed.truth)} files):", "",
                  "| condition | code | injected | found | flagged | precision | recall |",
                  "|---|---|---:|---:|---:|---:|---:|"]
        lines += [f"| {r['condition']} | `{r['code']}` | {r['injected']} | {r['found']} | {r['flagged']} | "
                  f"{r['precision']:.2f} | {r['recall']:.2f} |" for r in rows]
        other = sorted({f.code for f in found} - {r["code"] for r in rows})
        lines += ["", f"Other image findings on that folder: {', '.join(other) if other else 'none'}.", ""]

        train, test = list(range(n // 2)), list(range(n // 2, n))
        make_folder(root / "train", train, {})
        make_folder(root / "new", test[12:], {"dark": test[:12]})
        for name in ("clean_000.jpg", "clean_001.jpg", "clean_002.jpg"):
            (root / "new" / f"leaked_{name}").write_bytes((root / "train" / name).read_bytes())
        report = scan_images(root / "new", root / "train", thumbnails=False)
        lines += ["New images (mirrored quadrants, 12 darkened, 3 training images copied in) against the "
                  "training images (plain quadrants), `scan_images(new, train)`:", ""]
        lines += [f"- `{f.code}` {f.title}" for f in report.findings]
        preds, _ = digits_with_dark_share(root / "digits")
        preds.write_csv(root / "preds.csv")
        report = scan_images(root / "digits", predictions=root / "preds.csv", thumbnails=False)
        lines += ["", "Digits classifier (test half of scikit-learn's digits as 64×64 PNGs, 30% darkened to 25%), "
                  "`scan_images(digits, predictions=preds.csv)`, weak slices:", ""]
        lines += [f"- {f.title}" for f in report.by_code("model.weak_slice")]
    print("\n".join(lines))
    if args.record:
        record("Images: generated conditions on packaged photos (bench/images_realdata.py)", lines)


if __name__ == "__main__":
    main()
