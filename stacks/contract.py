"""Stack contracts as named Terraform outputs, read through explicit remote state.

A stack publishes its contract (a frozen dataclass of values) with `publish`: every value that is
known only after apply (a token) becomes a Terraform output named after its field path
(`workspace_url`, `lake_storage_account_id`, `lake_container_ids_landing`). A stack that reads
the contract calls `read`: the same dataclass, each such value replaced by that output of the
producer's state, through `data.terraform_remote_state.<producer stack id>`. Values known at synth
(a name from the config) pass unchanged.

So no value crosses stacks as a cdktf cross-stack reference, and the cdktf CLI records no stack
dependency: `cdktf deploy dev-platform` runs as typed once the stacks it reads are deployed
(the pinned CLI refuses a stack whose manifest dependencies are not in the same command). The
outputs are a stable, documented interface instead of cdktf's generated names; the order
lives in `stacks.build_environment` and in the remote states each stack declares
(`tooling.stack_order`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from cdktf import TerraformOutput, TerraformStack, Token

T = TypeVar("T")

OUTPUT_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")

# Token string -> (producing stack, output name). Token strings are unique in a process (the
# jsii runtime numbers them), so one table serves every app a process builds.
_PUBLISHED: dict[str, tuple[TerraformStack, str]] = {}


class ContractError(ValueError):
    """A value crossed stacks without being published: the producer's contract must carry it."""


def _walk(value: Any, path: tuple[str, ...], leaf: Callable[[str, tuple[str, ...]], str]) -> Any:
    """A copy of value (a contract, a string map, a string or None) with leaf applied to strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changed = {
            f.name: _walk(getattr(value, f.name), (*path, f.name), leaf)
            for f in dataclasses.fields(value)
        }
        return dataclasses.replace(value, **changed)
    if isinstance(value, Mapping):
        return MappingProxyType({k: _walk(v, (*path, k), leaf) for k, v in value.items()})
    if isinstance(value, str):
        return leaf(value, path)
    if value is None:
        return None
    raise TypeError(f"{'.'.join(path)}: a contract holds strings, string maps or contracts")


def output_name(path: tuple[str, ...]) -> str:
    return "_".join(path)


def publish(stack: TerraformStack, contract: T) -> T:
    """Each token of contract as the output `<field path>`; returns contract unchanged."""
    kind = type(contract).__name__

    def leaf(value: str, path: tuple[str, ...]) -> str:
        if not Token.is_unresolved(value):
            return value
        name = output_name(path)
        if not OUTPUT_NAME.match(name):
            raise ContractError(f"{kind}.{'.'.join(path)}: {name!r} is not an output name")
        output = TerraformOutput(
            stack, f"contract-{name}", value=value, description=f"{kind}.{'.'.join(path)}"
        )
        output.override_logical_id(name)
        _PUBLISHED[value] = (stack, name)
        return value

    _walk(contract, (), leaf)
    return contract


def read(
    consumer: TerraformStack,
    contract: T,
    remote_state: Callable[[TerraformStack, TerraformStack], Any],
) -> T:
    """contract with each published token replaced by the producer's output, read from state.

    remote_state(consumer, producer) creates the data source that reads producer's state (once
    per producer; stacks.base knows the backends).
    """
    sources: dict[str, Any] = {}

    def leaf(value: str, path: tuple[str, ...]) -> str:
        if not Token.is_unresolved(value):
            return value
        if value not in _PUBLISHED:
            raise ContractError(
                f"{consumer.node.id} reads {type(contract).__name__}.{'.'.join(path)}, which no "
                "stack published: build the contract in its stack and return it from publish()"
            )
        producer, name = _PUBLISHED[value]
        if producer is consumer:
            return value
        if producer.node.id not in sources:
            sources[producer.node.id] = remote_state(consumer, producer)
        return str(sources[producer.node.id].get_string(name))

    read: T = _walk(contract, (), leaf)  # the same dataclass, every string a remote read
    return read
