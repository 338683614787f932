"""The Data Factory artefacts in `adf/`, loaded and checked before anything is synthesized.

`adf/` follows Data Factory's own Git layout: one JSON file per artefact, in the Studio's format,
in folders by type (`pipeline/`, `dataset/`, `linkedService/`, `trigger/`,
`integrationRuntime/`), the file named after the artefact. A pipeline edited in the dev
factory's Studio arrives here as a pull request and deploys unchanged; what differs between
environments is passed as parameters.

Every problem is reported at once, each with the file, the JSON path and the reason:
malformed JSON, a file whose name is not the artefact's, a reference to an artefact that does
not exist, a parameter passed that the target does not declare or one it requires that is not
passed, an expression that does not parse, uses a function the offline evaluator does not
support (platform_config/adf_expressions.py) or reads a parameter or variable that is not
declared, and an activity type outside those the platform's pipelines use. The tests also
deserialize every artefact into Data Factory's own models (azure-mgmt-datafactory) and run the
pipelines' logic offline (localrun/adf_runner.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platform_config import adf_expressions
from platform_config.loader import ConfigError

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
# Context functions (lowercased, as parsed) each kind of artefact may call.
_CONTEXT_FUNCTIONS = {
    "pipeline": frozenset({"pipeline", "variables", "item"}),
    "dataset": frozenset({"dataset"}),
    "linkedService": frozenset({"linkedservice"}),
}
_ALL_CONTEXT: frozenset[str] = frozenset().union(*_CONTEXT_FUNCTIONS.values())


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
    return problems


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _references(artifact: Artifact, artifacts: dict[str, dict[str, Artifact]]) -> list[str]:
    problems = []
    for path, node in _walk(artifact.body):
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


def _expressions(artifact: Artifact) -> list[str]:
    """Every expression parses, uses only what platform_config.adf_expressions evaluates, and
    reads only parameters and variables its artefact declares."""
    problems = []
    # What a reference may name, by its scope (others are checked by their own kind's rules).
    declared = {artifact.kind: set(artifact.parameters())}
    if artifact.kind == "pipeline":
        declared["variable"] = set(artifact.properties.get("variables", {}) or {})
    allowed_context = _CONTEXT_FUNCTIONS.get(artifact.kind, frozenset())
    for path, node in _walk(artifact.body):
        if not isinstance(node, str) or path.endswith(".description"):
            continue
        if not adf_expressions.is_expression(node):
            continue
        where = f"{artifact.path}: {path}: {node}"
        try:
            parsed = adf_expressions.template(node)
        except adf_expressions.ExpressionError as err:
            problems.append(f"{where}: {err}")
            continue
        for expression in parsed.expressions():
            problems += [f"{where}: {reason}" for reason in adf_expressions.unsupported(expression)]
            for sub in adf_expressions.walk(expression):
                if (
                    isinstance(sub, adf_expressions.Call)
                    and sub.name in _ALL_CONTEXT
                    and sub.name not in allowed_context
                ):
                    problems.append(f"{where}: {sub.name}() is not available in a {artifact.kind}")
            for ref in adf_expressions.references(expression):
                names = declared.get(ref.scope)
                if names is None or ref.name in names:
                    continue
                what = "variable" if ref.scope == "variable" else "parameter"
                problems.append(
                    f"{where}: reads {what} {ref.name!r}, which this {artifact.kind} does not "
                    f"declare; it declares {', '.join(sorted(names)) or 'none'}"
                )
    return problems


def _activities(artifact: Artifact) -> list[str]:
    problems = []
    for path, node in _walk(artifact.properties.get("activities", []), "$.properties.activities"):
        is_activity = isinstance(node, dict) and "name" in node and "type" in node
        if is_activity and path.endswith("]") and node["type"] not in ACTIVITY_TYPES:
            problems.append(
                f"{artifact.path}: {path}.type = {node['type']!r}: not an "
                f"activity type the platform uses; allowed: "
                f"{', '.join(sorted(ACTIVITY_TYPES))}"
            )
    return problems
