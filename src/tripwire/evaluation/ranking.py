"""Ranking and recommendation metrics from a (user, item, score[, relevant]) table.

Gains are the relevance values (binary or graded, as scikit-learn's ndcg_score).
Each user's items are ranked by score (highest first; ties broken by item so the order is
stable). Per-user metrics at k are averaged over the users with at least one relevant item
(the usual convention: a user with nothing to find cannot be served better or worse), and
their intervals resample users. Catalogue-level figures (coverage, popularity bias, novelty)
describe the top-k lists of every user.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from tripwire.evaluation.bootstrap import Bootstrap, metric_row, resample_rows

PER_USER = ("precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k", "hit_rate_at_k")


def ranked(df: pl.DataFrame, user: str, item: str, score: str, relevant: str) -> pl.DataFrame:
    """Return the table with each user's rank (1 = best score) and a float relevance column."""
    return (df.select(pl.col(user).alias("_user"), pl.col(item).alias("_item"),
                      pl.col(score).cast(pl.Float64).alias("_score"),
                      pl.col(relevant).cast(pl.Float64).alias("_rel"))
            .sort(["_user", "_score", "_item"], descending=[False, True, False])
            .with_columns(pl.int_range(1, pl.len() + 1).over("_user").alias("_rank")))


def per_user(table: pl.DataFrame, k: int) -> pl.DataFrame:
    """Return one row per user with a relevant item: precision, recall, NDCG, AP and hit at k."""
    discount = 1.0 / (pl.col("_rank") + 1).cast(pl.Float64).log(2)
    hit = (pl.col("_rel") > 0).cast(pl.Float64)
    top = pl.col("_rank") <= k
    # the ideal DCG orders the user's relevance grades, best first
    ideal = (table.sort(["_user", "_rel"], descending=[False, True])
             .with_columns(pl.int_range(1, pl.len() + 1).over("_user").alias("_irank"))
             .filter(pl.col("_irank") <= k)
             .group_by("_user").agg((pl.col("_rel") / (pl.col("_irank") + 1).cast(pl.Float64).log(2))
                                    .sum().alias("_idcg")))
    precision_at_i = hit.cum_sum().over("_user") / pl.col("_rank")
    users = (table.with_columns(precision_at_i.alias("_p_at_i"))
             .group_by("_user").agg(
                 (hit * top).sum().alias("_hits"),
                 hit.sum().alias("_relevant"),
                 (pl.col("_rel") * discount * top).sum().alias("_dcg"),
                 (pl.col("_p_at_i") * hit * top).sum().alias("_ap_sum"))
             .filter(pl.col("_relevant") > 0)
             .join(ideal, on="_user", how="left")
             .sort("_user"))
    return users.select(
        "_user",
        (pl.col("_hits") / k).alias("precision_at_k"),
        (pl.col("_hits") / pl.col("_relevant")).alias("recall_at_k"),
        (pl.col("_dcg") / pl.col("_idcg")).alias("ndcg_at_k"),
        (pl.col("_ap_sum") / pl.min_horizontal(pl.col("_relevant"), pl.lit(float(k)))).alias("map_at_k"),
        (pl.col("_hits") > 0).cast(pl.Float64).alias("hit_rate_at_k"))


def catalogue(table: pl.DataFrame, k: int) -> dict[str, float]:
    """Return coverage, popularity bias and novelty of the top-k lists.

    An item's popularity is the share of users for whom it is relevant. Popularity bias is
    the mean popularity of recommended items over the mean popularity of catalogue items
    (1 = no bias); novelty is the mean of -log2(popularity) of recommended items.
    """
    n_users = table["_user"].n_unique()
    pop = (table.group_by("_item").agg((pl.col("_rel") > 0).sum().alias("_fans"))
           .with_columns((pl.col("_fans") / n_users).alias("_pop")))
    top = table.filter(pl.col("_rank") <= k).join(pop, on="_item", how="left")
    shown = top.filter(pl.col("_pop") > 0)
    mean_pop = float(pop["_pop"].mean() or 0.0)
    return {
        "catalogue_coverage": top["_item"].n_unique() / max(pop.height, 1),
        "popularity_bias": float(top["_pop"].mean() or 0.0) / mean_pop if mean_pop else float("nan"),
        "novelty": float((-shown["_pop"].log(2)).mean() or 0.0) if shown.height else float("nan"),
    }


def ranking_metrics(df: pl.DataFrame, user: str, item: str, score: str, relevant: str, k: int,
                    boot: Bootstrap) -> list[dict[str, Any]]:
    """Return the metrics table rows of a ranking at k (intervals resample users)."""
    table = ranked(df, user, item, score, relevant)
    users = per_user(table, k)
    values = users.select(PER_USER).to_numpy()
    n = values.shape[0]
    draws = resample_rows(n, boot, lambda idx: values[idx].mean(axis=1), 0).reshape(-1, len(PER_USER)) if n else None
    rows = [metric_row(m, values[:, j].mean() if n else None,
                       boot.interval(draws[:, j]) if draws is not None else (None, None), n, k=k)
            for j, m in enumerate(PER_USER)]
    rows += [metric_row(m, v, n=table["_user"].n_unique(), k=k) for m, v in catalogue(table, k).items()]
    return rows
