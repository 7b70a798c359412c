"""Consensus labels per item: majority vote, and Dawid–Skene (EM over annotator confusions)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tripwire.agreement.ratings import Ratings

#: EM stops when no item's posterior moves more than this, or after MAX_ITER rounds
TOLERANCE, MAX_ITER = 1e-6, 200
#: pseudo-count added to every confusion cell (keeps log-probabilities finite)
SMOOTHING = 0.01


@dataclass(frozen=True)
class Consensus:
    """One label per item with its confidence (the winning vote share, or the posterior)."""

    label: np.ndarray
    confidence: np.ndarray
    #: (items × classes): vote shares, or Dawid–Skene posteriors
    posterior: np.ndarray
    #: items with a tie between the top classes (majority vote only)
    tied: np.ndarray


@dataclass(frozen=True)
class DawidSkene(Consensus):
    """Dawid–Skene's consensus plus what it learned about the annotators."""

    #: (annotators × true class × given class): each annotator's estimated confusion
    confusion: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    #: estimated share of each true class
    priors: np.ndarray = field(default_factory=lambda: np.zeros(0))
    iterations: int = 0
    converged: bool = False

    def accuracy(self) -> np.ndarray:
        """Return each annotator's estimated accuracy: Σ_j prior_j · p(says j | truth j)."""
        return np.einsum("j,ajj->a", self.priors, self.confusion)


def majority_vote(ratings: Ratings) -> Consensus:
    """Return the most frequent label per item; a tie goes to the class most often given overall."""
    counts = ratings.counts().astype(np.float64)
    total = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)
    overall = counts.sum(axis=0)
    order = np.argsort(-overall, kind="stable")  # tie-break: the class more often given overall
    ranked = counts[:, order]
    winner = order[np.argmax(ranked, axis=1)]
    top = counts.max(axis=1)
    tied = (counts == top[:, None]).sum(axis=1) > 1
    return Consensus(winner, shares[np.arange(len(winner)), winner], shares, tied)


def dawid_skene(ratings: Ratings, start: Consensus | None = None) -> DawidSkene:
    """Return Dawid and Skene's (1979) maximum-likelihood consensus, started from the vote shares.

    Each annotator a has a confusion matrix p(says l | truth j); the truth of each item is a
    latent class. EM alternates the posteriors of the items' truths (E) with the priors and
    confusions they imply (M), vectorised over ratings with bincount.
    """
    k, n_items, n_ann = ratings.n_classes, ratings.n_items, len(ratings.annotators)
    item, ann, lab = ratings.item, ratings.annotator, ratings.label
    post = (start or majority_vote(ratings)).posterior.copy()
    confusion = np.zeros((n_ann, k, k))
    priors = np.full(k, 1.0 / k)
    converged, rounds = False, 0
    for rounds in range(1, MAX_ITER + 1):  # noqa: B007 - the count is reported
        # M step: priors and each annotator's confusion from the posteriors
        priors = post.mean(axis=0)
        cell = ann * k + lab
        confusion = _confusion(post, item, cell, n_ann, k)
        confusion += SMOOTHING
        confusion /= confusion.sum(axis=2, keepdims=True)
        # E step: log prior + the log-likelihood of every rating of the item, per true class
        log_conf = np.log(confusion)
        loglik = np.stack([np.bincount(item, weights=log_conf[ann, j, lab], minlength=n_items) for j in range(k)],
                          axis=1)
        loglik += np.log(np.maximum(priors, 1e-300))
        loglik -= loglik.max(axis=1, keepdims=True)
        new = np.exp(loglik)
        new /= new.sum(axis=1, keepdims=True)
        change = float(np.abs(new - post).max())
        post = new
        if change < TOLERANCE:
            converged = True
            break
    label = post.argmax(axis=1)
    return DawidSkene(label, post[np.arange(n_items), label], post, np.zeros(n_items, dtype=bool), confusion,
                      priors, rounds, converged)


def _confusion(post: np.ndarray, item: np.ndarray, cell: np.ndarray, n_ann: int, k: int) -> np.ndarray:
    """Return (annotators × true × given) expected counts: each rating adds its item's posterior."""
    out = np.empty((n_ann, k, k))
    for j in range(k):  # one bincount per true class, over all ratings at once
        out[:, j, :] = np.bincount(cell, weights=post[item, j], minlength=n_ann * k).reshape(n_ann, k)
    return out
