"""A run checks every input before it stores anything: a bad file never half-logs a batch."""

from __future__ import annotations

import pandas as pd
import pytest

from tripwire.errors import TripwireError
from tripwire.run import log
from tripwire.store import Store


@pytest.mark.parametrize("which", ["alerts", "contract"])
def test_a_bad_rule_or_contract_file_stores_nothing(tmp_path, which):
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{name: x, when: {code: }}]\n" if which == "alerts" else "columns: {x: {min: abc}}\n")
    with pytest.raises(TripwireError):
        log(pd.DataFrame({"x": [1, 2, 3]}), "orders", store=st, **{which: bad})
    assert st.datasets() == []
    again = log(pd.DataFrame({"x": [1, 2, 3]}), "orders", store=st)  # a retry stores it once
    assert [b["id"] for b in st.batches("orders")] == [again.batch_id]
