"""One output of an OpenLineage run → the engine's `WriteLineage`, the model Spline plans are traced into.

OpenLineage's `columnLineage` facet already is column lineage: per output field, its input fields,
each with the transformations on the paths between them. How it maps:

- DIRECT IDENTITY / TRANSFORMATION / AGGREGATION → the edge's transform. An input reached along
  several paths gets several transformations; the edge takes the strongest (AGGREGATION over
  TRANSFORMATION over IDENTITY), masked if any path masks it, which is how the engine joins two
  paths to one upstream. A DIRECT subtype this reader does not know is a TRANSFORMATION (nothing is
  claimed IDENTITY that is not said to be).
- INDIRECT CONDITIONAL on a field → that column's `conditional` columns, as the Spline path reports
  CASE WHEN / IF conditions.
- INDIRECT JOIN / FILTER / GROUP_BY / SORT / WINDOW, from the facet's `dataset` list (OpenLineage's
  `columnLineage.datasetLineageEnabled`) or repeated on every field (without it) → the write's
  indirect dependencies, once per column and kind.
- Inputs without `transformations` (facets before 1-1-0) → the field's deprecated
  `transformationType`: IDENTITY, MASKED (a masked TRANSFORMATION), else TRANSFORMATION.
- The written columns are the output's `schema` facet's fields, in order (OpenLineage leaves a
  column with no input out of the facet, the Spline path lists it with no upstream), else the
  facet's fields. Their types are the schema's.

OpenLineage does not say when it guessed, so every edge has confidence 1.0.
"""

from __future__ import annotations

from emrs_observe.lineage.engine import ColumnLineage, Edge, IndirectDependency, SourceColumn, Transform, WriteLineage
from emrs_observe.lineage.naming import DatasetNamer, DatasetRef
from emrs_observe.lineage.rules import Dependency
from emrs_observe.openlineage.events import InputField, SymlinkIdentifier
from emrs_observe.openlineage.naming import dataset_ref
from emrs_observe.openlineage.runs import RunWrite

_RANKS = {"IDENTITY": 0, "TRANSFORMATION": 1, "AGGREGATION": 2}
_TRANSFORMS = (Transform.IDENTITY, Transform.TRANSFORMATION, Transform.AGGREGATION)
_INDIRECT = {kind.value: kind for kind in Dependency}
_LEGACY = {"IDENTITY": (0, False), "MASKED": (1, True)}


class _Names:
    """Names the datasets a run's lineage refers to; an input's symlinks come from the run's inputs."""

    def __init__(self, namer: DatasetNamer, write: RunWrite) -> None:
        self.namer = namer
        self.symlinks: dict[tuple[str, str], tuple[SymlinkIdentifier, ...]] = {}
        for dataset in write.inputs:
            if dataset.facets is not None and dataset.facets.symlinks is not None:
                self.symlinks[(dataset.namespace, dataset.name)] = tuple(dataset.facets.symlinks.identifiers)
        self.known: dict[tuple[str, str], DatasetRef] = {}

    def __call__(self, namespace: str, name: str) -> DatasetRef:
        key = (namespace, name)
        ref = self.known.get(key)
        if ref is None:
            ref = self.known[key] = dataset_ref(self.namer, namespace, name, self.symlinks.get(key, ()))
        return ref


def run_lineage(write: RunWrite, namer: DatasetNamer | None = None) -> WriteLineage:
    namer = namer or DatasetNamer()
    names = _Names(namer, write)
    output = dataset_ref(namer, write.namespace, write.name, write.symlinks)
    facet = write.column_lineage
    fields = facet.fields if facet is not None else {}
    indirect: set[IndirectDependency] = set()
    inputs = {names(d.namespace, d.name) for d in write.inputs}

    types = dict(write.columns)
    order = [name for name, _ in write.columns] or list(fields)
    order += [name for name in fields if name not in types]  # a facet field the schema does not list
    columns = []
    for column in order:
        lineage = fields.get(column)
        edges: dict[SourceColumn, int] = {}
        conditional: set[SourceColumn] = set()
        for item in lineage.inputFields if lineage is not None else ():
            source = SourceColumn(names(item.namespace, item.name), item.field)
            inputs.add(source.dataset)
            _classify(item, source, edges, conditional, indirect,
                      lineage.transformationType if lineage is not None else None)
        columns.append(ColumnLineage(
            column=column,
            edges=tuple(sorted(Edge(s, _TRANSFORMS[state & 3], bool(state & 4)) for s, state in edges.items())),
            conditional=tuple(sorted(conditional)),
            data_type=types.get(column),
        ))
    for item in (facet.dataset or ()) if facet is not None else ():
        source = SourceColumn(names(item.namespace, item.name), item.field)
        inputs.add(source.dataset)
        for transformation in item.transformations or ():
            kind = _INDIRECT.get(transformation.subtype or "")
            if kind is not None:
                indirect.add(IndirectDependency(source, kind))

    return WriteLineage(
        plan_id=write.id,
        output=output,
        write_operation=write.job_name,
        append=write.lifecycle is None,
        inputs=tuple(sorted(inputs)),
        columns=tuple(columns),
        indirect=tuple(sorted(indirect)),
    )


def _classify(item: InputField, source: SourceColumn, edges: dict[SourceColumn, int],
              conditional: set[SourceColumn], indirect: set[IndirectDependency], legacy: str | None) -> None:
    """Sorts one input field's transformations into the column's edge, its conditional columns and the
    write's indirect dependencies. An edge's state is packed as the engine packs it: rank | 4 if masked."""
    transformations = item.transformations
    if not transformations:
        rank, masked = _LEGACY.get(legacy or "", (1, False))
        _join(edges, source, rank | (4 if masked else 0))
        return
    for transformation in transformations:
        if transformation.type == "DIRECT":
            _join(edges, source, _RANKS.get(transformation.subtype or "", 1) | (4 if transformation.masking else 0))
        elif transformation.type == "INDIRECT":
            if transformation.subtype == "CONDITIONAL":
                conditional.add(source)
            else:
                kind = _INDIRECT.get(transformation.subtype or "")
                if kind is not None:
                    indirect.add(IndirectDependency(source, kind))


def _join(edges: dict[SourceColumn, int], source: SourceColumn, state: int) -> None:
    """The same input along two paths: the stronger transform, masked if either path masks it."""
    known = edges.get(source)
    edges[source] = state if known is None else max(known & 3, state & 3) | ((known | state) & 4)
