"""Inter-annotator agreement: alpha and kappas with bootstrap intervals, consensus, annotator bias.

`ratings.py` turns a long (item, annotator, label) table into integer codes; `coefficients.py`
holds Krippendorff's alpha and Cohen's and Fleiss' kappa with their item bootstraps;
`consensus.py` majority vote and Dawid–Skene; `annotators.py` each annotator against the
others; `findings.py` the judgements (`labels.annotator_*`, `labels.agreement_drift`).
"""

from tripwire.agreement.coefficients import cohen_kappa, fleiss_kappa, krippendorff_alpha
from tripwire.agreement.consensus import dawid_skene, majority_vote
from tripwire.agreement.ratings import Ratings, ratings_from_frame

__all__ = ["Ratings", "cohen_kappa", "dawid_skene", "fleiss_kappa", "krippendorff_alpha", "majority_vote",
           "ratings_from_frame"]
