"""Chained plans (issue 34): each stack of a pull request planned against its producers'
planned outputs, not their deployed ones.

A producer's plan (`terraform show -json`) holds every output it will have once applied:
`planned_values.outputs` the known values, `output_changes[*].after_unknown` the ones Azure
assigns at apply (a new identity's client id, a new resource's id). This module reads them and
writes a consumer's working copy, in which a Terraform override file
(`zz_planned_producers_override.tf.json`) points each `terraform_remote_state` read of a
planned producer at a local state file holding its planned outputs. `cdktf.out` and every
deploy are untouched: apply still reads deployed state.

A value known only after its producer applies is planned as unknown, as Terraform plans a value
that one configuration computes at apply: in the copy's cdk.tf.json each read of it becomes
a local, `known_after_apply__<producer>__<output>`, whose value is `jsondecode(timestamp())`
(timestamp() is unknown until apply; jsondecode of an unknown string is an unknown of any
type). The plan shows "(known after apply)" where the value goes, and the
summary says "known after <producer> applies". (Not through the override file: Terraform
refuses overrides of precondition blocks, and some read these values.) A placeholder value was
the alternative: it could pass or fail the providers' checks by chance, and the reviewer would
approve a value that will never be.

Three cases are not planned:
- a provider configuration, a `count`, or the keys of a `for_each` that read such a value,
  directly or through a local or a data source: Terraform needs those known at plan ("You
  can use expressions in the values of these configuration arguments, but can only reference
  values that are known before the configuration is applied", "Provider Configuration",
  https://developer.hashicorp.com/terraform/language/providers/configuration; "The for_each
  value must be known" for its keys, "The for_each Meta-Argument",
  https://developer.hashicorp.com/terraform/language/meta-arguments/for_each). The stack waits
  on exactly those values; its own outputs are then unknown to its consumers.
- an output the planned producer will not have (renamed, removed, or null: Terraform keeps
  no null root output in state): the apply would fail the same way, so the stack fails here,
  naming it.
- a producer that could not be planned for an error: its consumers are not planned, and say
  why.

Standard library only: CI's Terraform jobs run tooling/ without the project's environment.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tooling.synthesized import REMOTE_READ

Json = dict[str, Any]

OVERRIDE_FILE = "zz_planned_producers_override.tf.json"
"""The override file of a working copy (Terraform merges `*_override.tf.json` last)."""
STATES_DIR = "planned-producers"
"""The working copy's folder of the producers' planned-output states."""
UNKNOWN = "jsondecode(timestamp())"
"""An expression Terraform plans as unknown of any type (never applied: the copy is planned)."""
UNKNOWN_LOCAL = "known_after_apply__{producer}__{output}"
"""The local of the working copy that holds one unknown read (a condition must reference
something: Terraform refuses a precondition that reads no object)."""
INPUTS_KEY = "mdp_inputs"
"""The key under which tooling.run_stacks adds a stack's inputs to its `terraform show -json`
file (plans/<stack>.json), for tooling.plan_summary."""


def _has_unknown(marker: Any) -> bool:
    """after_unknown is true, or a structure with a true somewhere (an object or list output
    with an unknown part)."""
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
    """Outputs with a value, or a part of one, known only after apply."""
    sensitive: frozenset[str] = frozenset()
    planned: bool = True
    """False: the producer was not planned (it waits itself); every output is unknown."""
    partly: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    """Of unknown: an object or list with known parts -> (after, after_unknown), so that a
    consumer reading only a known part plans it known."""
    types: Mapping[str, Any] = field(default_factory=dict)
    """Output -> its Terraform type, as the plan says (planned_values.outputs[*].type)."""

    def __contains__(self, output: str) -> bool:
        return output in self.known or output in self.unknown

    def local_value(self, output: str) -> Any:
        """The working copy's local for an unknown output: UNKNOWN, or its known parts with
        UNKNOWN where the plan has none yet."""
        if output in self.partly:
            after, marker = self.partly[output]
            return _template(after, marker)
        return "${" + UNKNOWN + "}"


def _template(after: Any, marker: Any) -> Any:
    """A value as Terraform JSON syntax, UNKNOWN at the paths after_unknown marks. Known
    strings and object keys are escaped (`${` and `%{` are template syntax in both). A list or
    set with an unknown element is unknown whole: written out it would be a tuple, whose length
    and elements Terraform would take as known where a set's are not."""
    if marker is True or (isinstance(marker, list) and _has_unknown(marker)):
        return "${" + UNKNOWN + "}"
    if isinstance(marker, dict) or isinstance(after, dict):
        marks = marker if isinstance(marker, dict) else {}
        values = after if isinstance(after, dict) else {}
        return {
            _escaped(k): _template(values.get(k), marks.get(k)) for k in sorted({*values, *marks})
        }
    if isinstance(after, list):
        return [_template(item, None) for item in after]
    if isinstance(after, str):
        return _escaped(after)
    return after


def _escaped(text: str) -> str:
    return text.replace("${", "$${").replace("%{", "%%{")


def planned_outputs(producer: str, plan: Json) -> PlannedOutputs:
    """The outputs of `terraform show -json <plan>`: known values, and the names of those known
    only after apply. An output the plan deletes is in neither, nor is one whose value is null:
    Terraform keeps no null root output in state, so a consumer reading it fails at apply."""
    values: Mapping[str, Json] = (plan.get("planned_values") or {}).get("outputs") or {}
    changes: Mapping[str, Json] = plan.get("output_changes") or {}
    known: dict[str, Any] = {}
    unknown: set[str] = set()
    partly: dict[str, tuple[Any, Any]] = {}
    for name in sorted(set(values) | set(changes)):
        change = changes.get(name) or {}
        if change.get("actions") == ["delete"]:
            continue
        marker = change.get("after_unknown")
        if _has_unknown(marker):
            unknown.add(name)
            if isinstance(marker, dict):  # an object or map: its known parts stay known
                partly[name] = (change.get("after"), marker)
        elif "value" in (values.get(name) or {}):
            known[name] = values[name]["value"]
        elif "after" in change:
            known[name] = change["after"]
        else:
            unknown.add(name)
    known = {name: value for name, value in known.items() if value is not None}
    sensitive = {name for name, value in values.items() if (value or {}).get("sensitive") is True}
    types = {name: value["type"] for name, value in values.items() if "type" in (value or {})}
    return PlannedOutputs(
        producer,
        known,
        frozenset(unknown),
        frozenset(sensitive & set(known)),
        partly=partly,
        types={name: t for name, t in types.items() if name in known},
    )


def not_planned(producer: str, outputs: Iterable[str]) -> PlannedOutputs:
    """A producer that waits: the outputs it synthesizes, all unknown until it applies."""
    return PlannedOutputs(producer, {}, frozenset(outputs), planned=False)


@dataclass(frozen=True)
class Inputs:
    """How one consumer can be planned, from what it reads of the producers planned before it
    (producers it reads that were not planned in this run are read from their deployed state)."""

    planned_from: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Producer -> the outputs the consumer reads from its plan (not its deployed state)."""
    not_planned_from: tuple[str, ...] = ()
    """Producers it reads that were not planned (they wait): what it reads of them is unknown."""
    known_after_apply: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Producer -> outputs the consumer reads whose values are known once it applies."""
    needed_at_plan: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Of known_after_apply: those a provider configuration, count or for_each reads."""
    not_produced: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Producer -> outputs the consumer reads that the planned producer will not have (renamed,
    removed, or null: Terraform keeps no null root output)."""
    failed: tuple[str, ...] = ()
    """Producers it reads that could not be planned for an error (their plan failed, or they
    read one that did, or an output it no longer has)."""

    @property
    def plannable(self) -> bool:
        return not (self.needed_at_plan or self.not_produced or self.failed)

    @property
    def broken(self) -> bool:
        """Not plannable because of an error (not because it waits for an apply)."""
        return bool(self.not_produced or self.failed)

    def describe(self, consumer: str) -> str:
        """One line for the log: why the consumer is planned as it is, or not planned."""
        if self.failed:
            return (
                f"{consumer} not planned: it reads {', '.join(self.failed)}, which could not be "
                "planned"
            )
        if self.not_produced:
            gone = "; ".join(
                f"{', '.join(outputs)}, which {producer} will not have"
                for producer, outputs in self.not_produced.items()
            )
            return f"{consumer} cannot be planned: it reads {gone} (renamed, removed or null)"
        if self.needed_at_plan:
            needed = "; ".join(
                f"{', '.join(outputs)} known after {producer} applies"
                for producer, outputs in self.needed_at_plan.items()
            )
            return f"{consumer} waits: its provider configuration, count or for_each needs {needed}"
        parts = [
            f"{', '.join(outputs)} known after {producer} applies"
            for producer, outputs in self.known_after_apply.items()
        ]
        against = [f"the planned outputs of {', '.join(self.planned_from)}"] * bool(
            self.planned_from
        ) + [f"{', '.join(self.not_planned_from)}, not planned"] * bool(self.not_planned_from)
        line = f"{consumer} planned against {'; '.join(against) or 'deployed state'}"
        return line + (f" ({'; '.join(parts)})" if parts else "")

    def as_json(self) -> Json:
        """What plans/<stack>.json records under INPUTS_KEY (tooling.plan_summary reads it)."""
        record = {
            "planned_from": self.planned_from,
            "not_planned_from": list(self.not_planned_from),
            "known_after_apply": self.known_after_apply,
            "needed_at_plan": self.needed_at_plan,
            "not_produced": self.not_produced,
            "failed": list(self.failed),
        }
        loaded: Json = json.loads(json.dumps(record))
        return loaded


_LOCAL = re.compile(r"\blocal\.([A-Za-z_][A-Za-z0-9_-]*)")
_DATA = re.compile(r"\bdata\.([a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def needed_at_plan(body: Json) -> set[tuple[str, str]]:
    """(producer, output) reads Terraform must know at plan: in a provider configuration, a
    resource's or data source's count, the keys of its for_each (a map written out, as cdktf
    writes one, has its keys in the configuration: only its values may be unknown), a module's
    count, for_each or providers, or an import's id; directly or through the locals and data
    sources they read (a data source whose arguments are unknown is read at apply)."""
    data = {
        f"{type_name}.{name}": json.dumps(block)
        for type_name, blocks in (body.get("data") or {}).items()
        if type_name != "terraform_remote_state"
        for name, block in blocks.items()
    }
    values = {("local", n): json.dumps(v) for n, v in (body.get("locals") or {}).items()}
    values |= {("data", n): text for n, text in data.items()}
    reads: dict[tuple[str, str], set[tuple[str, str]]] = {
        key: set(REMOTE_READ.findall(text)) for key, text in values.items()
    }
    changed = True
    while changed:  # what each local and data source reads, through the others
        changed = False
        for key, text in values.items():
            more = set().union(*(reads[dep] for dep in _dependencies(text) if dep in reads))
            if not more <= reads[key]:
                reads[key] |= more
                changed = True
    texts = [json.dumps(body.get("provider") or {})]
    for kind in ("resource", "data", "module"):
        for blocks in (body.get(kind) or {}).values():
            for block in blocks.values() if kind != "module" else [blocks]:
                if "count" in block:
                    texts.append(json.dumps(block["count"]))
                each = block.get("for_each")
                texts.append(json.dumps(list(each) if isinstance(each, dict) else each))
                texts.append(json.dumps(block.get("providers")))
    texts += [
        json.dumps([block.get("id"), block.get("for_each")]) for block in body.get("import") or []
    ]
    found = {pair for text in texts for pair in REMOTE_READ.findall(text)}
    for text in texts:
        for dep in _dependencies(text):
            found |= reads.get(dep, set())
    return found


def _dependencies(text: str) -> set[tuple[str, str]]:
    return {("local", m) for m in _LOCAL.findall(text)} | {
        ("data", f"{t}.{n}") for t, n in _DATA.findall(text) if t != "terraform_remote_state"
    }


def inputs(
    needed: Mapping[str, set[str]],
    planned: Mapping[str, PlannedOutputs],
    *,
    failed: Iterable[str] = (),
    at_plan: Iterable[tuple[str, str]] = (),
) -> Inputs:
    """needed: producer -> outputs the consumer reads (tooling.run_stacks.needed_outputs).
    planned: the producers planned (or found waiting) so far; the others are read from their
    deployed state. failed: producers whose plan failed. at_plan: needed_at_plan(body)."""
    failed = set(failed)
    at_plan = set(at_plan)
    planned_from: dict[str, tuple[str, ...]] = {}
    after_apply: dict[str, tuple[str, ...]] = {}
    at_plan_unknown: dict[str, tuple[str, ...]] = {}
    missing: dict[str, tuple[str, ...]] = {}
    for producer, outputs in sorted(needed.items()):
        plan = planned.get(producer)
        if plan is None or producer in failed:
            continue
        planned_from[producer] = tuple(sorted(outputs))
        unknown = tuple(sorted(o for o in outputs if o in plan.unknown))
        gone = tuple(sorted(o for o in outputs if o not in plan))
        if unknown:
            after_apply[producer] = unknown
        blocking = tuple(o for o in unknown if (producer, o) in at_plan)
        if blocking:
            at_plan_unknown[producer] = blocking
        if gone:
            missing[producer] = gone
    return Inputs(
        {p: o for p, o in planned_from.items() if planned[p].planned},
        tuple(p for p in planned_from if not planned[p].planned),
        after_apply,
        at_plan_unknown,
        missing,
        tuple(sorted(failed & set(needed))),
    )


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


def state_of(
    outputs: Mapping[str, Any],
    sensitive: Iterable[str] = (),
    types: Mapping[str, Any] | None = None,
) -> Json:
    """A state file (format 4) holding only these outputs: what a remote state read returns.
    types: each output's type as the plan gives it (else taken from its value)."""
    hidden = set(sensitive)
    types = types or {}
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000034",
        "outputs": {
            name: {"value": value, "type": types.get(name) or cty_type(value)}
            | ({"sensitive": True} if name in hidden else {})
            for name, value in sorted(outputs.items())
        },
        "resources": [],
    }


def with_unknown_reads(body: Json, unknown: Mapping[tuple[str, str], Any]) -> Json:
    """The stack with each read of an unknown output replaced by a local holding its value
    (PlannedOutputs.local_value: UNKNOWN, or the known parts around it), wherever the read is:
    an argument, a nested block, a local, an output, a precondition. (An override file cannot
    do this: Terraform refuses overrides of precondition blocks.)"""
    if not unknown:
        return body
    used: set[tuple[str, str]] = set()

    def replace(match: re.Match[str]) -> str:
        pair = (match["stack"], match["output"])
        if pair not in unknown:
            return match[0]
        used.add(pair)
        return "local." + UNKNOWN_LOCAL.format(producer=pair[0], output=pair[1])

    rewritten: Json = json.loads(REMOTE_READ.sub(replace, json.dumps(body)))
    if used:
        rewritten["locals"] = dict(rewritten.get("locals") or {}) | {
            UNKNOWN_LOCAL.format(producer=p, output=o): unknown[(p, o)] for p, o in sorted(used)
        }
    return rewritten


def working_copy(stack_dir: Path, work: Path, planned: Mapping[str, PlannedOutputs]) -> Path:
    """A copy of the synthesized stack in `work`, whose remote state reads of the planned
    producers (data.terraform_remote_state.<producer>) read their planned outputs (the override
    file), and whose reads of outputs known only after apply are planned as unknown (the copy's
    cdk.tf.json, with_unknown_reads). The stack's own folder is not written to. The copy keeps
    the stack's lock file; its `.terraform` is the stack's (tooling.run_stacks plans it with
    TF_DATA_DIR there)."""
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(stack_dir, work, ignore=shutil.ignore_patterns(".terraform", "tfplan*"))
    body = json.loads((stack_dir / "cdk.tf.json").read_text(encoding="utf-8"))
    reads = (body.get("data") or {}).get("terraform_remote_state") or {}
    states = work / STATES_DIR
    override: Json = {}
    unknown: dict[tuple[str, str], Any] = {}
    for name in sorted(reads):
        plan = planned.get(name)
        if plan is None:
            continue
        states.mkdir(exist_ok=True)
        path = states / f"{name}.tfstate"
        state = state_of(plan.known, plan.sensitive, plan.types)
        path.write_text(json.dumps(state, indent=2), "utf-8")
        override.setdefault("data", {}).setdefault("terraform_remote_state", {})[name] = {
            "backend": "local",
            "config": {"path": str(path.resolve())},
        }
        unknown |= {(name, output): plan.local_value(output) for output in plan.unknown}
    if unknown:
        rewritten = with_unknown_reads(body, unknown)
        (work / "cdk.tf.json").write_text(json.dumps(rewritten, indent=2), encoding="utf-8")
    if override:
        (work / OVERRIDE_FILE).write_text(json.dumps(override, indent=2), encoding="utf-8")
    return work
