"""Chained plans, first step (issue 34): a consumer planned against its producers' planned
outputs, not only their deployed ones.

A producer's plan (`terraform show -json`) holds every output it will have once applied:
`planned_values.outputs` the known values, `output_changes[*].after_unknown` the ones Azure
assigns at apply. This module reads them, and writes a consumer's working copy whose
`terraform_remote_state` reads of those producers go to a local state file holding the planned
outputs, through a Terraform override file: the copy is planned, `cdktf.out` and every deploy
are untouched (apply still reads deployed state).

A consumer that reads an output whose planned value is unknown, or that the planned producer
no longer has, is not planned: it is reported as waiting on exactly those outputs. A placeholder
value could pass or fail the providers' checks by chance, and would show a false value in the
plan a reviewer approves.

Standard library only: CI's Terraform jobs run tooling/ without the project's environment.
Not wired into `run_stacks plan` yet (docs/delivery.md says what a reviewer sees today).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = dict[str, Any]

OVERRIDE_FILE = "zz_planned_producers_override.tf.json"
"""The override file of a working copy (Terraform merges `*_override.tf.json` last)."""
STATES_DIR = "planned-producers"
"""The working copy's folder of the producers' planned-output states."""


def _has_unknown(marker: Any) -> bool:
    """after_unknown is true, or a structure with a true somewhere (an object or list output
    with an unknown part: the whole output counts as unknown)."""
    if marker is True:
        return True
    if isinstance(marker, dict):
        return any(_has_unknown(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_has_unknown(v) for v in marker)
    return False


@dataclass(frozen=True)
class PlannedOutputs:
    """What a producer's plan says its outputs will be once applied."""

    producer: str
    known: Mapping[str, Any]
    unknown: frozenset[str]

    def __contains__(self, output: str) -> bool:
        return output in self.known or output in self.unknown


def planned_outputs(producer: str, plan: Json) -> PlannedOutputs:
    """The outputs of `terraform show -json <plan>`: known values, and the names of those known
    only after apply. An output the plan deletes is in neither."""
    values: Mapping[str, Json] = (plan.get("planned_values") or {}).get("outputs") or {}
    changes: Mapping[str, Json] = plan.get("output_changes") or {}
    known: dict[str, Any] = {}
    unknown: set[str] = set()
    for name in sorted(set(values) | set(changes)):
        change = changes.get(name) or {}
        if change.get("actions") == ["delete"]:
            continue
        if _has_unknown(change.get("after_unknown")):
            unknown.add(name)
        elif "value" in (values.get(name) or {}):
            known[name] = values[name]["value"]
        elif "after" in change:
            known[name] = change["after"]
        else:
            unknown.add(name)
    return PlannedOutputs(producer, known, frozenset(unknown))


@dataclass(frozen=True)
class Inputs:
    """How one consumer can be planned."""

    planned_from: Mapping[str, tuple[str, ...]]
    """Producer -> the outputs the consumer reads from its plan (not its deployed state)."""
    known_after_apply: Mapping[str, tuple[str, ...]]
    """Producer -> outputs the consumer reads whose values Azure assigns at apply."""
    not_produced: Mapping[str, tuple[str, ...]]
    """Producer -> outputs the consumer reads that the planned producer no longer has."""

    @property
    def plannable(self) -> bool:
        return not self.known_after_apply and not self.not_produced

    def describe(self, consumer: str) -> str:
        parts = [
            f"{', '.join(outputs)} known after {producer} applies"
            for producer, outputs in self.known_after_apply.items()
        ] + [
            f"{producer} no longer has {', '.join(outputs)}"
            for producer, outputs in self.not_produced.items()
        ]
        return f"{consumer} waits: {'; '.join(parts)}" if parts else f"{consumer} can be planned"


def inputs(needed: Mapping[str, set[str]], planned: Mapping[str, PlannedOutputs]) -> Inputs:
    """needed: producer -> outputs the consumer reads (tooling.run_stacks.needed_outputs).
    planned: the producers planned so far; the others are read from their deployed state."""
    planned_from: dict[str, tuple[str, ...]] = {}
    after_apply: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for producer, outputs in sorted(needed.items()):
        plan = planned.get(producer)
        if plan is None:
            continue
        planned_from[producer] = tuple(sorted(outputs))
        unknown = tuple(sorted(o for o in outputs if o in plan.unknown))
        gone = tuple(sorted(o for o in outputs if o not in plan))
        if unknown:
            after_apply[producer] = unknown
        if gone:
            missing[producer] = gone
    return Inputs(planned_from, after_apply, missing)


def cty_type(value: Any) -> Any:
    """The Terraform type of a JSON value, as a state file writes an output's type."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str) or value is None:
        return "string"
    if isinstance(value, list):
        return ["tuple", [cty_type(v) for v in value]]
    if isinstance(value, dict):
        return ["object", {k: cty_type(v) for k, v in value.items()}]
    raise TypeError(f"not a JSON value: {value!r}")


def state_of(outputs: Mapping[str, Any]) -> Json:
    """A state file (format 4) holding only these outputs: what a remote state read returns."""
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000034",
        "outputs": {
            name: {"value": value, "type": cty_type(value)}
            for name, value in sorted(outputs.items())
        },
        "resources": [],
    }


def working_copy(stack_dir: Path, work: Path, planned: Mapping[str, PlannedOutputs]) -> Path:
    """A copy of the synthesized stack in `work`, whose remote state reads of the planned
    producers (data.terraform_remote_state.<producer>) read their planned outputs. The stack's
    own folder is not written to."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(stack_dir, work, ignore=shutil.ignore_patterns(".terraform*", "tfplan*"))
    body = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    reads = body.get("data", {}).get("terraform_remote_state", {})
    states = work / STATES_DIR
    overrides: dict[str, Json] = {}
    for name in sorted(reads):
        plan = planned.get(name)
        if plan is None:
            continue
        states.mkdir(exist_ok=True)
        path = states / f"{name}.tfstate"
        path.write_text(json.dumps(state_of(plan.known), indent=2), encoding="utf-8")
        overrides[name] = {"backend": "local", "config": {"path": str(path.resolve())}}
    if overrides:
        override = {"data": {"terraform_remote_state": overrides}}
        (work / OVERRIDE_FILE).write_text(json.dumps(override, indent=2), encoding="utf-8")
    return work
