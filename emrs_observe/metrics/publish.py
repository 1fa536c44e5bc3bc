"""Creating or updating the dashboard and the monitors in Datadog (DashboardsApi, MonitorsApi), so that
applying twice changes nothing the second time: the dashboard is found by its title, a monitor by its
name among the monitors tagged `managed-by:emrs-observe`. Needs an API and an application key, from
the environment only; errors say what failed and Datadog's status, never a key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.metrics.dashboard import MANAGED_TAG, check


@dataclass
class Applied:
    dashboard: tuple[str, str] | None = None  # (created|updated, id)
    monitors: list[tuple[str, int, str]] = field(default_factory=list)  # (created|updated, id, name)
    errors: list[str] = field(default_factory=list)


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    return f"Datadog answered HTTP {status}" if status else f"Datadog not reachable ({type(exc).__name__})"


def apply(
    board: dict[str, Any], monitor_docs: list[dict[str, Any]], api_key: str, app_key: str,
    url: str | None = None, site: str = "datadoghq.com", ca_bundle: str | None = None,
) -> Applied:
    from datadog_api_client import ApiClient, Configuration
    from datadog_api_client.v1.api.dashboards_api import DashboardsApi
    from datadog_api_client.v1.api.monitors_api import MonitorsApi
    from datadog_api_client.v1.model.monitor_update_request import MonitorUpdateRequest

    configuration = Configuration(  # type: ignore[no-untyped-call]
        host=url, ssl_ca_cert=ca_bundle, enable_retry=True, max_retries=3
    )
    configuration.api_key["apiKeyAuth"] = api_key
    configuration.api_key["appKeyAuth"] = app_key
    if url is None:
        configuration.server_variables["site"] = site
    out = Applied()
    with ApiClient(configuration) as client:
        dashboards = DashboardsApi(client)  # type: ignore[no-untyped-call]
        body = check(board, "dashboard")
        try:
            existing = [d for d in (dashboards.list_dashboards().dashboards or []) if d.title == board["title"]]
            if existing:
                dashboards.update_dashboard(existing[0].id, body)
                out.dashboard = ("updated", str(existing[0].id))
            else:
                made = dashboards.create_dashboard(body)
                out.dashboard = ("created", str(made.id))
        except Exception as exc:  # reported; the monitors are still applied
            out.errors.append(f"dashboard {board['title']!r}: {_reason(exc)}")
        monitors = MonitorsApi(client)  # type: ignore[no-untyped-call]
        for doc in monitor_docs:
            model = check(doc, "monitor")
            try:
                found = [m for m in monitors.list_monitors(name=doc["name"], monitor_tags=MANAGED_TAG)
                         if m.name == doc["name"]]
                if found:
                    update = ApiClient(Configuration()).deserialize(  # type: ignore[no-untyped-call]
                        json.dumps({k: v for k, v in doc.items() if k != "type"}), (MonitorUpdateRequest,), True
                    )
                    monitors.update_monitor(found[0].id, update)
                    out.monitors.append(("updated", int(found[0].id), doc["name"]))
                else:
                    created = monitors.create_monitor(model)
                    out.monitors.append(("created", int(created.id), doc["name"]))
            except Exception as exc:
                out.errors.append(f"monitor {doc['name']!r}: {_reason(exc)}")
    return out
