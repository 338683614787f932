"""Runs a Data Factory pipeline of `adf/` offline: its activities in dependency order, its
expressions evaluated by platform_config.adf_expressions, and its effects handed to callbacks.

What a run does is recorded (`PipelineRun`): the variables set, every Copy with its source query
and datasets resolved (parameters passed down, dataset and linked-service expressions
evaluated), and every web call with its URL and body. Tests read the record to check the
pipeline's logic; `make demo` passes callbacks that execute the copies against a local SQL
database and start the local lakehouse job.

Activities run: SetVariable, ForEach (its iterations one after another: the same result as in
parallel when iterations are independent, as a copy per table is), Copy and WebActivity.
Dependencies on Succeeded and Completed are followed; an activity that fails fails the run. Any
other activity type or dependency condition is refused with the file and JSON path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platform_config import adf_expressions as expr
from platform_config.adf_artifacts import Artifact, Artifacts

RUNS = ("SetVariable", "ForEach", "Copy", "WebActivity")
_DEPENDENCIES = ("Succeeded", "Completed")
_PARAMETER_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "securestring": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "array": (list,),
    "object": (dict,),
}


class PipelineRunError(ValueError):
    """A pipeline the offline runner cannot run, or a run that failed; names file and JSON path."""


@dataclass(frozen=True)
class ResolvedDataset:
    name: str
    type: str
    parameters: dict[str, Any]
    """The dataset's parameters as passed, defaults filled in."""
    properties: dict[str, Any]
    """Its typeProperties with every expression evaluated."""
    linked_service: str
    linked_service_parameters: dict[str, Any]


@dataclass(frozen=True)
class CopyRun:
    activity: str
    item: Any
    """The ForEach element the copy ran for (None outside a ForEach)."""
    source: ResolvedDataset
    source_settings: dict[str, Any]
    """typeProperties.source evaluated (sqlReaderQuery is the query as the service runs it)."""
    sink: ResolvedDataset

    @property
    def query(self) -> str | None:
        return self.source_settings.get("sqlReaderQuery")

    @property
    def source_table(self) -> tuple[str, str]:
        """(schema, table) of the source dataset (an AzureSqlTable)."""
        schema, table = (self.source.properties.get(k) for k in ("schema", "table"))
        if not (isinstance(schema, str) and isinstance(table, str)):
            raise PipelineRunError(
                f"{self.activity}: dataset {self.source.name} names no schema and table"
            )
        return schema, table


@dataclass(frozen=True)
class WebCall:
    activity: str
    method: str
    url: str
    body: Any


@dataclass
class PipelineRun:
    pipeline: str
    parameters: dict[str, Any]
    trigger_time: dt.datetime
    variables: dict[str, Any] = field(default_factory=dict)
    copies: list[CopyRun] = field(default_factory=list)
    web_calls: list[WebCall] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    """Activity names in the order they ran (a ForEach's inner ones once per iteration)."""
    copy_outputs: list[Any] = field(default_factory=list)
    """What on_copy returned for each of `copies`."""
    web_outputs: list[Any] = field(default_factory=list)
    """What on_web returned for each of `web_calls`."""


OnCopy = Callable[[CopyRun], Any]
OnWeb = Callable[[WebCall], Any]


class PipelineRunner:
    def __init__(
        self,
        artifacts: Artifacts,
        *,
        on_copy: OnCopy | None = None,
        on_web: OnWeb | None = None,
        data_factory: str = "local",
    ):
        """on_copy/on_web: called for each Copy and web call (default: only recorded)."""
        self.artifacts = artifacts
        self.on_copy = on_copy
        self.on_web = on_web
        self.data_factory = data_factory

    def run(
        self,
        pipeline: str,
        parameters: Mapping[str, Any],
        *,
        trigger_time: dt.datetime,
        trigger_type: str = "Manual",
    ) -> PipelineRun:
        artifact = self.artifacts["pipeline"].get(pipeline)
        if artifact is None:
            raise PipelineRunError(
                f"no pipeline {pipeline!r} in adf/pipeline/; known: "
                f"{', '.join(sorted(self.artifacts['pipeline'])) or 'none'}"
            )
        values = _bind_parameters(artifact, parameters)
        when = trigger_time.astimezone(dt.UTC)
        record = PipelineRun(pipeline, values, when)
        context = expr.Context(
            pipeline={
                "DataFactory": self.data_factory,
                "Pipeline": pipeline,
                "RunId": f"local-{pipeline}-{when:%Y%m%dT%H%M%S}",
                "TriggerTime": expr.format_timestamp(when),
                "TriggerType": trigger_type,
                "TriggerName": trigger_type,
                "parameters": values,
            },
            variables=record.variables,
            now=when,
        )
        _Run(self, artifact, record).activities(
            artifact.properties.get("activities", []), "$.properties.activities", context
        )
        return record


def _bind_parameters(artifact: Artifact, given: Mapping[str, Any]) -> dict[str, Any]:
    declared = artifact.parameters()
    unknown = sorted(set(given) - set(declared))
    if unknown:
        raise PipelineRunError(
            f"{artifact.path}: $.properties.parameters: {', '.join(unknown)} not declared; "
            f"declared: {', '.join(declared) or 'none'}"
        )
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        where = f"{artifact.path}: $.properties.parameters.{name}"
        if name in given:
            value = given[name]
        elif "defaultValue" in spec:
            value = spec["defaultValue"]
        else:
            raise PipelineRunError(f"{where}: required (no defaultValue) and not passed")
        kinds = _PARAMETER_TYPES.get(str(spec.get("type", "")).lower())
        if kinds is None:
            raise PipelineRunError(
                f"{where}.type = {spec.get('type')!r}: allowed: {', '.join(_PARAMETER_TYPES)}"
            )
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise PipelineRunError(f"{where}: {value!r} is not of type {spec['type']}")
        values[name] = value
    return values


class _Run:
    def __init__(self, runner: PipelineRunner, artifact: Artifact, record: PipelineRun):
        self.runner = runner
        self.artifact = artifact
        self.record = record

    def fail(self, path: str, reason: str) -> PipelineRunError:
        return PipelineRunError(f"{self.artifact.path}: {path}: {reason}")

    def value(
        self, raw: Any, path: str, context: expr.Context, artifact: Artifact | None = None
    ) -> Any:
        """raw with its expressions evaluated; an error names the file, the JSON path and the
        expression that failed."""
        if isinstance(raw, dict) and not expr.is_expression(raw):
            return {k: self.value(v, f"{path}.{k}", context, artifact) for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v, f"{path}[{i}]", context, artifact) for i, v in enumerate(raw)]
        try:
            return expr.evaluate_value(raw, context)
        except expr.ExpressionError as err:
            where = (artifact or self.artifact).path
            at = f"{path}.value" if isinstance(raw, dict) else path
            raise PipelineRunError(f"{where}: {at}: {expr.expression_text(raw)}: {err}") from None

    def activities(
        self, activities: list[dict[str, Any]], path: str, context: expr.Context
    ) -> None:
        for index, activity in self._in_order(activities, path):
            self.activity(activity, f"{path}[{index}]", context)

    def _in_order(
        self, activities: list[dict[str, Any]], path: str
    ) -> list[tuple[int, dict[str, Any]]]:
        """Activities in dependency order (JSON order among those ready)."""
        names = {a["name"] for a in activities}
        for index, activity in enumerate(activities):
            for d_index, dependency in enumerate(activity.get("dependsOn", [])):
                where = f"{path}[{index}].dependsOn[{d_index}]"
                if dependency.get("activity") not in names:
                    raise self.fail(where, f"no activity {dependency.get('activity')!r} here")
                for condition in dependency.get("dependencyConditions", []):
                    if condition not in _DEPENDENCIES:
                        raise self.fail(
                            where,
                            f"condition {condition!r} is not run offline; supported: "
                            f"{', '.join(_DEPENDENCIES)}",
                        )
        done: set[str] = set()
        ordered: list[tuple[int, dict[str, Any]]] = []
        while len(ordered) < len(activities):
            ready = [
                (i, a)
                for i, a in enumerate(activities)
                if a["name"] not in done
                and all(d["activity"] in done for d in a.get("dependsOn", []))
            ]
            if not ready:
                raise self.fail(path, "the activities' dependencies form a cycle")
            ordered.append(ready[0])
            done.add(ready[0][1]["name"])
        return ordered

    def activity(self, activity: dict[str, Any], path: str, context: expr.Context) -> None:
        kind = activity.get("type")
        props = activity.get("typeProperties", {})
        at = f"{path}.typeProperties"
        self.record.activities.append(activity["name"])
        if kind == "SetVariable":
            name = props["variableName"]
            declared = self.artifact.properties.get("variables", {})
            if name not in declared:
                raise self.fail(f"{at}.variableName", f"variable {name!r} is not declared")
            value = self.value(props.get("value"), f"{at}.value", context)
            if str(declared[name].get("type", "")).lower() == "string" and not isinstance(
                value, str
            ):
                raise self.fail(f"{at}.value", f"{value!r} is not a String")
            self.record.variables[name] = value  # context.variables is this dict
        elif kind == "ForEach":
            items = self.value(props.get("items"), f"{at}.items", context)
            if not isinstance(items, list):
                raise self.fail(f"{at}.items", f"must evaluate to an array, not {items!r}")
            for item in items:
                self.activities(
                    props.get("activities", []), f"{at}.activities", context.with_item(item)
                )
        elif kind == "Copy":
            self.copy(activity, path, context)
        elif kind == "WebActivity":
            call = WebCall(
                activity=activity["name"],
                method=props.get("method", ""),
                url=self.value(props.get("url"), f"{at}.url", context),
                body=self.value(props.get("body"), f"{at}.body", context),
            )
            self.record.web_calls.append(call)
            self.record.web_outputs.append(self.runner.on_web(call) if self.runner.on_web else None)
        else:
            raise self.fail(
                f"{path}.type",
                f"{kind!r} is not run offline; supported: {', '.join(RUNS)}",
            )

    def copy(self, activity: dict[str, Any], path: str, context: expr.Context) -> None:
        at = f"{path}.typeProperties"
        inputs, outputs = activity.get("inputs", []), activity.get("outputs", [])
        if len(inputs) != 1 or len(outputs) != 1:
            raise self.fail(path, "a Copy has exactly one input and one output dataset")
        run = CopyRun(
            activity=activity["name"],
            item=context.item,
            source=self.dataset(inputs[0], f"{path}.inputs[0]", context),
            source_settings=self.value(
                activity["typeProperties"]["source"], f"{at}.source", context
            ),
            sink=self.dataset(outputs[0], f"{path}.outputs[0]", context),
        )
        self.record.copies.append(run)
        self.record.copy_outputs.append(self.runner.on_copy(run) if self.runner.on_copy else None)

    def dataset(
        self, reference: dict[str, Any], path: str, context: expr.Context
    ) -> ResolvedDataset:
        dataset = self.runner.artifacts["dataset"][reference["referenceName"]]
        parameters = self._parameters(
            dataset, self.value(reference.get("parameters", {}), f"{path}.parameters", context)
        )
        dataset_context = expr.Context(dataset=parameters, now=context.now)
        props = dataset.properties
        properties = self.value(
            props.get("typeProperties", {}), "$.properties.typeProperties", dataset_context, dataset
        )
        link = props["linkedServiceName"]
        linked_service = self.runner.artifacts["linkedService"][link["referenceName"]]
        link_parameters = self._parameters(
            linked_service,
            self.value(
                link.get("parameters", {}),
                "$.properties.linkedServiceName.parameters",
                dataset_context,
                dataset,
            ),
        )
        return ResolvedDataset(
            name=dataset.name,
            type=props["type"],
            parameters=parameters,
            properties=properties,
            linked_service=linked_service.name,
            linked_service_parameters=link_parameters,
        )

    @staticmethod
    def _parameters(target: Artifact, passed: dict[str, Any]) -> dict[str, Any]:
        values = {
            name: spec["defaultValue"]
            for name, spec in target.parameters().items()
            if isinstance(spec, dict) and "defaultValue" in spec
        }
        values.update(passed)
        return values


def sink_path(copy: CopyRun) -> Path:
    """Where an ADLS sink writes, relative to the lake: <fileSystem>/<folderPath>/<fileName>."""
    location = copy.sink.properties.get("location", {})
    if location.get("type") != "AzureBlobFSLocation":
        raise PipelineRunError(
            f"dataset {copy.sink.name}: location type {location.get('type')!r}; the local lake "
            "writes AzureBlobFSLocation"
        )
    parts = [location.get("fileSystem"), location.get("folderPath"), location.get("fileName")]
    if not all(isinstance(p, str) and p for p in parts):
        raise PipelineRunError(
            f"dataset {copy.sink.name}: fileSystem, folderPath and fileName must all be set, "
            f"got {parts}"
        )
    return Path(*parts)
