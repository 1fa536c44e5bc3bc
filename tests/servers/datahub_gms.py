"""A DataHub GMS stand-in: answers `GET /config` and `POST /aspects?action=ingestProposal[Batch]`.

Every proposal received is parsed with acryl-datahub's own `MetadataChangeProposalClass` (a
proposal that does not parse is answered 400, like GMS does) and applied to an in-memory store:
UPSERT replaces an aspect, PATCH applies DataHub's map-style JSON patch. Tests compare stores to
check idempotence and crash recovery.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from datahub.metadata.schema_classes import MetadataChangeProposalClass

from tests.servers.recorder import RecordingServer, Request

TIMESERIES = {"dataProcessInstanceRunEvent"}


def _unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def apply_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """DataHub patches address map entries by key (`/upstreams/<urn>`), so a nested-dict walk suffices."""
    for op in operations:
        parts = [_unescape(p) for p in op["path"].split("/")[1:]]
        node = document
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if op["op"] == "add" or op["op"] == "replace":
            node[parts[-1]] = op.get("value")
        elif op["op"] == "remove":
            node.pop(parts[-1], None)
    return document


class DataHubRecorder(RecordingServer):
    def __init__(self) -> None:
        super().__init__(handler=self._answer)
        self.proposals: list[dict[str, Any]] = []
        self.parse_errors: list[str] = []
        self.store: dict[tuple[str, str], Any] = {}
        self._store_lock = threading.Lock()

    def _answer(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        json_headers = {"Content-Type": "application/json"}
        if request.method == "GET" and request.path.startswith("/config"):
            body = {"noCode": "true", "versions": {"acryldata/datahub": {"version": "v1.1.0"}},
                    "statefulIngestionCapable": True, "supportsImpactAnalysis": False}
            return 200, json_headers, json.dumps(body).encode()
        if request.method == "POST" and request.path.startswith("/aspects?action=ingestProposal"):
            doc = request.json()
            batch = doc["proposals"] if "proposals" in doc else [doc["proposal"]]
            for obj in batch:
                try:
                    proposal = MetadataChangeProposalClass.from_obj(obj)
                    assert proposal.validate(), "proposal does not validate"
                except Exception as exc:
                    self.parse_errors.append(f"{type(exc).__name__}: {exc}")
                    return 400, json_headers, json.dumps({"message": f"cannot parse proposal: {exc}",
                                                          "status": 400}).encode()
                self._apply(proposal)
                self.proposals.append(obj)
            return 200, json_headers, b"{}"
        return 404, json_headers, b'{"message": "not found"}'

    def _apply(self, proposal: MetadataChangeProposalClass) -> None:
        assert proposal.entityUrn and proposal.aspectName and proposal.aspect
        value = json.loads(proposal.aspect.value)
        key: tuple[str, str] = (proposal.entityUrn, proposal.aspectName)
        with self._store_lock:
            if proposal.aspectName in TIMESERIES:
                key = (proposal.entityUrn, f"{proposal.aspectName}@{value.get('timestampMillis')}")
            if proposal.changeType == "PATCH":
                current = self.store.get(key) or {}
                self.store[key] = apply_patch(json.loads(json.dumps(current)), value)
            else:
                self.store[key] = value

    def snapshot(self) -> dict[str, Any]:
        with self._store_lock:
            return {f"{urn} {aspect}": value for (urn, aspect), value in sorted(self.store.items())}

    def aspect(self, urn: str, name: str) -> Any:
        return self.store.get((urn, name))

    def column_lineage(self, dataset_urn: str) -> dict[str, tuple[list[str], str]]:
        """downstream column → (upstream field URNs, transform), read back from upstreamLineage."""
        aspect = self.aspect(dataset_urn, "upstreamLineage") or {}
        result: dict[str, tuple[list[str], str]] = {}
        for transform, by_downstream in (aspect.get("fineGrainedLineages") or {}).items():
            for downstream, by_query in by_downstream.items():
                column = downstream.rsplit(",", 1)[1].rstrip(")")
                upstreams = sorted(u for ups in by_query.values() for u in ups)
                result[column] = (upstreams, transform)
        return result
