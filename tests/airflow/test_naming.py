"""Names derived from a task: STS session, idempotency token, alert key, Datadog link (pure)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from emrs_observe.airflow import naming


def test_session_names_fit_sts_and_stay_distinct() -> None:
    assert naming.session_name("orders", "daily_orders") == "airflow.orders.daily_orders"
    long_a = naming.session_name("d" * 200, "task_a")
    long_b = naming.session_name("d" * 200, "task_b")
    for name in (long_a, long_b, naming.session_name("dag with spaces/ü", "t")):
        assert len(name) <= 64 and re.fullmatch(r"[\w+=,.@-]+", name)
    assert long_a != long_b


def test_client_token_is_stable_within_a_try_and_new_per_try() -> None:
    token = naming.client_token("dag", "task", "scheduled__2026-01-01T00:00:00+00:00", 1)
    assert token == naming.client_token("dag", "task", "scheduled__2026-01-01T00:00:00+00:00", 1)
    assert token != naming.client_token("dag", "task", "scheduled__2026-01-01T00:00:00+00:00", 2)
    assert token != naming.client_token("dag", "task", "scheduled__2026-01-02T00:00:00+00:00", 1)
    assert token != naming.client_token("dag", "task", "scheduled__2026-01-01T00:00:00+00:00", 1, map_index=0)
    assert 1 <= len(token) <= 64


def test_datadog_link_per_site() -> None:
    for site, host in [
        ("datadoghq.com", "app.datadoghq.com"),
        ("datadoghq.eu", "app.datadoghq.eu"),
        ("us5.datadoghq.com", "us5.datadoghq.com"),
    ]:
        url = urlparse(naming.datadog_logs_url(site, "00fabc", 1_700_000_000_000))
        assert url.netloc == host
        assert parse_qs(url.query)["query"] == ["emr_job_run_id:00fabc"]
