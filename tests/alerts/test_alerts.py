"""Alert rules delivered to real local receivers (HTTP on 127.0.0.1, SMTP via aiosmtpd);
failures are retried, recorded, and never fail the data run."""

from __future__ import annotations

import http.server
import json
import threading
import typing
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from tripwire.alerts import load_rules
from tripwire.errors import InputError
from tripwire.run import log
from tripwire.store import Store


class Receiver(http.server.BaseHTTPRequestHandler):
    received: typing.ClassVar[list[dict]] = []
    fail_first = 0

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Receiver.fail_first > 0:
            Receiver.fail_first -= 1
            self.send_response(500)
            self.end_headers()
            return
        Receiver.received.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver(monkeypatch):
    Receiver.received, Receiver.fail_first = [], 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("TRIPWIRE_SLACK_WEBHOOK", base + "/slack")
    monkeypatch.setenv("TRIPWIRE_WEBHOOK_URL", base + "/hook")
    monkeypatch.setenv("TRIPWIRE_WEBHOOK_TOKEN", "s3cret")
    monkeypatch.setenv("TRIPWIRE_ALERT_BACKOFF", "0.05")
    yield base
    server.shutdown()


@pytest.fixture
def smtp(monkeypatch):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    got = []

    class Keep(Message):
        def handle_message(self, message):
            got.append(message)

    import socket

    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = aiosmtpd.Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("TRIPWIRE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TRIPWIRE_SMTP_PORT", str(port))
    monkeypatch.setenv("TRIPWIRE_SMTP_FROM", "tripwire@example.org")
    monkeypatch.setenv("TRIPWIRE_ALERT_EMAIL_TO", "team@example.org")
    yield got
    controller.stop()


RULES = """
- name: income drift
  when: {code: data.missing_values, column: income, severity: info, batches: 2}
  notify: [slack, webhook]
- name: filters dropping data
  when: {metric: rows_dropped_share, above: 0.05}
  notify: [email]
"""


def _batch(missing: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 1, 2_000)
    income[rng.random(2_000) < missing] = np.nan
    return pd.DataFrame({"income": income, "age": rng.integers(18, 90, 2_000)})


def test_rules_fire_after_the_write_and_reach_receivers(tmp_path, receiver, smtp):
    from tripwire.contracts import Contract

    rules_path = tmp_path / "alerts.yaml"
    rules_path.write_text(RULES)
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    contract = Contract.loads("columns: {age: {max: 80}}")  # drops ~12% of rows
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = log(_batch(0.0, 0), "people", store=st, alerts=rules_path, logged_at=t0)
    assert first.deliveries == []
    second = log(_batch(0.3, 1), "people", store=st, alerts=rules_path, logged_at=t0 + timedelta(days=1))
    assert second.deliveries == []  # one batch with the finding; the rule needs two
    third = log(_batch(0.3, 2), "people", store=st, alerts=rules_path, contract=contract,
                logged_at=t0 + timedelta(days=2))
    sent = {(d["rule"], d["notifier"]): d for d in third.deliveries}
    assert all(d["ok"] for d in sent.values()), sent
    assert {("income drift", "slack"), ("income drift", "webhook"), ("filters dropping data", "email")} == set(sent)
    paths = sorted(r["path"] for r in Receiver.received)
    assert paths == ["/hook", "/slack"]
    hook = next(r for r in Receiver.received if r["path"] == "/hook")
    assert hook["auth"] == "Bearer s3cret" and hook["body"]["dataset"] == "people"
    assert "income" in next(r for r in Receiver.received if r["path"] == "/slack")["body"]["text"]
    assert len(smtp) == 1 and "filters dropping data" in smtp[0]["Subject"]
    recorded = st.alerts("people")
    assert len(recorded) == 3 and {a["status"] for a in recorded} == {"sent"}


def test_failures_are_retried_recorded_and_never_fail_the_run(tmp_path, receiver, monkeypatch):
    rules = tmp_path / "a.yaml"
    rules.write_text("- {name: any rows, when: {metric: rows, above: 0}, notify: [slack, webhook, email]}\n")
    st = Store(f"sqlite:///{tmp_path / 'h.db'}")
    Receiver.fail_first = 1  # the Slack hook fails once, then succeeds
    monkeypatch.setenv("TRIPWIRE_WEBHOOK_URL", "http://127.0.0.1:9/nothing-listens-here")
    monkeypatch.delenv("TRIPWIRE_SMTP_HOST", raising=False)
    done = log(_batch(0.0, 0), "people", store=st, alerts=rules)
    by = {d["notifier"]: d for d in done.deliveries}
    assert by["slack"]["ok"] and by["slack"]["attempts"] == 2
    assert not by["webhook"]["ok"] and by["webhook"]["attempts"] == 3
    assert not by["email"]["ok"] and "TRIPWIRE_SMTP_HOST is not set" in by["email"]["error"]
    failed = st.alerts("people", status="failed")
    assert {a["notifier"] for a in failed} == {"webhook", "email"}
    assert st.batches("people")  # the batch itself was stored


@pytest.mark.parametrize(("text", "needle"), [
    ("- {name: x, when: {code: data.nonsense}, notify: [slack]}", "unknown code"),
    ("- {name: x, when: {metric: rows}, notify: [slack]}", "above or below"),
    ("- {name: x, when: {metric: rows, above: 1}, notify: [pager]}", "unknown notifier 'pager'"),
    ("- {name: x, when: {code: drift.feature, metric: rows}, notify: [slack]}", "exactly one"),
    ("{rules: 3}", "expected a list"),
])
def test_bad_rules_are_one_clear_line(tmp_path, text, needle):
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=needle):
        load_rules(path)
