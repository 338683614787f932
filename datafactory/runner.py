"""Runs a Data Factory pipeline of `adf/` offline on Microsoft's engine
(data-factory-testing-framework, datafactory/engine.py) and records what the run does.

The framework walks the activities in dependency order and evaluates every expression with
Data Factory's own expression library. This module hands it the run's parameters, and for each
activity it evaluated records the effect: the variables set, every Copy with its source query
and its datasets resolved (the reference's parameters, the dataset's and the linked service's
expressions, all evaluated by the same engine), and every web call with its URL and body.
Tests read the record to check the pipeline's logic; `make demo` passes callbacks that execute
each copy against a local SQL database and start the local lakehouse job.

Errors name the pipeline's file, the JSON path and the expression, with the engine's reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datafactory.artifacts import Artifact, Artifacts, expression_text, walk
from datafactory.engine import Engine, load

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
    """A pipeline that cannot run offline, or a run that failed; names file and JSON path."""


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
    """Names of the activities the engine evaluated, in order (a ForEach's inner ones once per
    iteration; the engine reports control activities through their inner ones)."""
    copy_outputs: list[Any] = field(default_factory=list)
    """What on_copy returned for each of `copies`."""
    web_outputs: list[Any] = field(default_factory=list)
    """What on_web returned for each of `web_calls` (the activity's output in the run)."""
    timed_out: list[str] = field(default_factory=list)
    """The Until activities that reached their timeout and failed (see _Run.limit)."""
    failure: Failure | None = None
    """The Fail activity the run ended in, if any (the pipeline run fails with it)."""

    @property
    def failed(self) -> bool:
        return self.failure is not None


@dataclass(frozen=True)
class Failure:
    activity: str
    message: str
    error_code: str


OnCopy = Callable[[CopyRun], Any]
OnWeb = Callable[[WebCall], Any]


RUNAWAY = 1000
"""Evaluations of one activity after which a run is stopped: an Until whose condition never
holds (its polls need answers: on_web)."""


class PipelineRunner:
    def __init__(
        self,
        artifacts: Artifacts,
        *,
        on_copy: OnCopy | None = None,
        on_web: OnWeb | None = None,
        data_factory: str = "local",
    ):
        """on_copy/on_web: called for each Copy and web call (default: only recorded); what
        they return is the activity's output in the run (`activity('...').output`)."""
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
        engine = load()
        state_types = engine.state
        Pipeline = state_types.RunParameterType.Pipeline  # noqa: N806
        System = state_types.RunParameterType.System  # noqa: N806
        system = {
            "DataFactory": self.data_factory,
            "Pipeline": pipeline,
            "RunId": f"local-{pipeline}-{when:%Y%m%dT%H%M%S}",
            "TriggerTime": f"{when:%Y-%m-%dT%H:%M:%S}.{when.microsecond:06d}0Z",
            "TriggerType": trigger_type,
            "TriggerName": trigger_type,
        }
        run_parameters = [state_types.RunParameter(Pipeline, k, v) for k, v in values.items()]
        run_parameters += [state_types.RunParameter(System, k, v) for k, v in system.items()]
        framework = _recording_framework(engine, _Run(self, engine, artifact, record))
        definition = framework.get_pipeline_by_name(pipeline)
        state = state_types.PipelineRunState(run_parameters, definition.get_run_variables())
        _Run.guard(
            artifact,
            lambda: list(framework.evaluate_activities(definition.activities, state)),
        )
        record.variables = {v.name: v.value for v in state.variables}
        return record


def _recording_framework(engine: Engine, run: _Run) -> Any:
    """The framework over adf/, telling `run` of each activity it evaluated, with the state
    (variables, ForEach item) it evaluated the activity in."""

    class Recording(engine.framework):  # type: ignore[name-defined,misc]
        def evaluate_activities(self, activities: list[Any], state: Any) -> Iterator[Any]:
            for activity in activities:
                run.explain_failures(activity)
                run.limit(activity)
            mine = {id(activity) for activity in activities}
            for activity in super().evaluate_activities(activities, state):
                if id(activity) in mine:  # inner activities are told by their own level
                    run.evaluated(activity, state)
                yield activity

    root = run.artifact.path.parent.parent
    return Recording(framework_type=engine.framework_type, root_folder_path=str(root))


def _bind_parameters(artifact: Artifact, given: Mapping[str, Any]) -> dict[str, Any]:
    """The run's parameters: declared, typed, defaults filled in; errors name the file."""
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


def _reason(err: BaseException) -> str:
    """The engine's own words: the innermost cause's message, on one line."""
    seen = {id(err)}
    while err.__cause__ is not None and id(err.__cause__) not in seen:  # .NET's may loop
        err = err.__cause__
        seen.add(id(err))
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return "; ".join(lines) or type(err).__name__


class _Run:
    def __init__(self, runner: PipelineRunner, engine: Engine, artifact: Artifact, record: Any):
        self.runner = runner
        self.engine = engine
        self.artifact = artifact
        self.record: PipelineRun = record

    @staticmethod
    def guard(artifact: Artifact, evaluate: Callable[[], Any]) -> Any:
        """evaluate(), with what the framework raises outside an activity named after the file."""
        try:
            return evaluate()
        except PipelineRunError:
            raise
        except Exception as err:  # e.g. no activity's dependency conditions are met
            raise PipelineRunError(
                f"{artifact.path}: $.properties.activities: {_reason(err)}"
            ) from None

    def explain_failures(self, activity: Any) -> None:
        """Make the activity's failures name the file, the JSON path, the expression and the
        engine's reason (the framework's own error names none of them)."""
        if getattr(activity, "_mdp_explained", False):
            return
        evaluate = activity.evaluate

        def explained(state: Any) -> Any:
            try:
                return evaluate(state)
            except PipelineRunError:
                raise
            except Exception as err:
                raise self.failure(activity.name, state, err) from None

        activity.evaluate = explained
        activity._mdp_explained = True

    def limit(self, activity: Any) -> None:
        """What the framework does not model of control activities: an If Condition fails with
        its branch (fail_with_branch), and an Until has a time limit. Data Factory runs
        the inner activities "until the specified boolean expression results to true or timeout
        is reached, whichever is earlier" (UntilActivity, Microsoft Learn:
        https://learn.microsoft.com/dotnet/api/azure.resourcemanager.datafactory.models.untilactivity),
        and the Until then fails. The run's clock is the Wait activities': each advances it by
        its waitTimeInSeconds (the calls between are taken as instant), and the limit is checked
        after each iteration whose condition does not hold yet, as the loop's end is."""
        if activity.type == "IfCondition":
            self.fail_with_branch(activity)
        if activity.type != "Until" or getattr(activity, "_mdp_limited", False):
            return
        timeout = self.result(activity.type_properties.get("timeout")) or _DEFAULT_TIMEOUT
        limit = _timespan_seconds(str(timeout), self.artifact, self.locate(activity.name))
        conditions = self.engine.state.DependencyCondition
        record = self.record

        def evaluate_with_limit(state: Any, evaluate_activities: Any) -> Iterator[Any]:
            elapsed = 0
            while True:
                scope = state.create_iteration_scope()
                for inner in evaluate_activities(activity.activities, scope):
                    if inner.type == "Wait":
                        elapsed += int(self.result(inner.type_properties["waitTimeInSeconds"]))
                    yield inner
                state.add_scoped_activity_results_from_scoped_state(scope)
                ended = activity.expression.evaluate(state)
                if not isinstance(ended, bool):
                    raise PipelineRunError(
                        f"{self.artifact.path}: {self.locate(activity.name)}.typeProperties."
                        f"expression: evaluates to {ended!r}, not a boolean"
                    )
                if ended:
                    state.add_activity_result(activity.name, conditions.Succeeded)
                    activity.set_result(conditions.Succeeded)
                    return
                if elapsed >= limit:
                    record.timed_out.append(activity.name)
                    state.add_activity_result(activity.name, conditions.Failed)
                    activity.set_result(conditions.Failed)
                    return

        activity.evaluate_control_activities = evaluate_with_limit
        activity._mdp_limited = True

    def fail_with_branch(self, activity: Any) -> None:
        """An If Condition fails when a Fail activity of its branch ran, as in Data Factory (the
        framework records the If as succeeded before its branch runs, so an activity after it
        that depends on its success would still run)."""
        if getattr(activity, "_mdp_fails_with_branch", False):
            return
        branch = activity.evaluate_control_activities
        conditions = self.engine.state.DependencyCondition

        def evaluate_branch(state: Any, evaluate_activities: Any) -> Iterator[Any]:
            for inner in branch(state, evaluate_activities):
                if inner.type == "Fail":  # before the yield: the framework stops reading here
                    state.add_activity_result(activity.name, conditions.Failed)
                    activity.set_result(conditions.Failed)
                yield inner

        activity.evaluate_control_activities = evaluate_branch
        activity._mdp_fails_with_branch = True

    def failure(self, name: str, state: Any, err: Exception) -> PipelineRunError:
        """The first expression of the activity that fails in state, with the engine's reason."""
        path = self.locate(name)
        node: Any = self.artifact.body
        for path_node in walk(self.artifact.body):
            if path_node[0] == path:
                node = path_node[1]
                break
        for sub_path, value in walk(node, path):
            text = expression_text(value)
            if text is None or ".activities[" in sub_path.removeprefix(path):
                continue
            reason = self.engine.explain(text, state)
            if reason is not None:
                at = f"{sub_path}.value" if isinstance(value, dict) else sub_path
                return PipelineRunError(f"{self.artifact.path}: {at}: {text}: {reason}")
        return PipelineRunError(f"{self.artifact.path}: {path}: {_reason(err)}")

    def value(self, raw: Any, state: Any, artifact: Artifact, path: str) -> Any:
        """raw with each expression evaluated by the engine in state."""
        text = expression_text(raw)  # one definition with the static checks
        if text is not None:
            try:
                return self.engine.element(text).evaluate(state)
            except Exception as err:  # the engine's reason, with file and path
                at = f"{path}.value" if isinstance(raw, dict) else path
                reason = self.engine.explain(text, state) or _reason(err)
                raise PipelineRunError(f"{artifact.path}: {at}: {text}: {reason}") from None
        if isinstance(raw, dict):
            return {k: self.value(v, state, artifact, f"{path}.{k}") for k, v in raw.items()}
        if isinstance(raw, list):
            return [self.value(v, state, artifact, f"{path}[{i}]") for i, v in enumerate(raw)]
        return raw

    def result(self, value: Any) -> Any:
        """What the engine evaluated in an activity: its DataFactoryElements' results."""
        if isinstance(value, self.engine.element):
            return value.result
        if isinstance(value, dict):
            return {k: self.result(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.result(v) for v in value]
        return value

    def evaluated(self, activity: Any, state: Any) -> None:
        self.record.activities.append(activity.name)
        if self.record.activities.count(activity.name) > RUNAWAY:
            raise PipelineRunError(
                f"{self.artifact.path}: {self.locate(activity.name)}: {activity.name!r} ran "
                f"{RUNAWAY} times: an Until whose condition never holds? (the web calls it "
                "polls need answers: on_web)"
            )
        props = activity.type_properties
        if activity.type == "Copy":
            self.copy(activity, state)
        elif activity.type == "WebActivity":
            call = WebCall(
                activity=activity.name,
                method=str(props.get("method", "")),
                url=self.result(props.get("url")),
                body=self.result(props.get("body")),
            )
            output = self.runner.on_web(call) if self.runner.on_web else None
            self.record.web_calls.append(call)
            self.record.web_outputs.append(output)
            if output is not None:  # the framework records it once this returns
                activity.set_result(self.engine.state.DependencyCondition.Succeeded, output)
        elif activity.type == "Fail":
            self.record.failure = Failure(
                activity=activity.name,
                message=str(self.result(props.get("message"))),
                error_code=str(self.result(props.get("errorCode"))),
            )

    def copy(self, activity: Any, state: Any) -> None:
        path = self.locate(activity.name)
        inputs = activity.all_properties.get("inputs", [])
        outputs = activity.all_properties.get("outputs", [])
        if len(inputs) != 1 or len(outputs) != 1:
            raise PipelineRunError(
                f"{self.artifact.path}: {path}: a Copy has exactly one input and one output dataset"
            )
        run = CopyRun(
            activity=activity.name,
            item=state.iteration_item,
            source=self.dataset(inputs[0], state, f"{path}.inputs[0]"),
            source_settings=self.result(activity.type_properties.get("source", {})),
            sink=self.dataset(outputs[0], state, f"{path}.outputs[0]"),
        )
        self.record.copies.append(run)
        self.record.copy_outputs.append(self.runner.on_copy(run) if self.runner.on_copy else None)

    def locate(self, activity_name: str) -> str:
        """The JSON path of the activity of that name in the pipeline."""
        for path, node in walk(self.artifact.body):
            if isinstance(node, dict) and node.get("name") == activity_name and "type" in node:
                return path
        return "$.properties.activities"

    def dataset(self, reference: dict[str, Any], state: Any, path: str) -> ResolvedDataset:
        """The referenced dataset with its parameters passed and its expressions evaluated."""
        artifacts = self.runner.artifacts
        dataset = artifacts["dataset"][reference["referenceName"]]
        passed = self.value(
            reference.get("parameters", {}), state, self.artifact, f"{path}.parameters"
        )
        parameters = _with_defaults(dataset, passed)
        dataset_state = self._scope("Dataset", parameters)
        props = dataset.properties
        properties = self.value(
            props.get("typeProperties", {}), dataset_state, dataset, "$.properties.typeProperties"
        )
        link = props["linkedServiceName"]
        linked_service = artifacts["linkedService"][link["referenceName"]]
        link_parameters = _with_defaults(
            linked_service,
            self.value(
                link.get("parameters", {}),
                dataset_state,
                dataset,
                "$.properties.linkedServiceName.parameters",
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

    def _scope(self, kind: str, parameters: Mapping[str, Any]) -> Any:
        """A state in which dataset() (or linkedService()) reads these parameters."""
        state_types = self.engine.state
        parameter_type = getattr(state_types.RunParameterType, kind)
        return state_types.PipelineRunState(
            [state_types.RunParameter(parameter_type, k, v) for k, v in parameters.items()]
        )


_DEFAULT_TIMEOUT = "7.00:00:00"
"""An Until's timeout when it sets none (UntilActivity.Timeout: "default value is 7 days")."""
_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<h>\d\d):(?P<m>[0-5]\d):(?P<s>[0-5]\d)$")


def _timespan_seconds(value: str, artifact: Artifact, path: str) -> int:
    """Seconds of a Data Factory timespan, `[d.]hh:mm:ss`."""
    match = _TIMESPAN.match(value)
    if not match:
        raise PipelineRunError(
            f"{artifact.path}: {path}.typeProperties.timeout: {value!r} is not a timespan "
            "[d.]hh:mm:ss"
        )
    days = int(match["days"] or 0)
    return ((days * 24 + int(match["h"])) * 60 + int(match["m"])) * 60 + int(match["s"])


def _with_defaults(target: Artifact, passed: Mapping[str, Any]) -> dict[str, Any]:
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


__all__ = [
    "CopyRun",
    "OnCopy",
    "OnWeb",
    "PipelineRun",
    "PipelineRunError",
    "PipelineRunner",
    "ResolvedDataset",
    "WebCall",
    "sink_path",
]
