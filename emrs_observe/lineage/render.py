"""Lineage → plain data (JSON) and Graphviz DOT. Pure functions."""

from __future__ import annotations

from typing import Any

from emrs_observe.lineage.engine import WriteLineage


def lineage_to_dict(lineage: WriteLineage) -> dict[str, Any]:
    return {
        "planId": lineage.plan_id,
        "output": str(lineage.output),
        "writeOperation": lineage.write_operation,
        "append": lineage.append,
        "inputs": [str(d) for d in lineage.inputs],
        "columns": [
            {"column": c.column, "dataType": c.data_type,
             "transform": c.transform.value if c.transform else None,
             "upstreams": [str(u) for u in c.upstreams],
             "edges": [{"upstream": str(e.upstream), "transform": e.transform.value, "masking": e.masking,
                        "confidence": e.confidence} for e in c.edges],
             "conditional": [str(u) for u in c.conditional],
             "functions": list(c.functions)}
            for c in lineage.columns
        ],
        "indirect": [{"column": str(d.column), "kind": d.kind.value} for d in lineage.indirect],
        "guessedOperators": list(lineage.guessed_operators),
    }


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lineage_to_dot(lineages: list[WriteLineage]) -> str:
    """One cluster per dataset, one node per column, one edge per upstream (dashed: indirect)."""
    columns: dict[str, set[str]] = {}
    edges: list[tuple[str, str, str, str]] = []
    for lineage in lineages:
        out = str(lineage.output)
        for col in lineage.columns:
            columns.setdefault(out, set()).add(col.column)
            for edge in col.edges:
                up = edge.upstream
                columns.setdefault(str(up.dataset), set()).add(up.column)
                edges.append((f"{up.dataset}.{up.column}", f"{out}.{col.column}", edge.transform.value, "solid"))
            for up in col.conditional:
                columns.setdefault(str(up.dataset), set()).add(up.column)
                edges.append((f"{up.dataset}.{up.column}", f"{out}.{col.column}", "CONDITIONAL", "dashed"))
        for dep in lineage.indirect:
            columns.setdefault(str(dep.column.dataset), set()).add(dep.column.column)
            edges.append((f"{dep.column.dataset}.{dep.column.column}", out, dep.kind.value, "dashed"))
    lines = ["digraph lineage {", "  rankdir=LR;", "  node [shape=box, fontsize=10];"]
    for index, (dataset, cols) in enumerate(sorted(columns.items())):
        lines.append(f"  subgraph cluster_{index} {{")
        lines.append(f"    label={_quote(dataset)};")
        lines.append(f"    {_quote(dataset)} [shape=point, style=invis];")
        for name in sorted(cols):
            lines.append(f"    {_quote(dataset + '.' + name)} [label={_quote(name)}];")
        lines.append("  }")
    for src, dst, label, style in sorted(set(edges)):
        lines.append(f"  {_quote(src)} -> {_quote(dst)} [label={_quote(label)}, style={style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
