from __future__ import annotations

from typing import Any

from emrs_observe.lineage.engine import WriteLineage


def summarise(lineage: WriteLineage) -> dict[str, Any]:
    """The parts of a WriteLineage the expected-lineage literals spell out."""
    return {
        "output": str(lineage.output),
        "append": lineage.append,
        "inputs": [str(d) for d in lineage.inputs],
        "columns": {c.column: ([str(u) for u in c.upstreams], c.transform.value if c.transform else None)
                    for c in lineage.columns},
        "indirect": [(str(d.column), d.kind.value) for d in lineage.indirect],
    }
