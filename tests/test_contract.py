"""Contracts cross stacks as named outputs read through explicit remote state (contract.py)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ENVIRONMENTS
from tooling.synthesized import READ


def test_the_manifest_records_no_stack_dependency(synthesized):
    """What lets `cdktf deploy <stack>` run as typed: the CLI checks these dependencies."""
    manifest = json.loads((synthesized.outdir / "manifest.json").read_text())
    assert manifest["stacks"] and all(
        not body["dependencies"] for body in manifest["stacks"].values()
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_value_read_is_an_output_of_an_earlier_stack_of_the_environment(synthesized, env):
    order = synthesized.stack_ids[env]
    read = 0
    for position, stack in enumerate(order):
        text = json.dumps(synthesized.stacks[stack].get("resource", {}))
        text += json.dumps(synthesized.stacks[stack].get("output", {}))
        for producer, output in READ.findall(text):
            assert producer in order[:position], f"{stack} reads {producer}"
            assert output in synthesized.stacks[producer]["output"], f"{producer}.{output}"
            read += 1
    assert read >= 10


def test_outputs_are_named_after_the_contract_field_paths(synthesized):
    env = ENVIRONMENTS[0]
    outputs = synthesized.stacks[f"{env}-platform"]["output"]
    assert (
        outputs["lake_storage_account_id"]["description"]
        == "PlatformOutputs.lake.storage_account_id"
    )
    assert outputs["lake_container_ids_landing"]["value"].startswith("${azurerm_storage_container.")
    assert {"key_vault_platform_uri", "key_vault_databricks_id"} <= set(outputs)


def test_a_plain_value_passes_and_an_unpublished_token_fails_the_synthesis(config_of):
    from dataclasses import dataclass

    from cdktf import Testing
    from cdktf_cdktf_provider_azurerm.resource_group import ResourceGroup

    from stacks.base import EnvironmentStack
    from stacks.contract import ContractError

    @dataclass(frozen=True)
    class Values:
        name: str

    app = Testing.app()
    config = config_of[ENVIRONMENTS[0]]
    producer = EnvironmentStack(app, "producer", config=config)
    group = ResourceGroup(producer, "rg", name="rg", location="westeurope")
    consumer = EnvironmentStack(app, "consumer", config=config)
    assert consumer.read(Values(name="plain")) == Values(name="plain")
    with pytest.raises(
        ContractError, match=r"consumer reads Values\.name, which no stack published"
    ):
        consumer.read(Values(name=group.name))
    name = group.name  # a jsii attribute read makes a new token each time: read it once
    published = producer.publish(Values(name=name))
    assert published.name == name  # the producer keeps its own token
    ResourceGroup(consumer, "reader", name=consumer.read(published).name, location="westeurope")
    tf = json.loads(Testing.synth(consumer))
    assert tf["resource"]["azurerm_resource_group"]["reader"]["name"] == (
        f"${{data.terraform_remote_state.{producer.node.id}.outputs.name}}"
    )
    assert set(tf["data"]["terraform_remote_state"]) == {producer.node.id}
    assert json.loads(Testing.synth(producer))["output"]["name"]["value"] == (
        "${azurerm_resource_group.rg.name}"
    )
