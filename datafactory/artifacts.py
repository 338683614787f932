"""The Data Factory artefacts in `adf/`, loaded and checked before anything is synthesized.

`adf/` follows Data Factory's own Git layout: one JSON file per artefact, in the Studio's format,
in folders by type (`pipeline/`, `dataset/`, `linkedService/`, `trigger/`,
`integrationRuntime/`), the file named after the artefact. A pipeline edited in the dev
factory's Studio arrives here as a pull request and deploys unchanged; what differs between
environments is passed as parameters.

Every problem is reported at once, each with the file, the JSON path and the reason:
malformed JSON, a file whose name is not the artefact's, a reference to an artefact that does
not exist, a parameter passed that the target does not declare or one it requires that is not
passed, an expression that does not parse or calls a function Data Factory does not have
(datafactory.expressions), one that reads a parameter or variable its artefact does not declare
or a context function its kind of artefact does not have, an activity that depends on one that
does not exist beside it, a SetVariable or AppendVariable of an undeclared variable, and an
activity type outside those the platform's pipelines use.

These checks are static and small: they read the expressions' grammar and names and need no
engine (main.py --check runs them in under a second, without .NET). What an expression
evaluates to is Microsoft's engine's business (datafactory/runner.py, in the tests, the dry run
and make demo). The tests also deserialize every artefact into Data
Factory's own models (azure-mgmt-datafactory).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datafactory import expressions
from platform_config.loader import ConfigError
from vocabulary import providers
from vocabulary.value_checks import check_values

ADF_DIR = Path(__file__).resolve().parent.parent / "adf"
KINDS: tuple[str, ...] = ("pipeline", "dataset", "linkedService", "trigger", "integrationRuntime")
# Reference type -> the kind of artefact it points at.
REFERENCES = {
    "PipelineReference": "pipeline",
    "DatasetReference": "dataset",
    "LinkedServiceReference": "linkedService",
    "IntegrationRuntimeReference": "integrationRuntime",
    "CredentialReference": "credential",
}
# Credentials are not artefacts of adf/: the ingestion stack declares each, for the identity
# its environment has (a Studio-exported credential would carry dev's identity id).
JOB_CREDENTIAL = "cred-lakehouse-job"
"""The user-assigned identity the copy pipeline starts the lakehouse job with."""
STACK_CREDENTIALS: frozenset[str] = frozenset({JOB_CREDENTIAL})
# Activity types the platform's pipelines may use (each is a typed model in the SDK).
ACTIVITY_TYPES: frozenset[str] = frozenset(
    {
        "Copy",
        "ForEach",
        "SetVariable",
        "AppendVariable",
        "WebActivity",
        "Lookup",
        "IfCondition",
        "Switch",
        "Until",
        "Wait",
        "Filter",
        "ExecutePipeline",
        "Fail",
        "GetMetadata",
        "Delete",
        "Script",
        "SqlServerStoredProcedure",
        "DatabricksNotebook",
    }
)
# Context functions (lowercased) each kind of artefact may call.
_CONTEXT_FUNCTIONS = {
    "pipeline": frozenset({"pipeline", "variables", "item", "activity"}),
    "dataset": frozenset({"dataset"}),
    "linkedService": frozenset({"linkedservice"}),
}
_ALL_CONTEXT: frozenset[str] = frozenset().union(*_CONTEXT_FUNCTIONS.values())
# Names in an expression's text: a quoted literal ('' escapes a quote) is skipped, so that only
# calls and references outside string literals count.
_LITERAL = re.compile(r"'(?:[^']|'')*'")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_PIPELINE_PARAMETER = re.compile(r"\bpipeline\(\s*\)\.parameters\.([A-Za-z0-9_]+)", re.IGNORECASE)
_CONTEXT_PARAMETER = re.compile(r"\b(dataset|linkedService)\(\s*\)\.([A-Za-z0-9_]+)", re.IGNORECASE)
_VARIABLE = re.compile(r"\bvariables\(\s*'((?:[^']|'')*)'\s*\)", re.IGNORECASE)
_VARIABLE_ACTIVITIES = ("SetVariable", "AppendVariable")


@dataclass(frozen=True)
class Artifact:
    kind: str
    name: str
    path: Path
    body: dict[str, Any]

    @property
    def properties(self) -> dict[str, Any]:
        properties: dict[str, Any] = self.body.get("properties", {})
        return properties

    def parameters(self) -> dict[str, Any]:
        return self.properties.get("parameters", {}) or {}


Artifacts = dict[str, dict[str, Artifact]]
"""Kind (pipeline, dataset, ...) -> artefact name -> artefact."""


class AdfError(ConfigError):
    """Problems of the artefacts in adf/, each naming the file, the JSON path and the reason."""

    subject = "problem(s) in the Data Factory artefacts"


def load(root: Path = ADF_DIR) -> Artifacts:
    """Every artefact under root by kind and name; AdfError lists every problem."""
    problems: list[str] = []
    found: dict[str, dict[str, Artifact]] = {kind: {} for kind in KINDS}
    for path in sorted(root.rglob("*.json")):
        folder = path.relative_to(root).parts[0]
        if folder not in KINDS or len(path.relative_to(root).parts) != 2:
            problems.append(
                f"{path}: not in a folder of Data Factory's layout; allowed: "
                f"{', '.join(f'{k}/' for k in KINDS)}"
            )
            continue
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            problems.append(f"{path}:{err.lineno}:{err.colno}: not JSON: {err.msg}")
            continue
        if not isinstance(body, dict) or not isinstance(body.get("properties"), dict):
            problems.append(f"{path}: $: an artefact is an object with name and properties")
            continue
        if body.get("name") != path.stem:
            problems.append(
                f"{path}: $.name = {body.get('name')!r}: must equal the file name "
                f"{path.stem!r} (the Studio names files after their artefact)"
            )
            continue
        if folder != "pipeline" and not isinstance(body["properties"].get("type"), str):
            problems.append(f"{path}: $.properties.type: required")
            continue
        found[folder][path.stem] = Artifact(folder, path.stem, path, body)
    problems += validate(found)
    if problems:
        raise AdfError(problems)
    return found


def validate(artifacts: dict[str, dict[str, Artifact]]) -> list[str]:
    problems: list[str] = []
    for kind, by_name in artifacts.items():
        for artifact in by_name.values():
            problems += _references(artifact, artifacts)
            problems += _expressions(artifact)
            if kind == "pipeline":
                problems += _activities(artifact)
            if kind == "trigger":
                problems += _recurrence(artifact)
    return problems


_RECURRENCE = {  # the trigger's recurrence field -> azurerm_data_factory_trigger_schedule's
    "frequency": "frequency",
    "interval": "interval",
    "startTime": "start_time",
    "timeZone": "time_zone",
}


def _recurrence(artifact: Artifact) -> list[str]:
    """A schedule trigger's recurrence, as azurerm refuses it at plan (vocabulary.providers):
    a wrong frequency or interval is named here, with its file, before anything deploys."""
    if artifact.properties.get("type") != "ScheduleTrigger":
        return []
    recurrence = (artifact.properties.get("typeProperties") or {}).get("recurrence") or {}
    arguments = {argument: recurrence.get(field) for field, argument in _RECURRENCE.items()}
    fields = {argument: field for field, argument in _RECURRENCE.items()}
    checks = [
        check.as_rule()
        for check in providers.VALUE_CHECKS["azurerm_data_factory_trigger_schedule"]
        if check.attribute in fields
    ]
    return [
        f"{artifact.path}: $.properties.typeProperties.recurrence.{fields[attribute]}: {said}"
        for attribute, said in check_values(checks, arguments)
    ]


def walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """(JSON path, value) of value and everything in it, depth first."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def _references(artifact: Artifact, artifacts: dict[str, dict[str, Artifact]]) -> list[str]:
    problems = []
    for path, node in walk(artifact.body):
        if not (
            isinstance(node, dict) and node.get("type") in REFERENCES and "referenceName" in node
        ):
            continue
        kind = REFERENCES[node["type"]]
        if node["type"] == "IntegrationRuntimeReference" and "managedVirtualNetwork" in path:
            continue
        where = f"{artifact.path}: {path}.referenceName = {node['referenceName']!r}"
        if kind == "credential":
            if node["referenceName"] not in STACK_CREDENTIALS:
                problems.append(
                    f"{where}: no credential of that name; the ingestion stack declares "
                    f"{', '.join(sorted(STACK_CREDENTIALS))}"
                )
            continue
        target = artifacts.get(kind, {}).get(node["referenceName"])
        if target is None:
            known = ", ".join(sorted(artifacts.get(kind, {}))) or "none"
            problems.append(f"{where}: no {kind} of that name in adf/{kind}/; known: {known}")
            continue
        passed = node.get("parameters", {}) or {}
        declared = target.parameters()
        for name in passed:
            if name not in declared:
                problems.append(
                    f"{artifact.path}: {path}.parameters.{name}: {kind} "
                    f"{target.name!r} declares no such parameter; it declares "
                    f"{', '.join(declared) or 'none'}"
                )
        for name, spec in declared.items():
            required = not isinstance(spec, dict) or "defaultValue" not in spec
            if required and name not in passed and kind != "pipeline":
                problems.append(
                    f"{where}: parameter {name!r} of {kind} {target.name!r} is "
                    "required and not passed"
                )
    return problems


def expression_text(node: Any) -> str | None:
    """The expression a JSON value holds: an Expression object's value, or a string the service
    evaluates (it starts with @ but not @@, or interpolates @{...}); None for a literal."""
    if isinstance(node, dict) and set(node) == {"value", "type"} and node["type"] == "Expression":
        return str(node["value"])
    if isinstance(node, str) and (
        (node.startswith("@") and not node.startswith("@@")) or "@{" in node
    ):
        return node
    return None


def _expressions(artifact: Artifact) -> list[str]:
    """Every expression reads only parameters and variables its artefact declares, and calls
    only the context functions its kind of artefact has."""
    problems = []
    declared = set(artifact.parameters())
    variables = set(artifact.properties.get("variables", {}) or {})
    allowed_context = _CONTEXT_FUNCTIONS.get(artifact.kind, frozenset())
    for path, node in walk(artifact.body):
        # strings only: an Expression object's value is one of them
        text = expression_text(node) if isinstance(node, str) else None
        if text is None or path.endswith(".description"):
            continue
        where = f"{artifact.path}: {path}: {text}"
        problems += [f"{where}: {problem}" for problem in expressions.problems(text)]
        outside_literals = _LITERAL.sub("''", text)
        for name in dict.fromkeys(m.lower() for m in _CALL.findall(outside_literals)):
            if name in _ALL_CONTEXT and name not in allowed_context:
                problems.append(f"{where}: {name}() is not available in a {artifact.kind}")
        read: list[tuple[str, str]] = []
        if artifact.kind == "pipeline":
            read += [("parameter", n) for n in _PIPELINE_PARAMETER.findall(outside_literals)]
            read += [("variable", n.replace("''", "'")) for n in _VARIABLE.findall(text)]
        else:
            read += [
                ("parameter", name)
                for scope, name in _CONTEXT_PARAMETER.findall(outside_literals)
                if scope.lower() == artifact.kind.lower()
            ]
        for what, name in dict.fromkeys(read):
            names = variables if what == "variable" else declared
            if name not in names:
                problems.append(
                    f"{where}: reads {what} {name!r}, which this {artifact.kind} does not "
                    f"declare; it declares {', '.join(sorted(names)) or 'none'}"
                )
    return problems


def _activities(artifact: Artifact) -> list[str]:
    """Known activity types; dependencies on activities of the same list; variables declared."""
    problems = []
    variables = set(artifact.properties.get("variables", {}) or {})
    for path, node in walk(artifact.properties.get("activities", []), "$.properties.activities"):
        if not (isinstance(node, list) and path.lower().endswith("activities")):
            continue
        siblings = {a.get("name") for a in node if isinstance(a, dict)}
        for index, activity in enumerate(node):
            if not isinstance(activity, dict) or "type" not in activity:
                continue
            at = f"{artifact.path}: {path}[{index}]"
            if activity["type"] not in ACTIVITY_TYPES:
                problems.append(
                    f"{at}.type = {activity['type']!r}: not an activity type the platform "
                    f"uses; allowed: {', '.join(sorted(ACTIVITY_TYPES))}"
                )
            for d_index, dependency in enumerate(activity.get("dependsOn", []) or []):
                target = dependency.get("activity") if isinstance(dependency, dict) else None
                if target not in siblings:
                    others = sorted(str(s) for s in siblings - {activity.get("name")})
                    problems.append(
                        f"{at}.dependsOn[{d_index}].activity = {target!r}: no activity of that "
                        f"name beside it (Data Factory runs fail with InvalidTemplate); it may "
                        f"depend on {', '.join(others) or 'none'}"
                    )
            if activity["type"] in _VARIABLE_ACTIVITIES:
                name = (activity.get("typeProperties") or {}).get("variableName")
                if name not in variables:
                    problems.append(
                        f"{at}.typeProperties.variableName = {name!r}: {activity['type']} of a "
                        f"variable the pipeline does not declare; it declares "
                        f"{', '.join(sorted(variables)) or 'none'}"
                    )
    return problems
