"""The ingestion stack: Data Factory private, least privilege, deploying adf/ unchanged."""

from __future__ import annotations

import json
import re

import pytest

from datafactory.artifacts import JOB_CREDENTIAL, load
from lakehouse.contract import shipped_contract
from tests.conftest import ENVIRONMENTS
from tests.helpers import edit_json, only, resources
from tests.test_stacks import read_output, reads_output_of


def ingesting(config_of) -> list[str]:
    return [env for env in ENVIRONMENTS if config_of[env].ingestion.source is not None]


def _ingesting_at_collection() -> list[str]:
    from platform_config import load_environments
    from tests.conftest import CONFIG_DIR

    return [c.environment for c in load_environments(CONFIG_DIR) if c.ingestion.source]


INGESTING = _ingesting_at_collection()


def test_exactly_the_environments_with_a_source_have_an_ingestion_stack(config_of, synthesized):
    with_stack = [env for env in ENVIRONMENTS if f"{env}-ingestion" in synthesized.stack_ids[env]]
    assert with_stack == ingesting(config_of)
    assert with_stack, "a shipped environment ingests (the checks below need one)"


@pytest.mark.parametrize("env", INGESTING)
def test_the_factory_is_private_in_a_managed_network(stacks, env):
    tf = stacks[f"{env}-ingestion"]
    factory = only(tf, "azurerm_data_factory")
    assert factory["public_network_enabled"] is False
    assert factory["managed_virtual_network_enabled"] is True
    # Its own identity for the lake and the vault; the pipeline identity (a credential) for
    # starting the job.
    assert factory["identity"]["type"] == "SystemAssigned, UserAssigned"
    (identity,) = factory["identity"]["identity_ids"]
    assert reads_output_of(identity, f"{env}-databricks", "pipeline_identity_id")
    credential = only(tf, "azurerm_data_factory_credential_user_managed_identity")
    assert credential["identity_id"] == identity
    assert credential["name"] == JOB_CREDENTIAL
    runtime = only(tf, "azurerm_data_factory_integration_runtime_azure")
    assert runtime["virtual_network_enabled"] is True
    endpoints = {
        e["subresource_name"]: e
        for e in resources(tf, "azurerm_data_factory_managed_private_endpoint")
    }
    assert set(endpoints) == {"dfs", "vault", "sqlServer", "databricks_ui_api"}
    assert reads_output_of(
        endpoints["databricks_ui_api"]["target_resource_id"],
        f"{env}-databricks",
        "workspace_resource_id",
    )
    assert reads_output_of(
        endpoints["dfs"]["target_resource_id"], f"{env}-platform", "lake_storage_account_id"
    )
    assert reads_output_of(
        endpoints["vault"]["target_resource_id"], f"{env}-platform", "key_vault_platform_id"
    )


@pytest.mark.parametrize("env", INGESTING)
def test_the_factory_writes_only_landing_and_reads_only_the_platform_vault_no_workspace_role(
    stacks, env
):
    roles = {
        a["role_definition_name"]: a["scope"]
        for a in resources(stacks[f"{env}-ingestion"], "azurerm_role_assignment")
    }
    assert set(roles) == {"Storage Blob Data Contributor", "Key Vault Secrets User"}
    assert reads_output_of(
        roles["Storage Blob Data Contributor"], f"{env}-platform", "lake_container_ids_landing"
    )
    assert reads_output_of(
        roles["Key Vault Secrets User"], f"{env}-platform", "key_vault_platform_id"
    )


@pytest.mark.parametrize("env", INGESTING)
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


@pytest.mark.parametrize("env", INGESTING)
def test_the_pipeline_copies_exactly_the_selected_tables_and_starts_the_job(stacks, config_of, env):
    parameters = only(stacks[f"{env}-ingestion"], "azurerm_data_factory_pipeline")["parameters"]
    tables = json.loads(parameters["tables"])
    selected = shipped_contract().select(config_of[env].ingestion.tables)
    assert [(t["schema"], t["table"], t["mode"]) for t in tables] == [
        (s.source_schema, s.source_table, s.load_mode) for s in selected
    ]
    assert reads_output_of(parameters["jobId"], f"{env}-workloads", "job_id")
    assert parameters["ingestDate"] == ""  # a run's own date unless Data Factory is given one


@pytest.mark.parametrize("env", INGESTING)
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
    qa = with_change("environment", "qa", with_change("ingestion.git", git))
    write(tmp_path, with_change("resource_group", "rg-mdp-qa", qa), "qa")
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


# The managed private endpoints' approval after deploy (tooling/approve_endpoints.py).
@pytest.mark.parametrize("env", INGESTING)
def test_the_deploy_approves_the_endpoints_on_the_platforms_resources_only(stacks, env):
    stack = stacks[f"{env}-ingestion"]
    factory = next(iter(stack["resource"]["azurerm_data_factory"].values()))
    endpoints = stack["resource"]["azurerm_data_factory_managed_private_endpoint"].values()
    by_name = {f"{factory['name']}.{e['name']}": e["target_resource_id"] for e in endpoints}
    approvals = stack["output"]["private-endpoint-approvals"]["value"]
    assert {a["private_endpoint_name"] for a in approvals} == {
        f"{factory['name']}.mpe-lake-dfs",
        f"{factory['name']}.mpe-kv-platform",
        f"{factory['name']}.mpe-databricks-ui-api",
    }
    for approval in approvals:
        assert approval["target_resource_id"] == by_name[approval["private_endpoint_name"]]
        # read from the platform and databricks stacks: never the source server's owner's
        assert read_output(approval["target_resource_id"])[0] in (  # type: ignore[index]
            f"{env}-platform",
            f"{env}-databricks",
        )


def test_the_deploy_workflow_approves_after_each_apply():
    from tests.test_workflows import GITHUB, load

    deploy = load(GITHUB / "workflows" / "deploy.yml")
    for env in ("dev", "prod"):
        runs = [step.get("run", "") for step in deploy["jobs"][env]["steps"]]
        apply = runs.index(f"python -m tooling.run_stacks apply cdktf.out {env}")
        assert runs[apply + 1] == f"python -m tooling.approve_endpoints cdktf.out {env}"


@pytest.fixture
def fake_cloud(tmp_path, monkeypatch):
    """A fake terraform (prints the approvals output) and az (lists connections from a JSON
    file, logs approvals)."""
    import sys

    state = tmp_path / "connections.json"
    log = tmp_path / "az.log"
    az = tmp_path / "az"
    az.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        "args = sys.argv[1:]\n"
        f"state = json.load(open({str(state)!r}))\n"
        f"open({str(log)!r}, 'a').write(' '.join(args) + '\\n')\n"
        "target = args[args.index('--id') + 1]\n"
        "print(json.dumps(state.get(target, []) if args[2] == 'list' else {}))\n"
    )
    terraform = tmp_path / "terraform"
    approvals = [
        {"target_resource_id": "/sub/lake", "private_endpoint_name": "adf-x.mpe-lake-dfs"},
        {"target_resource_id": "/sub/vault", "private_endpoint_name": "adf-x.mpe-kv-platform"},
    ]
    terraform.write_text(f"#!/usr/bin/env bash\necho '{json.dumps(approvals)}'\n")
    for tool in (az, terraform):
        tool.chmod(0o755)
    monkeypatch.setenv("AZ", str(az))
    monkeypatch.setenv("TERRAFORM", str(terraform))
    outdir = tmp_path / "out"
    (outdir / "stacks" / "dev-ingestion").mkdir(parents=True)
    # Only stacks that publish the approvals output are read.
    (outdir / "stacks" / "dev-ingestion" / "cdk.tf.json").write_text(
        json.dumps({"output": {"private-endpoint-approvals": {"value": []}}})
    )
    (outdir / "stacks" / "dev-network").mkdir()
    (outdir / "stacks" / "dev-network" / "cdk.tf.json").write_text("{}")
    return outdir, state, log


def connection(target: str, endpoint: str, status: str) -> dict:
    return {
        "id": f"{target}/privateEndpointConnections/{endpoint}-conn",
        "properties": {
            "privateEndpoint": {"id": f"/managed/privateEndpoints/{endpoint}"},
            "privateLinkServiceConnectionState": {"status": status},
        },
    }


def test_approves_the_pending_connection_and_leaves_an_approved_one(fake_cloud, capsys):
    from tooling.approve_endpoints import main

    outdir, state, log = fake_cloud
    state.write_text(
        json.dumps(
            {
                "/sub/lake": [
                    connection("/sub/lake", "someone-else", "Pending"),
                    connection("/sub/lake", "adf-x.mpe-lake-dfs", "Pending"),
                ],
                "/sub/vault": [connection("/sub/vault", "adf-x.mpe-kv-platform", "Approved")],
            }
        )
    )
    assert main([str(outdir), "dev", "--attempts", "1"]) == 0
    approved = [line for line in log.read_text().splitlines() if " approve " in f" {line} "]
    assert len(approved) == 1
    assert "--id /sub/lake/privateEndpointConnections/adf-x.mpe-lake-dfs-conn" in approved[0]
    out = capsys.readouterr().out
    assert "adf-x.mpe-lake-dfs: approved on /sub/lake" in out
    assert "adf-x.mpe-kv-platform: already approved on /sub/vault" in out


def test_waits_for_a_connection_then_fails_naming_it(fake_cloud):
    from tooling.approve_endpoints import main

    outdir, state, log = fake_cloud
    state.write_text(json.dumps({"/sub/lake": [], "/sub/vault": []}))
    with pytest.raises(SystemExit) as err:
        main([str(outdir), "dev", "--attempts", "2", "--wait-seconds", "0"])
    assert "adf-x.mpe-lake-dfs on /sub/lake: no connection from it after 2 attempt(s)" in str(
        err.value
    )
    assert sum(" list " in f" {line} " for line in log.read_text().splitlines()) == 4


def test_refuses_to_approve_a_rejected_connection(fake_cloud):
    from tooling.approve_endpoints import main

    outdir, state, _ = fake_cloud
    state.write_text(
        json.dumps({"/sub/lake": [connection("/sub/lake", "adf-x.mpe-lake-dfs", "Rejected")]})
    )
    with pytest.raises(SystemExit, match="the connection is Rejected, not Pending"):
        main([str(outdir), "dev", "--attempts", "1"])


def test_an_environment_without_ingestion_has_nothing_to_approve(tmp_path, capsys):
    from tooling.approve_endpoints import main

    assert main([str(tmp_path), "qa"]) == 0
    assert "qa has no stack with endpoints to approve" in capsys.readouterr().out


def terraform_text(value: str) -> str:
    """A string of Terraform JSON as Terraform reads it when it holds no template sequence:
    `$${` is a literal `${`, `%%{` a literal `%{` (fails on a live sequence)."""
    live = re.search(r"(?<!\$)\$\{|(?<!%)%\{", value.replace("$${", "").replace("%%{", ""))
    assert live is None, f"a live template sequence in {value!r}"
    return value.replace("$${", "${").replace("%%{", "%{")


def test_literal_template_markers_in_adf_arrive_in_the_factory_as_written(adf_copy):
    """adf/ is Data Factory JSON: a `${...}` in it is text, never a Terraform expression."""
    from components.ingestion import AdfArtifacts, AdfArtifactsProps
    from datafactory.artifacts import load as load_adf
    from tests.test_components_unity_catalog import synth

    marker = "${data.azurerm_client_config.current.client_id}"
    directive = "%{ if true }x%{ endif }"

    def change(body):
        body["properties"]["description"] = f"costs {marker}"
        body["properties"]["parameters"]["fullLoad"]["defaultValue"] = directive
        body["properties"]["activities"][0]["description"] = f"$${marker}"  # already escaped

    edit_json(adf_copy / "pipeline" / "pl_copy_sources.json", change)
    edit_json(
        adf_copy / "dataset" / "ds_landing_parquet.json",
        lambda b: b["properties"]["typeProperties"]["location"].update(fileName=f"{marker}.p"),
    )
    artifacts = load_adf(adf_copy)
    tf = synth(
        lambda s, _: AdfArtifacts(
            s,
            "adf",
            props=AdfArtifactsProps(
                data_factory_id="factory-id",
                artifacts=artifacts,
                pipeline_parameters={"pl_copy_sources": {"jobId": "${databricks_job.j.id}"}},
            ),
        )
    )
    pipeline = only(tf, "azurerm_data_factory_pipeline")
    assert terraform_text(pipeline["description"]) == f"costs {marker}"
    assert terraform_text(pipeline["parameters"]["fullLoad"]) == directive
    assert pipeline["parameters"]["jobId"] == "${databricks_job.j.id}"  # the stack's: live
    activities = json.loads(terraform_text(pipeline["activities_json"]))
    assert activities[0]["description"] == f"$${marker}"
    datasets = {d["name"]: d for d in resources(tf, "azurerm_data_factory_custom_dataset")}
    properties = json.loads(terraform_text(datasets["ds_landing_parquet"]["type_properties_json"]))
    assert properties["location"]["fileName"] == f"{marker}.p"
