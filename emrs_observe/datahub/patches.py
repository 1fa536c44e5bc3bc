"""A dataset's `upstreamLineage` PATCH, exactly as acryl-datahub's `DatasetPatchBuilder` writes it.

Why not the builder itself: on Python 3.11 its `build()` checks every patch operation and every
value against a `runtime_checkable` Protocol (`typing._get_protocol_attrs` walks the MRO on every
call) and runs avro validation on each `Upstream`; that was 75 % of the proposal stage on large
plans and 40 % on small ones (`benchmarks/lineage_throughput.py`), several times the cost of
parsing the plan. The operations are the builder's own: `/upstreams/<dataset>` with the Upstream
record, `/fineGrainedLineages/<operation>/<downstream field>/<query or NONE>/<upstream field>` with
the confidence, path parts escaped by the builder's own `quote`. `tests/lineage/test_datahub_oracle.py`
holds this equal to `DatasetPatchBuilder.build()` (the same proposal, the same operations; the
patch body compared as parsed JSON) over every captured corpus plan, so a DataHub release that
changes the layout fails CI instead of writing a different patch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from datahub.emitter.aspect import JSON_PATCH_CONTENT_TYPE
from datahub.metadata.schema_classes import (
    ChangeTypeClass,
    DatasetLineageTypeClass,
    FineGrainedLineageClass,
    GenericAspectClass,
    MetadataChangeProposalClass,
    UpstreamLineageClass,
)
from datahub.specific.dataset import DatasetPatchBuilder

_quote = DatasetPatchBuilder.quote
_ASPECT = UpstreamLineageClass.ASPECT_NAME


def upstream_lineage_patch(
    dataset_urn: str, upstreams: Iterable[str], fine_grained: Iterable[FineGrainedLineageClass],
    stamp_ms: int, actor: str = "urn:li:corpuser:datahub",
) -> list[MetadataChangeProposalClass]:
    """Adds each upstream dataset (TRANSFORMED, stamped `stamp_ms`) and each column edge; removes nothing.

    Like the builder, nothing to add is no proposal at all."""
    ops: list[dict[str, Any]] = []
    for upstream in upstreams:
        ops.append({"op": "add", "path": f"/upstreams/{_quote(upstream)}", "value": {
            "auditStamp": {"time": stamp_ms, "actor": actor},
            "dataset": upstream, "type": DatasetLineageTypeClass.TRANSFORMED}})
    for item in fine_grained:
        downstreams = item.downstreams or []
        if len(downstreams) != 1:  # the same refusal as the builder's: a patch entry has one downstream
            raise TypeError("Cannot patch with more or less than one downstream.")
        prefix = (f"/fineGrainedLineages/{_quote(item.transformOperation or 'NONE')}/"
                  f"{_quote(downstreams[0])}/{_quote(item.query or 'NONE')}/")
        value = {"confidenceScore": item.confidenceScore}
        ops.extend({"op": "add", "path": prefix + _quote(u), "value": value} for u in item.upstreams or [])
    if not ops:
        return []
    return [MetadataChangeProposalClass(
        entityUrn=dataset_urn, entityType="dataset", changeType=ChangeTypeClass.PATCH, aspectName=_ASPECT,
        aspect=GenericAspectClass(value=json.dumps(ops).encode(), contentType=JSON_PATCH_CONTENT_TYPE))]
