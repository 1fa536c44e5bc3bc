"""The dashboard and monitors as code: catalogued metrics only, datadog-api-client's models, Terraform,
and --apply against the local Datadog API, twice."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from emrs_observe.metrics import catalog
from emrs_observe.metrics.dashboard import DefinitionError, Thresholds, check, dashboard, metric_names, monitors
from tests.metrics.conftest import DD_APP_KEY, run_cli
from tests.servers.datadog_api import DatadogApi

ROOT = Path(__file__).resolve().parents[2]


def test_every_query_names_a_metric_the_product_sends() -> None:
    board, alerts = dashboard(), monitors()
    named = metric_names(board) | metric_names(alerts)
    assert named - set(catalog.BY_NAME) == set()
    assert len(metric_names(board)) > 40 and all(metric_names(m) for m in alerts)
    kinds = {catalog.BY_NAME[n].source.split()[0] for n in named}
    assert {"GetJobRun", "CloudWatch", "Service", "plugin", "compliance", "metrics"} <= kinds
    assert metric_names({"query": "sum(last_5m):avg:emrs.job_run.count{*} / max:not.ours{*}"}) == {
        "emrs.job_run.count", "not.ours"}  # the extraction sees every metric of a formula


def test_the_definitions_fit_datadog_api_client_models_and_a_wrong_one_does_not() -> None:
    board = dashboard()
    check(board, "dashboard")
    for alert in monitors(Thresholds(notify="@pagerduty-data")):
        check(alert, "monitor")
    broken: list[tuple[dict[str, Any], str]] = []
    typo = copy.deepcopy({**board, "widgets": board["widgets"][:1]})  # one group is enough, and faster
    typo["widgets"][0]["definition"]["widgets"][1]["definition"]["requests"][0]["display"] = "bars"
    broken.append((typo, "has no field 'display'"))
    kind = copy.deepcopy({**board, "widgets": board["widgets"][:1]})
    kind["widgets"][0]["definition"]["widgets"][1]["definition"]["type"] = "timeseriez"
    broken.append((kind, "matches none of WidgetDefinition's forms"))
    layout = {**board, "widgets": [], "layout_type": "grid"}
    broken.append((layout, "'grid' is not a valid DashboardLayoutType"))
    for doc, message in broken:
        with pytest.raises(DefinitionError, match=message):
            check(doc, "dashboard")
    with pytest.raises(DefinitionError, match="'query alertz' is not a valid MonitorType"):
        check({**monitors()[0], "type": "query alertz"}, "monitor")


def test_json_and_terraform_output(tmp_path: Path) -> None:
    result = run_cli("metrics", "dashboard", "--format", "json", "--notify", "@slack-data", "--quota-ratio", "0.75")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["dashboard"]["title"] == "EMR Serverless platform KPIs (emrs-observe)"
    quota = next(m for m in doc["monitors"] if "quota" in m["name"])
    assert quota["query"].endswith("> 0.75") and quota["message"].endswith("@slack-data")
    result = run_cli("metrics", "dashboard", "--format", "terraform", "--title", "KPIs ${var.env} 100%{x}")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.count('resource "datadog_dashboard_json"') == 1 and text.count('resource "datadog_monitor"') == 9
    assert '"title": "KPIs $${var.env} 100%%{x}"' in text  # no Terraform interpolation in the heredoc
    body = text.split("dashboard = <<-EOT\n", 1)[1].split("\n  EOT", 1)[0]
    assert json.loads(body.replace("$${", "${").replace("%%{", "%{"))["title"] == "KPIs ${var.env} 100%{x}"
    assert "monitor_thresholds {\n    critical = 0.2\n    warning = 0.1\n  }" in text


def test_apply_creates_then_updates_without_duplicates(datadog: DatadogApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DD_APP_KEY", DD_APP_KEY)
    first = run_cli("metrics", "dashboard", "--apply")
    assert first.exit_code == 0, first.output
    assert first.output.count("monitor created") == 9 and "dashboard created" in first.output
    second = run_cli("metrics", "dashboard", "--apply", "--failure-ratio", "0.3")
    assert second.exit_code == 0, second.output
    assert second.output.count("monitor updated") == 9 and "dashboard updated" in second.output
    assert len(datadog.dashboards) == 1 and len(datadog.monitors) == 9
    ratio = next(m for m in datadog.monitors.values() if "failure ratio" in m["name"])
    assert ratio["query"].endswith("> 0.3") and ratio["options"]["thresholds"] == {"critical": 0.3, "warning": 0.15}
    assert all(r.header("DD-APPLICATION-KEY") == DD_APP_KEY for r in datadog.requests)
    assert DD_APP_KEY not in first.output + second.output


def test_apply_needs_both_keys(datadog: DatadogApi, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_cli("metrics", "dashboard", "--apply")
    assert result.exit_code == 2 and "--apply needs a Datadog application key in $DD_APP_KEY" in result.output
    monkeypatch.setenv("DD_APP_KEY", "wrong")
    result = run_cli("metrics", "dashboard", "--apply")
    assert result.exit_code == 4 and "Datadog answered HTTP 403" in result.output and datadog.dashboards == {}


def test_docs_list_every_metric_of_the_catalog() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()
    missing = [m.name for m in catalog.ALL if f"`{m.name}`" not in text]
    assert missing == []
