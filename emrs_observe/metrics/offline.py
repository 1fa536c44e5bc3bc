"""The exported-file form of a collection (`metrics collect --input FILE`): a JSON array of
`aws emr-serverless get-application` responses (`{"application": {...}}`) and `get-job-run` responses
(`{"jobRun": {...}}`) of those applications, as `compliance scan --input` reads them. Gives the
per-run KPIs; CloudWatch and the quota need AWS.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from emrs_observe.metrics.aws import Harvest, RunRead
from emrs_observe.metrics.jobruns import Application, AppRuns, application_from_api, finished_run


class InputError(ValueError):
    """An exported file that cannot be used; names the file and the entry."""


def read_input(path: str | Path, state_apps: dict[str, AppRuns]) -> Harvest:
    file = Path(path)
    try:
        data = json.loads(file.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise InputError(f"input file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"input file {file} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"input file {file} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"input file {file} nests arrays or objects too deeply to be an export") from None
    if not isinstance(data, list):
        raise InputError(
            f"input file {file}: expected a JSON array of get-application and get-job-run responses "
            '([{"application": {...}}, {"jobRun": {...}}, ...]), found a JSON ' + type(data).__name__
        )
    harvest = Harvest()
    apps: dict[str, Application] = {}
    runs: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(data):
        where = f"input file {file}, entry [{index}]"
        if isinstance(item, dict) and isinstance(item.get("jobRun"), dict):
            runs.append((where, item["jobRun"]))
        elif isinstance(item, dict) and isinstance(item.get("application"), dict):
            try:
                listed = application_from_api(item["application"], "", "", where)
            except ValueError as exc:
                raise InputError(str(exc)) from None
            apps[listed.application_id] = listed
        else:
            raise InputError(
                f'{where}: expected {{"application": {{...}}}} as get-application prints it '
                'or {"jobRun": {...}} as get-job-run prints it'
            )
    harvest.applications = sorted(apps.values(), key=lambda a: (a.account_id, a.region, a.name, a.application_id))
    # An export is not a listing: an application missing from it may well exist, so none is forgotten.
    harvest.scanned_scopes = set()
    for where, doc in runs:
        app = apps.get(str(doc.get("applicationId")))
        if app is None:
            raise InputError(
                f"{where}: job run of application {doc.get('applicationId')!r}, which is not in the file; "
                "add its get-application response (its account, region, name and architecture tag the run)"
            )
        try:
            run = finished_run(doc, where)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if run is None:
            continue  # not final yet: a later export counts it
        before = state_apps.get(app.key) or AppRuns()
        if run.run_id in before.counted:
            continue
        after = harvest.app_runs.setdefault(app.key, AppRuns(before.mark, dict(before.open), dict(before.counted)))
        created = run.created_at.astimezone(dt.timezone.utc).isoformat()
        if after.mark is None or run.created_at > dt.datetime.fromisoformat(after.mark):
            after.mark = created
        after.open[run.run_id] = created
        harvest.runs.append(RunRead(app, created, doc))
    return harvest
