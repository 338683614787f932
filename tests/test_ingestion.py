"""The ingestion stack: Data Factory private, least privilege, deploying adf/ unchanged."""

from __future__ import annotations

import json

import pytest

from lakehouse.contract import shipped_contract
from platform_config.adf_artifacts import load
from tests.conftest import ENVIRONMENTS
from tests.helpers import only, resources
from tests.test_stacks import reads_output_of


def ingesting(config_of) -> list[str]:
    return [env for env in ENVIRONMENTS if config_of[env].ingestion.source is not None]


def test_every_shipped_environment_ingests(config_of, synthesized):
    assert ingesting(config_of) == ENVIRONMENTS
    for env in ENVIRONMENTS:
        assert f"{env}-ingestion" in synthesized.stack_ids[env]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_factory_is_private_in_a_managed_network(stacks, env):
    tf = stacks[f"{env}-ingestion"]
    factory = only(tf, "azurerm_data_factory")
    assert factory["public_network_enabled"] is False
    assert factory["managed_virtual_network_enabled"] is True
    assert factory["identity"] == {"type": "SystemAssigned"}
    runtime = only(tf, "azurerm_data_factory_integration_runtime_azure")
    assert runtime["virtual_network_enabled"] is True
    endpoints = {
        e["subresource_name"]: e
        for e in resources(tf, "azurerm_data_factory_managed_private_endpoint")
    }
    assert set(endpoints) == {"dfs", "vault", "sqlServer"}
    assert reads_output_of(
        endpoints["dfs"]["target_resource_id"], f"{env}-platform", "lake_account"
    )
    assert reads_output_of(
        endpoints["vault"]["target_resource_id"], f"{env}-platform", "key-vault-platform"
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_factory_writes_only_landing_and_reads_only_the_platform_vault(stacks, env):
    roles = {
        a["role_definition_name"]: a["scope"]
        for a in resources(stacks[f"{env}-ingestion"], "azurerm_role_assignment")
    }
    assert set(roles) == {"Storage Blob Data Contributor", "Key Vault Secrets User", "Contributor"}
    assert reads_output_of(
        roles["Storage Blob Data Contributor"], f"{env}-platform", "container-landing"
    )
    assert reads_output_of(roles["Key Vault Secrets User"], f"{env}-platform", "key-vault-platform")
    assert reads_output_of(roles["Contributor"], f"{env}-databricks", "workspace")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_adf_artefacts_are_deployed_unchanged(stacks, env):
    tf = stacks[f"{env}-ingestion"]
    artifacts = load()
    pipeline = only(tf, "azurerm_data_factory_pipeline")
    expected = artifacts["pipeline"][pipeline["name"]].properties["activities"]
    assert json.loads(pipeline["activities_json"]) == expected
    deployed = {d["name"]: d for d in resources(tf, "azurerm_data_factory_custom_dataset")}
    assert set(deployed) == set(artifacts["dataset"])
    for name, dataset in deployed.items():
        assert (
            json.loads(dataset["type_properties_json"])
            == artifacts["dataset"][name].properties["typeProperties"]
        )
    services = {s["name"] for s in resources(tf, "azurerm_data_factory_linked_custom_service")}
    assert services == set(artifacts["linkedService"])


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_pipeline_copies_exactly_the_selected_tables_and_starts_the_job(stacks, config_of, env):
    parameters = only(stacks[f"{env}-ingestion"], "azurerm_data_factory_pipeline")["parameters"]
    tables = json.loads(parameters["tables"])
    selected = shipped_contract().select(config_of[env].ingestion.tables)
    assert [(t["schema"], t["table"], t["mode"]) for t in tables] == [
        (s.source_schema, s.source_table, s.load_mode) for s in selected
    ]
    assert reads_output_of(parameters["jobId"], f"{env}-workloads", "job")
    assert parameters["ingestDate"] == ""  # a run's own date unless Data Factory is given one


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_schedule_and_git_follow_the_config(stacks, config_of, env):
    tf = stacks[f"{env}-ingestion"]
    trigger = only(tf, "azurerm_data_factory_trigger_schedule")
    assert trigger["activated"] is config_of[env].ingestion.schedule
    factory = only(tf, "azurerm_data_factory")
    git = config_of[env].ingestion.git
    assert ("github_configuration" in factory) is (git is not None)
    if git is not None:
        assert factory["github_configuration"]["root_folder"] == "/adf"


def test_only_one_environment_authors_in_git(tmp_path):
    from platform_config import ConfigError, load_environments
    from tests.test_config import MINIMAL, with_change, write

    git = {"account_name": "org", "repository_name": "repo"}
    write(tmp_path, with_change("ingestion.git", git), "dev")
    write(tmp_path, with_change("environment", "qa", with_change("ingestion.git", git)), "qa")
    with pytest.raises(ConfigError) as err:
        load_environments(tmp_path)
    assert len(err.value.problems) == 2
    assert all(
        "ingestion.git" in p and "one factory (dev's) authors adf/" in p for p in err.value.problems
    )
    assert MINIMAL.get("ingestion") is None


def test_fails_if_the_source_is_not_a_sql_server(tmp_path):
    from tests.test_config import problems, with_change

    source = {
        "server_id": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Sql/databases/z",
        "database": "db",
    }
    (found,) = problems(tmp_path, with_change("ingestion.source", source))
    assert "ingestion.source.server_id" in found and "an Azure SQL server's resource id" in found
