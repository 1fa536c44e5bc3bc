"""Where the PagerDuty routing key comes from (pure): the policy's connection first, then the environment."""

from __future__ import annotations

import pytest

from emrs_observe.airflow.alerts import target_from

KEY = "R0UT1NGKEYairflowDoNotLeak00042"


def test_the_connection_wins_and_its_host_is_the_events_url() -> None:
    target = target_from(
        "critical", KEY, "https://events.eu.pagerduty.com", {}, {"EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY": "x"}
    )
    assert target is not None
    assert (target.routing_key, target.url, target.severity) == (KEY, "https://events.eu.pagerduty.com", "critical")
    assert KEY not in repr(target)


def test_the_environment_is_the_fallback_and_nothing_means_no_alert() -> None:
    env = {"EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY": KEY}
    target = target_from("data-team", None, None, None, env)
    assert target is not None and target.origin == "environment" and target.severity == "error"
    assert target_from("critical", "  ", None, None, {}) is None


def test_a_bad_severity_names_the_connection() -> None:
    with pytest.raises(ValueError, match="emrs_observe_pagerduty_team"):
        target_from("team", KEY, None, {"severity": "loud"}, {})
