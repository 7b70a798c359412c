"""The catalogue of stable issue codes: what each means, how it is found, and the fix.

Codes are never renamed; new ones are added. `docs/codes.md` is generated from this table
(`python -m tripwire.report.codes > docs/codes.md`) and a test keeps the two in step.
A code is `reserved` until a detector or contract check emits it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeInfo:
    """One issue code's documentation."""

    code: str
    meaning: str
    how: str = ""
    fix: str = ""
    reserved: bool = False

    @property
    def family(self) -> str:
        """Return the family (the part before the dot)."""
        return self.code.split(".", 1)[0]


_R = True  # reserved: documented for the future, emitted by nothing yet

_ENTRIES = [
    CodeInfo("schema.missing_column", "A column the contract or the reference expects is absent.",
             "Compares the column names of the batch with the contract's required columns or the reference profile's columns.",
             "Restore the column upstream, or update the contract/reference if it was removed on purpose."),
    CodeInfo("schema.unexpected_column", "The batch has a column the contract forbids or the reference never had.",
             "Compares column names with the contract's forbidden/allowed columns or with the reference profile.",
             "Check whether an upstream change added or renamed it; add it to the contract if it is expected."),
    CodeInfo("schema.type_mismatch", "A column holds values of another type than expected: strings in a numeric column, numbers stored as text.",
             "From the profile's per-type parse counts: a text column whose values are at least 90% numbers (dates) but not all; numbers with thousands separators; or a column whose type differs from the contract's or the reference's.",
             "Find the upstream change that wrote the odd values (the rows are listed); cast or clean them before training."),
    CodeInfo("schema.format_change", "The dominant way a column's values are written changed (e.g. dd/mm/yyyy dates became epoch seconds).",
             "Compares value-pattern signatures (upper-case letter -> A, lower-case run -> a, digit -> d): when the reference's top 10 patterns cover ≥ 90% of its values, the batch's share outside them must not grow significantly.",
             "Ask the feed's owner about the format change and parse both formats, or reject the batch."),
    CodeInfo("schema.serving_skew", "A feature present in the training data is missing or all-null at serving time.",
             "A column at most half empty in the reference arrives entirely empty.",
             "Make the feature available at inference, or retrain without it."),
    CodeInfo("data.missing_values", "Too many missing values, including disguised ones ('', 'N/A', 'null', '-', '?', 'NaN', whitespace).",
             "Null, NaN and disguised-null counts from the profile (disguised spellings from the frequent values); against a reference, a significant rise of the missing share (two-proportion z-test, z > 4) by at least 3 points and twice the rate is a warning, 25 points an error.",
             "Fix the source of the gaps, impute deliberately, or accept a higher limit in the contract."),
    CodeInfo("data.out_of_range", "Values outside the allowed range, set, pattern, length or statistical bounds.",
             "Decided from the profile (min/max, frequent items, patterns, moments, quantiles); failing rows found in a second pass.",
             "Correct or drop the offending rows; widen the contract only if the new values are legitimate."),
    CodeInfo("data.rule_violation", "Rows break a written rule: a cross-column expression, uniqueness, or monotonicity.",
             "Evaluates the contract's rule as a vectorised Polars expression over the rows.",
             "Inspect the listed rows; fix them upstream or quarantine them."),
    CodeInfo("data.outliers", "Values far outside the bulk of the column, or impossible for it (negative in a never-negative column).",
             "Tukey far-out fences (quartiles ± 3 × IQR, on log10 values for positive right-skewed columns) from the quantile sketch; against a reference, the share of values beyond the reference's fences. A handful of negatives (or zeros) in a column that is otherwise never negative (strictly positive) is reported as impossible values.",
             "Check the listed values; they are often unit, entry or sensor errors."),
    CodeInfo("data.magnitude_error", "Values off by a power of ten from the rest: a lost decimal point, cents vs units, cm vs m.",
             "In the exact magnitude histogram (quarter decades of |x|), a bump past a deep trough whose peak sits a whole number of decades from the mode and whose shape copies the bulk (cosine ≥ 0.9); against a reference, a median moved by a whole power of ten with an unchanged spread. Smooth heavy tails and small-integer artefacts are left alone.",
             "Divide or multiply the listed values by the factor after confirming with the source."),
    CodeInfo("data.duplicates", "Exact duplicate rows, or a duplicated key that should be unique.",
             "One pass hashes every row (Polars row hashes); every repeat after the first occurrence is listed. A contract's unique key counts repeated key values.",
             "Deduplicate upstream; if repeats are legitimate, add a distinguishing key."),
    CodeInfo("data.near_duplicates", "Text rows that are equal after normalising case, whitespace and punctuation.",
             "For free-text columns, hashes of the text lower-cased, without punctuation, with single spaces; rows repeating an earlier text (and not whole duplicate rows) are listed.",
             "Deduplicate, or check whether the same record was entered twice."),
    CodeInfo("data.constant_column", "A column with a single value (or almost): it carries no signal.",
             "From the distinct count and frequent items.",
             "Drop it from the features, or find why it stopped varying."),
    CodeInfo("data.identifier_column", "A column unique per row (an id): no predictive signal, a leakage risk.",
             "Distinct count (exact, or HyperLogLog) at least 97% of the values (90% when the name looks like an id) for integer or code-like text columns; sentences are excluded.",
             "Exclude it from model features; keep it as a key."),
    CodeInfo("data.category_variants", "One category written several ways (case, spaces, accents, typos).",
             "Groups a categorical column's values by a key without accents, case, punctuation and spaces; then joins rare values within one or two edits (rapidfuzz) of a value at least 20 times more frequent. Values shorter than four characters are never joined by edit distance.",
             "Apply the proposed mapping to standardise the values."),
    CodeInfo("data.vocabulary_change", "Categories appeared or vanished beyond what sampling explains.",
             "New-value share against the Good-Turing estimate of unseen values (the reference's share of values seen once) plus sampling noise; a value vanishes only when the reference predicts at least 10 occurrences. When most of the vocabulary is replaced, old values are paired with new ones by token-sorted similarity, else by rank.",
             "Check the upstream vocabulary; map old values to new ones."),
    CodeInfo("data.encoding", "Text damaged by encoding: mojibake, U+FFFD, control characters, literal \\r\\n, HTML entities.",
             "From the profile's character-class counts (mojibake sequences, U+FFFD, control characters, literal \\r\\n escapes, HTML entities, curly and straight quotes in one column), with examples repaired by ftfy.",
             "Read the source with the right encoding or apply the proposed repairs."),
    CodeInfo("data.dependency_violation", "A functional dependency between columns is broken.", reserved=_R),
    CodeInfo("data.join_keys", "Keys that do not match across two sources: rows without a partner, keys repeated where the join expects one, a join that multiplies rows, keys written in two formats.",
             "`tripwire join-check` (or a contract's `joins:`) reads only the key columns of both sides and works on their distinct keys with row counts: orphans both ways (anti joins), duplicate keys, the cardinality against `--expect`, the inner join's row count; then, for the orphans, each candidate normalisation (as text, trim, case, leading zeros, separators, a learned prefix or suffix, another date layout) is measured by a semi join of the normalised keys, and the remaining orphans get fuzzy candidates (rapidfuzz ratio >= 85 within blocks of the same first character).",
             "Add the missing keys to the other side or choose the join you mean; deduplicate a side that must be unique; apply the normalisation the finding names to both sides before joining; confirm fuzzy candidates by hand before mapping them."),
    CodeInfo("data.stale", "The newest data is older than allowed, or a batch is overdue.",
             "Compares the newest value of a time column (or the last batch time) with --as-of.",
             "Check the upstream feed; do not train on stale data."),
    CodeInfo("data.volume_change", "The row count is outside the expected bounds.",
             "Compares the row count with the contract's bounds or recent batches.",
             "Check for a partial or duplicated load."),
    CodeInfo("data.low_quantity", "Too little data to train or evaluate.",
             "A batch with no rows at all (a header-only file, an empty query result) is an error; nothing else can be judged on it.",
             "Find why the export or query returned no rows (a failed job, a filter on the wrong date) before using the batch."),
    CodeInfo("data.representation_bias", "Some groups are under-represented.", reserved=_R),
    CodeInfo("data.sampling_bias", "The batch's groups come in other shares than in the population it should represent (sampling or response bias).",
             "Against a census table of known shares (--population): per column, a chi-square goodness-of-fit test (Holm-adjusted across columns, alpha 0.01) and Cohen's h per value (info below 0.2, warning from 0.2, error from 0.8), with the total variation distance; the raking weights (iterative proportional fitting to every census margin) that would correct the batch are summarised in the evidence (range, design effect, effective rows).",
             "Find why the group is over- or under-represented (who was sampled, who answered); collect more of the missing group, or weight rows by the raking weights (--weights-out) and report the effective sample size."),
    CodeInfo("labels.noisy", "Rows whose label disagrees with an out-of-sample model.",
             "With --label: a proxy model (logistic regression, extra trees and nearest neighbours, averaged) is fitted in 5 stratified folds on the usable columns (numbers, categories, free text; ids, constants and label copies left out), or the user's out-of-sample probabilities are taken (--proba-columns); cleanlab's confident learning picks the rows and its label-quality score ranks them. The proxy's cross-validated accuracy and log-loss are in the evidence; a weak proxy (under half the way from the majority guess to perfect) lowers the severity. Error from 5% of rows, warning from 2% (docs/labels.md).",
             "Review the listed rows worst first (given and suggested label are in the evidence); relabel or drop the wrong ones; if a class is noisy throughout, check its labelling guideline."),
    CodeInfo("labels.conflicting", "Identical inputs carry different labels.",
             "With --label: every labelled row's feature columns (identifier columns left out) are hashed as read and with text lower-cased and whitespace collapsed; groups of equal inputs with more than one label are listed with their label counts and rows. A warning from 1% of rows, info below or when the features are too coarse to decide the label (fewer distinct inputs than half the rows).",
             "Decide the right label for each group (the counts show the majority); if the groups are large, the features miss what decides the label, or annotators read the guideline differently."),
    CodeInfo("labels.class_imbalance", "One class dominates the label column.",
             "Ratio of the largest to the smallest class count from the label column's exact value counts: info from 3:1, warning from 10:1.",
             "Collect more of the rare classes, re-weight, or evaluate per class."),
    CodeInfo("labels.low_class_count", "A class has too few rows to learn or evaluate.",
             "Classes with fewer rows than needed to estimate their recall within ±10% at 95% confidence (97 rows) are a warning; fewer than 5 rows, an error.",
             "Collect more rows of that class or merge it with a related class."),
    CodeInfo("labels.annotator_disagreement", "Annotators disagree on the same items.",
             "`tripwire annotators`: Krippendorff's alpha (nominal, ordinal or interval distances) over the items rated twice or more, with a 95% bootstrap interval over items; below 0.8 a warning (only tentative conclusions), an error when even the interval's top is below 0.667 (Krippendorff's limits). Fleiss' and pairwise Cohen's kappa are in the metrics.",
             "Read the pairs with the lowest Cohen's kappa and the items where the consensus is least confident; sharpen the labelling guideline with examples of those items, then re-label them."),
    CodeInfo("labels.annotator_bias", "One annotator departs from the consensus more than the others.",
             "Each annotator against the other annotators on the same items: the share of the others' ratings that agree with each of theirs (Welch z against the rest's ratings), and their label shares against the others' on the same items (largest class z); Bonferroni-adjusted p < 0.001 and a gap of at least 5 points. The most significant annotator is set aside from the others' reference and the rest tested again. Rows: the annotator's ratings that differ from the consensus (Dawid–Skene, or the majority vote).",
             "Review the annotator's ratings that differ from the consensus (listed) and their confusion matrix; retrain or brief them on the classes they confuse, or down-weight them (the Dawid–Skene consensus already does)."),
    CodeInfo("labels.agreement_drift", "Agreement between annotators changed over time.",
             "`tripwire annotators --time COL`: Krippendorff's alpha per time window (calendar windows with --window, else four equal parts in time order) against the first window; a drop of at least 0.1 whose bootstrap interval (Bonferroni over the windows) lies above zero is a warning. Rows: the ratings of the later window.",
             "Find what changed at that time (new annotators, a new guideline, new kinds of items); re-brief the cohort and re-label the window's items where the consensus is weak."),
    CodeInfo("drift.feature", "A feature's distribution moved from the reference.",
             "From the two profiles alone: numbers by Wasserstein distance in reference SDs and PSI on reference deciles with a KS test; categories by PSI over frequent values plus a tail bucket with a chi-square test. Severity comes from the effect size (defaults 0.1/0.3/0.8 SD, PSI 0.1/0.25/1.0, overridable per column); it counts only when significant after Benjamini-Hochberg across columns, else it is info with its uncertainty. Ids and time stamps are left out (docs/drift.md).",
             "Read the change in the title (median, tail shares, new top values); check what changed upstream (a new source, a unit, a filter, a new population); retrain on recent data or fall back if the model depends on the column; raise its threshold under drift: in the contract if the move is expected."),
    CodeInfo("drift.multivariate", "The batch as a whole is separable from the reference.",
             "A gradient-boosted classifier told to separate reference rows from current rows (the profiles' row samples, 5,000 per side, 3-fold out-of-fold AUC with a Hanley-McNeil 95% interval); the features whose shuffling costs the most AUC are named. Thresholds AUC 0.6/0.7/0.85.",
             "Look at the named features first (per-column drift may already explain it); if no single column moved, a relation between columns did: check joins and upstream logic; retrain on recent data if the change is real."),
    CodeInfo("drift.correlation", "A numeric column no longer goes with the columns it went with.",
             "Rank (Spearman) correlations of every pair of numeric columns on the two profiles' row samples, compared with a Fisher z test (Bonett-Wright variance); a pair counts when the change is at least a small effect (Cohen's q >= 0.1) and |z| >= 5 (or Bonferroni's bound at 0.1% over all pairs, when higher). Changed pairs are grouped under the column most of them share. A warning: a column shuffled across rows, noised or shifted on part of its rows keeps its own distribution but loses its relations (docs/drift.md).",
             "Look at the named column first: compare a few rows with their partners' values (a misaligned join, a sort applied to one column, a default filled in, noise added upstream); if the relation changed for a real reason, retrain on recent data."),
    CodeInfo("drift.text", "Text vocabulary or length changed.",
             "A TF-IDF + logistic-regression classifier separating reference texts from current ones (out-of-fold AUC with a 95% interval) decides; tokens whose share of texts rose or fell beyond 5 standard errors, examples, and the mean length from the profiles say what moved.",
             "Read the new and fading tokens and the examples; if the topic or source of the texts changed, label fresh examples and retrain or fine-tune the text model."),
    CodeInfo("drift.label", "The label distribution moved.",
             "Class shares (PSI and chi-square) or, for a numeric target, its distribution (Wasserstein, PSI, KS) against the reference, with --label.",
             "Re-check class priors, thresholds and calibration; check whether the labelling process changed (new annotators, new guidelines); retrain if the shift is real."),
    CodeInfo("drift.prediction", "The model's outputs moved.",
             "Shares of predicted classes, clusters or topics, or the score distribution, against the reference, with --prediction.",
             "Look for feature drift that explains it; if inputs did not move, the model or its serving changed; fall back to a trusted model if it cannot be explained."),
    CodeInfo("leakage.train_test_overlap", "Rows shared between train and test.",
             "With --reference: every row of the batch is hashed in the row pass (as read, and with text lower-cased and whitespace collapsed) and looked up among the reference profile's sampled rows (10,000 by default). When the sample holds the whole reference the count is exact; otherwise the share of reference rows found in the batch is estimated with a 95% Wilson interval and the rows listed are those matched in the sample. An error when more batch rows are shared than twice the batch's own repeat rate (plus 0.1%); below that the data simply repeats rows (info). A batch identical to its reference (same fingerprint) is not judged. Images (scan --images --reference): every image whose file bytes, or whose perceptual hash within 6 of 64 bits, match a reference image (an error).",
             "Remove the shared rows from the test set (or split by a group key such as a user or a day) and re-measure the model on the clean test set."),
    CodeInfo("leakage.target", "A feature leaks the target.",
             "With --label: each feature alone, on the profile's row sample, predicts the label through the label's distribution per value (or per quantile bin of numbers) learned on the other of 3 folds; a cross-validated macro one-vs-rest AUC (classes) or R² (a numeric target) of at least 0.98 is an error. With --time (when each label became known), a feature whose recording time (--available FEATURE=COLUMN) is later than the label's on 1% of rows or more is an error (fewer: a warning), and a date column later than the label's time on at least half the rows is a warning.",
             "Check how the column is made: if it is computed from the label or recorded after it, drop it from the features; if it is genuinely that predictive, the task may be trivial."),
    CodeInfo("model.below_baseline", "The model does not beat a simple baseline.",
             "evaluate: the paired difference on the same rows (accuracy, or mean absolute error for regression) against each baseline (majority class or mean and a linear model fit on --train, or the --baseline columns); its bootstrap interval must lie above zero. Worse than the baseline beyond the interval is an error.",
             "Check the features and the training for leakage or bugs; ship the simpler model until the complex one is better beyond the noise."),
    CodeInfo("model.weak_slice", "The model is much worse on a slice of the data.",
             "evaluate: every feature cut into slices (quantile bins, values with enough rows, missing) and every pair of them; a one-sided z (error rate) or Welch (absolute error) test against the rest of the rows (a pair against the rest of each parent slice), Benjamini–Hochberg at 5%; reported when at least 10% worse than overall, ranked by rows × gap.",
             "Collect more labelled examples of the slice, add features that describe it, or route it to a fallback; check whether its data is broken upstream."),
    CodeInfo("model.fairness_gap", "Performance differs across groups.",
             "evaluate --group/--groups: per-group selection rate, true- and false-positive rates (demographic parity, equal opportunity, equalised odds gaps), or mean absolute error for regression; reported when the gap's bootstrap interval lies wholly above the tolerance (5 points, or 10% of the overall MAE). Groups below the minimum count are left out and their sizes not shown.",
             "Look at the groups' data (coverage, label quality); consider reweighting, group-aware thresholds or more data for the worse group; document the trade-off."),
    CodeInfo("model.calibration", "Predicted probabilities are miscalibrated.",
             "evaluate --proba (binary): the expected calibration error over ten equal-width probability bins; reported when its bootstrap interval lies wholly above 0.05. The evidence holds the reliability curve.",
             "Recalibrate on held-out data (isotonic or Platt scaling) before using the probabilities as risks or thresholds."),
    CodeInfo("model.behavior_test_failed", "A behavioural test of the model passed on too few of its cases.",
             "test-model: each test of the YAML suite (minimum functionality: these inputs give this output; invariance: a typo, case, whitespace, synonym, entity, number format, ±x% noise or column order change leaves the output as it was; directional: a change moves the output the promised way) is run on its cases in batches; reported when the share of passing cases is below the test's min_pass_rate (1.0 for mft, 0.95 otherwise). A case the model raised on, or gave outputs of the wrong shape for, fails with the reason. The evidence holds the pass rate and the first failing examples: input, perturbed input, expected, actual.",
             "Read the failing examples: retrain with examples like them (augment with the perturbation), fix the preprocessing the perturbation breaks, or lower min_pass_rate if the promise was too strong."),
    CodeInfo("model.error_band", "Too few predictions within the error band.",
             "evaluate (regression) with a target: the share of predictions within ±band of the truth (rows whose truth is not zero) must reach the target; reported when the upper end of its bootstrap interval is below it.",
             "Look at the weak slices for where the large errors are; improve the model there or widen the promise made to users."),
    CodeInfo("model.performance_drop", "Performance fell against the reference.",
             "evaluate --model NAME@VERSION --store URL: each headline metric (accuracy, ROC-AUC, MAE, NDCG@k, ...) against the last stored evaluation of the same model; reported when it moved the wrong way by more than sqrt(h1² + h2²), h the half-widths of the two intervals.",
             "Look for drift in the inputs (tripwire drift) and for weak slices that grew; retrain on recent data or roll back to the previous version."),
    CodeInfo("model.unscored_rows", "Rows the evaluation could not judge: the label or the prediction is missing (null or NaN).",
             "evaluate: counts rows whose label, prediction or probability is null or NaN; they are left out of every metric.",
             "Find why the model returned no prediction (failed feature lookup, timeout) or the label is missing; a model that abstains on hard rows looks better than it is."),
    CodeInfo("privacy.pii", "Personal data found in a column.",
             "On the profile's row sample (10,000 rows by default), per column: at least half of the non-null values are e-mail addresses, phone numbers (a regex picks candidates, phonenumbers parses up to 400 of them), payment card numbers (Luhn), IBANs (mod 97), IP addresses, national identifiers (US SSN rules, UK NI number, French NIR with its mod-97 key), postal codes (with a zip/postcode column name) or person names (the shipped first/last-name lists, with a name-like column name or two known names per value); a date column named like a birth date with plausible ages; or free text where at least 2% of rows (and 3) contain an e-mail, phone, card, IBAN or IP. Examples are always masked.",
             "Drop the column from features and exports, or pseudonymise it (tripwire pseudonymise DATA --columns COL --key-env VAR); reports mask its values unless you pass --show-pii COL."),
    CodeInfo("privacy.k_anonymity", "Quasi-identifiers single out individuals.",
             "tripwire k-anonymity: rows grouped by the declared (or suggested) quasi-identifiers; k is the smallest group's size, and with --sensitive, l the fewest distinct sensitive values in a group. Reported when k is below the target (5 by default) or l below --l; the evidence lists the rows in small groups and the generalisations (age bands, truncated postal codes, coarser dates) that reach the target, with the share of information each loses.",
             "Apply the suggested generalisations (or suppress the few rows left in small groups) before sharing the data; drop quasi-identifiers a model does not need."),
    CodeInfo("privacy.synthetic_copy", "Synthetic rows copy real ones.",
             "tripwire synthetic-check REAL SYNTH: every synthetic row's distance to its closest real row (numbers scaled by the real data's spread, categories 0/1) is compared with the distances of a held-out fifth of the real data to the rest; synthetic rows at distance zero (copies) or closer than the holdout's 1st percentile (near copies) beyond what the holdout itself shows are reported, with a membership-inference risk figure.",
             "Regenerate the synthetic data with stronger privacy (fewer epochs, differential privacy, more smoothing) or drop the copied rows; never publish synthetic data that holds real records."),
    CodeInfo("image.dark", "Images much darker than the baseline (the reference images, else the folder's own).",
             "tripwire scan FOLDER --images: mean luminance (0.299R + 0.587G + 0.114B, 0..1) below 0.15 and under 0.4× the baseline's median, so a folder of night shots does not call its own images dark.",
             "Look at the listed images: fix the exposure at capture, drop them, or add such images to training on purpose (augment brightness) if the model must handle them."),
    CodeInfo("image.bright", "Images much brighter (washed out) than the baseline.",
             "Mean luminance above 0.85, with 1 − luminance under 0.4× the baseline's median of it.",
             "Check the exposure of the listed images; drop or re-capture them, or augment training with bright images."),
    CodeInfo("image.blurry", "Images much blurrier than the baseline.",
             "Variance of the 4-neighbour Laplacian (0..255 scale, on the copy whose longer side is at most 256 pixels) divided by the image's grey variance, so exposure does not count as blur: below 0.035 and under 0.2× the baseline's median ratio. Nearly flat images are left to image.low_information.",
             "Look at the listed images for focus or motion blur; re-capture or drop them, or add blur augmentation if the model must cope."),
    CodeInfo("image.glare", "Images with far more clipped highlights (glare, blown-out areas) than the baseline.",
             "Share of pixels with luminance ≥ 0.98 above 5% and over 5× the baseline's median share (taken as at least 1%).",
             "Check the listed images for reflections or over-exposure; fix the lighting or camera angle, or drop them."),
    CodeInfo("image.odd_size", "Images of unusual size, shape or orientation.",
             "An aspect ratio held by under 10% of the baseline images (within 10%) and over 25% from the median one; or a shorter side under 32 pixels, or a pixel count 16× below or above the median; or an EXIF orientation other than 1 where under 10% of the baseline has one.",
             "Check whether the listed images were cropped, rotated or captured by another device; resize or re-orient them the way training images were."),
    CodeInfo("image.low_information", "Images that are nearly blank.",
             "Entropy of the 256-level luminance histogram under 1.5 bits and luminance standard deviation under 0.02.",
             "Look at the listed images: lens caps, blank frames and failed captures are best dropped."),
    CodeInfo("image.near_duplicate", "Images that are the same picture at another size, quality or format.",
             "64-bit perceptual hashes (DCT of a 32×32 grey copy, the 8×8 lowest frequencies against their median) at most 6 bits apart; candidate pairs come from a join on eight 8-bit bands, so no all-pairs comparison is made. Byte-identical files are counted under image.duplicate instead.",
             "Keep one image of each group, and keep groups on one side of a train/test split."),
    CodeInfo("image.duplicate", "Image files that are byte-identical copies of another.",
             "Equal 64-bit BLAKE2b digests of the file bytes.",
             "Delete the copies, or check why the pipeline wrote the same file twice."),
    CodeInfo("image.unreadable", "Image files that cannot be read: empty, truncated, corrupt, not an image, or too large to decode safely.",
             "Every file with an image ending is opened with Pillow; files over 256 MB or 64 megapixels are refused unread (decompression bombs); the rest are decoded. The first error of each file is named; the other images are profiled.",
             "Re-export or re-download the listed files, or remove them from the folder."),
    CodeInfo("image.coverage_gap", "A range of an image property where many new images lie but the reference images barely go (e.g. far darker images than training ever saw).",
             "With --reference: per property (brightness, contrast, saturation, colourfulness, sharpness, glare, noise, entropy, aspect ratio), the share of new images beyond the reference's 1st or 99th percentile; reported when it is at least 5% and a binomial test against the expected 1% gives p < 0.001.",
             "Collect and label training images in that range (or augment towards it), or route such images to a fallback; measure the model on them (tripwire scan --images --predictions)."),
]

CODES: dict[str, CodeInfo] = {c.code: c for c in _ENTRIES}


def code_info(code: str) -> CodeInfo:
    """Return the catalogue entry of a code; KeyError names the unknown code."""
    try:
        return CODES[code]
    except KeyError:
        raise KeyError(f"unknown issue code {code!r}; see docs/codes.md") from None


def default_fix(code: str) -> str:
    """Return the catalogue's fix for a code."""
    return code_info(code).fix


def render_markdown() -> str:
    """Return docs/codes.md: one paragraph per code that something emits, reserved ones listed."""
    out = [
        "# Issue codes",
        "",
        "Every finding carries one of these stable codes. Codes are never renamed; new ones are",
        "added. Generated from `src/tripwire/report/codes.py` by",
        "`python -m tripwire.report.codes > docs/codes.md`.",
        "",
    ]
    family = None
    for c in _ENTRIES:
        if c.reserved:
            continue
        if c.family != family:
            family = c.family
            out += [f"## {family}", ""]
        out += [f"### `{c.code}`", "", c.meaning, "", f"*How:* {c.how}", "", f"*Fix:* {c.fix}", ""]
    out += ["## Reserved for later work", "", "Documented so their names are taken; nothing emits them yet.", ""]
    out += [f"- `{c.code}` — {c.meaning}" for c in _ENTRIES if c.reserved]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
