"""The one reader of synthesized output (cdktf.out): the manifest, each environment's stacks in
dependency order, and how a value that one stack reads from another's state is followed back to
the resource that produces it.

The policy (deployment rules, rights), the diagram, the workflows' scripts and the tests all
read synthesized stacks through this module. Standard library only: the CI's Terraform jobs run
tooling/ without the project's environment.

How stacks read each other: a stack publishes its contract as outputs and another reads them
through `data.terraform_remote_state.<stack id>` (stacks/contract.py), so a value is either the
producer's own expression or `${data.terraform_remote_state.<stack>.outputs.<output>}`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

Json = dict[str, Any]

REMOTE_READ = re.compile(
    r"data\.terraform_remote_state\.(?P<stack>[A-Za-z0-9_-]+)\.outputs\.(?P<output>[A-Za-z0-9_-]+)"
)
"""An output of another stack's state, anywhere in an expression: (stack, output)."""
READ = re.compile(r"\$\{" + REMOTE_READ.pattern + r"\}")
"""A whole interpolation that reads one output: `${data.terraform_remote_state.<s>.outputs.<o>}`."""
REFERENCE = re.compile(
    r"\$\{(?P<data>data\.)?(?P<type>[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?P<attribute>\.[^}]*)?\}"
)
"""An interpolation of one resource's (or data source's) attribute: `${type.name.attribute}`."""


def read_of(value: object) -> tuple[str, str] | None:
    """(stack, output) when value is exactly one output of another stack's state."""
    match = READ.fullmatch(value) if isinstance(value, str) else None
    return (match["stack"], match["output"]) if match else None


def resolve(stacks: Mapping[str, Json], value: str) -> str:
    """value with every output it reads replaced by that output's value in its producer stack,
    recursively: what the reading stack gets once the producer is deployed. An output no stack
    of `stacks` holds stays as it is."""

    def producer_value(match: re.Match[str]) -> str:
        output = stacks.get(match["stack"], {}).get("output", {}).get(match["output"])
        return resolve(stacks, str(output["value"])) if output else match[0]

    return READ.sub(producer_value, value)


def reads(tf: Json) -> list[str]:
    """The stack ids a synthesized stack reads state from."""
    return sorted(tf.get("data", {}).get("terraform_remote_state", {}))


def load_manifest(outdir: Path) -> Json:
    manifest: Json = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    return manifest


def load_stack(outdir: Path, stack: str) -> Json:
    tf: Json = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text("utf-8"))
    return tf


def scopes(outdir: Path) -> list[str]:
    """Every environment and account scope of a synth, by the prefix of its stack ids."""
    return sorted({name.split("-", 1)[0] for name in load_manifest(outdir)["stacks"]})


def stack_order(outdir: Path, environment: str) -> list[str]:
    """The stacks of one scope, each after the stacks it reads (alphabetical among equals)."""
    manifest = load_manifest(outdir)
    stacks = {
        name: reads(json.loads((outdir / body["synthesizedStackPath"]).read_text("utf-8")))
        for name, body in manifest["stacks"].items()
        if name.startswith(f"{environment}-")
    }
    if not stacks:
        known = sorted({name.split("-", 1)[0] for name in manifest["stacks"]})
        raise ValueError(
            f"{outdir}/manifest.json has no stack of environment {environment!r}; "
            f"environments: {', '.join(known)}"
        )
    sorter = TopologicalSorter(
        {name: set(deps) & set(stacks) for name, deps in sorted(stacks.items())}
    )
    order: list[str] = []
    sorter.prepare()
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order += ready
        sorter.done(*ready)
    return order


@dataclass(frozen=True)
class SynthesizedEnvironment:
    """One scope's synthesized stacks (not its configuration: platform_config has that)."""

    name: str
    stacks: Mapping[str, Json]
    """Stack id -> its Terraform JSON, in dependency order."""
    manifest_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Stack id -> the stacks cdktf's manifest says it depends on (the CLI checks these)."""

    def kind(self, stack: str) -> str:
        return stack.removeprefix(f"{self.name}-")

    def stack(self, kind: str) -> Json | None:
        return self.stacks.get(f"{self.name}-{kind}")

    def resources(
        self, resource_type: str, kind: str | None = None
    ) -> Iterator[tuple[str, str, Json]]:
        """(stack id, address, body) of every resource of a type (in one kind of stack)."""
        for stack, tf in self.stacks.items():
            if kind is not None and self.kind(stack) != kind:
                continue
            for name, body in sorted(tf.get("resource", {}).get(resource_type, {}).items()):
                yield stack, f"{resource_type}.{name}", body

    def resolve(self, value: str) -> str:
        """value with each output it reads replaced by the producer's expression."""
        return resolve(self.stacks, value)

    def origin(self, stack: str, value: str) -> tuple[str, str]:
        """(stack, expression) where a value read from other stacks' outputs is produced."""
        read = read_of(value)
        output = self.stacks.get(read[0], {}).get("output", {}).get(read[1]) if read else None
        if read and output:
            return self.origin(read[0], str(output["value"]))
        return stack, value

    def lookup(self, stack: str, reference: str) -> Json | None:
        """The resource or data source `${[data.]type.name.attribute}` names, followed across
        stacks; None when the value is not such a reference."""
        stack, value = self.origin(stack, reference)
        match = REFERENCE.fullmatch(value)
        if not match:
            return None
        section = self.stacks[stack].get("data" if match["data"] else "resource", {})
        found: Json | None = section.get(match["type"], {}).get(match["name"])
        return found


def environment(outdir: Path, name: str) -> SynthesizedEnvironment:
    manifest = load_manifest(outdir)
    order = stack_order(outdir, name)
    return SynthesizedEnvironment(
        name=name,
        stacks={s: load_stack(outdir, s) for s in order},
        manifest_dependencies={
            s: tuple(manifest["stacks"][s].get("dependencies", [])) for s in order
        },
    )


def environments(outdir: Path) -> list[SynthesizedEnvironment]:
    """Every scope of a synth output folder, its stacks in dependency order."""
    return [environment(outdir, name) for name in scopes(outdir)]
