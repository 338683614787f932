"""The workloads stack and its constructs: compute under a Unity Catalog policy, the deployed
notebooks and dbt project, and the job whose parameters are what the notebooks read."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ENVIRONMENTS, REPO_ROOT
from tests.helpers import only, resolve, resources

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
NOTEBOOKS = sorted(p for p in NOTEBOOK_DIR.glob("*.py"))


def widgets_of(path: Path) -> set[str]:
    """The widget names a notebook declares (dbutils.widgets.text / dropdown)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("text", "dropdown")
            and ast.unparse(node.func.value) == "dbutils.widgets"
        ):
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str)
            names.add(first.value)
    return names


def job(stacks: dict[str, Any], env: str) -> dict[str, Any]:
    return only(stacks[f"{env}-workloads"], "databricks_job")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_notebook_is_deployed_and_used_by_the_job(stacks, config_of, env):
    tf = stacks[f"{env}-workloads"]
    folder = config_of[env].workspace_folder
    deployed = {n["path"] for n in resources(tf, "databricks_notebook")}
    expected = {f"{folder}/notebooks/{p.stem}" for p in NOTEBOOKS}
    assert deployed == expected
    used = {
        t["notebook_task"]["notebook_path"]
        for t in job(stacks, env)["task"]
        if "notebook_task" in t
    }
    assert used == expected


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_job_parameters_are_exactly_the_widgets_each_notebook_declares(stacks, config_of, env):
    folder = config_of[env].workspace_folder
    by_path = {f"{folder}/notebooks/{p.stem}": widgets_of(p) for p in NOTEBOOKS}
    for task in job(stacks, env)["task"]:
        if "notebook_task" in task:
            notebook = task["notebook_task"]
            assert set(notebook["base_parameters"]) == by_path[notebook["notebook_path"]], task[
                "task_key"
            ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_tasks_run_bronze_then_silver_then_dbt_with_the_ingest_date(stacks, env):
    tasks = {t["task_key"]: t for t in job(stacks, env)["task"]}
    assert list(tasks) == ["bronze", "silver", "dbt"]
    assert tasks["silver"]["depends_on"] == [{"task_key": "bronze"}]
    assert tasks["dbt"]["depends_on"] == [{"task_key": "silver"}]
    assert tasks["silver"]["notebook_task"]["base_parameters"]["ingest_date"] == (
        "{{job.parameters.ingest_date}}"
    )
    assert tasks["silver"]["notebook_task"]["base_parameters"]["table_format"] == "delta"
    assert job(stacks, env)["parameter"] == [
        {"name": "ingest_date", "default": "{{job.start_time.iso_date}}"}
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_bronze_reads_the_landing_container_and_tables_follow_the_config(stacks, config_of, env):
    bronze = job(stacks, env)["task"][0]["notebook_task"]["base_parameters"]
    landing_path = resolve(stacks, bronze["landing_path"])
    assert landing_path.startswith("abfss://landing@${azurerm_storage_account.")
    assert landing_path.endswith(".dfs.core.windows.net")
    tables = config_of[env].ingestion.tables
    assert bronze["tables"] == (",".join(tables) if tables else "*")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_cluster_and_the_job_cluster_are_unity_catalog_enabled_and_under_the_policy(
    stacks, env
):
    tf = stacks[f"{env}-workloads"]
    (policy_key,) = tf["resource"]["databricks_cluster_policy"]
    policy_ref = f"${{databricks_cluster_policy.{policy_key}.id}}"
    definition = json.loads(only(tf, "databricks_cluster_policy")["definition"])
    assert set(definition["data_security_mode"]["values"]) == {"USER_ISOLATION", "SINGLE_USER"}
    for cluster in resources(tf, "databricks_cluster"):
        assert cluster["data_security_mode"] == "USER_ISOLATION"
        assert cluster["policy_id"] == policy_ref
    (job_cluster,) = job(stacks, env)["job_cluster"]
    assert job_cluster["new_cluster"]["data_security_mode"] == "SINGLE_USER"
    assert job_cluster["new_cluster"]["policy_id"] == policy_ref


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_job_runs_as_its_service_principal(stacks, config_of, env):
    config = config_of[env]
    run_as = config.workloads.job.run_as
    ids = {p.name: p.application_id for p in config.unity_catalog.service_principals}
    body = job(stacks, env)
    if run_as is None:  # the deployer runs it
        assert "run_as" not in body
        return
    assert body["run_as"] == {"service_principal_name": ids[run_as]}
    assert body["job_cluster"][0]["new_cluster"]["single_user_name"] == ids[run_as]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dbt_runs_on_the_warehouse_with_the_tested_dbt_as_the_jobs_api_documents(stacks, env):
    tf = stacks[f"{env}-workloads"]
    (warehouse_key,) = tf["resource"]["databricks_sql_endpoint"]
    tasks = {t["task_key"]: t for t in job(stacks, env)["task"]}
    dbt = tasks["dbt"]["dbt_task"]
    assert dbt["warehouse_id"] == f"${{databricks_sql_endpoint.{warehouse_key}.id}}"
    # With a warehouse Databricks generates the profile: no profiles_directory, no --target.
    assert "profiles_directory" not in dbt
    assert dbt["commands"] == ["dbt build"]
    assert dbt["catalog"] and dbt["schema"]
    lock = json.loads((REPO_ROOT / "Pipfile.lock").read_text())["develop"]
    assert [lib["pypi"]["package"] for lib in tasks["dbt"]["library"]] == [
        f"dbt-databricks{lock['dbt-databricks']['version']}",
        f"dbt-core{lock['dbt-core']['version']}",
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_dbt_installs_from_the_configured_index_or_pypi(stacks, config_of, env):
    index = config_of[env].workloads.job.pypi_index_url
    tasks = {t["task_key"]: t for t in job(stacks, env)["task"]}
    assert [lib["pypi"].get("repo") for lib in tasks["dbt"]["library"]] == [index, index]


def test_a_dbt_library_that_is_not_pinned_exactly_is_refused():
    from components.workloads import DbtStep, LakehouseJob, LakehouseJobProps
    from tests.test_components_unity_catalog import synth

    def build(*libraries, repo=None):
        props = LakehouseJobProps(
            name="j",
            policy_id="p",
            spark_version="15.4.x-scala2.12",
            node_type="Standard_D4ds_v5",
            num_workers=1,
            steps=(),
            dbt=DbtStep(
                key="dbt",
                project_directory="/p/dbt",
                commands=("dbt build",),
                warehouse_id="w",
                catalog="c",
                schema="gold",
                libraries=libraries,
                pypi_repo=repo,
            ),
        )
        return only(synth(lambda s, _: LakehouseJob(s, "job", props=props)), "databricks_job")

    assert build("dbt-databricks==1.11.8")["task"][0]["library"] == [
        {"pypi": {"package": "dbt-databricks==1.11.8"}}
    ]
    for loose in (("dbt-databricks>=1.11,<1.12",), ("dbt-databricks",), ()):
        with pytest.raises(ValueError, match="must be pinned exactly"):
            build(*loose)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_lakehouse_module_its_contract_and_the_dbt_project_are_deployed(stacks, config_of, env):
    folder = config_of[env].workspace_folder
    files = {f["path"] for f in resources(stacks[f"{env}-workloads"], "databricks_workspace_file")}
    for module in (REPO_ROOT / "lakehouse").glob("*.py"):
        assert f"{folder}/notebooks/lakehouse/{module.name}" in files
    assert f"{folder}/notebooks/lakehouse/sources/adventureworks.yml" in files
    if config_of[env].workloads.dbt.source == "workspace":
        assert {f"{folder}/dbt/dbt_project.yml", f"{folder}/dbt/profiles.yml"} <= files
    assert not [f for f in files if "/target/" in f or "__pycache__" in f]


def test_the_deployed_notebooks_import_the_lakehouse_package_from_their_own_folder(
    synth_dir, stacks, tmp_path
):
    """Rebuild the workspace folder from the synthesized assets, then import as Databricks does:
    only the notebook's folder on sys.path, nothing from this checkout."""
    env = ENVIRONMENTS[0]
    stack_dir = synth_dir / "stacks" / f"{env}-workloads"
    folder = next(iter(resources(stacks[f"{env}-workloads"], "databricks_directory")))["path"]
    tf = stacks[f"{env}-workloads"]
    for item in resources(tf, "databricks_workspace_file") + resources(tf, "databricks_notebook"):
        target = tmp_path / item["path"].removeprefix(f"{folder}/")
        if item in resources(tf, "databricks_notebook"):
            target = target.with_suffix(".py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((stack_dir / item["source"]).read_bytes())
    notebooks = tmp_path / "notebooks"
    probe = (
        f"import sys; sys.path.insert(0, {str(notebooks)!r}); "
        "import lakehouse, lakehouse.bronze, lakehouse.silver; "
        "from lakehouse.contract import shipped_contract; "
        "assert lakehouse.__file__.startswith(%r), lakehouse.__file__; "
        "print(len(shipped_contract().tables))" % str(notebooks)
    )
    run = subprocess.run(
        [sys.executable, "-I", "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 0


def test_workspace_files_are_carried_as_assets_and_change_with_their_content(synth_dir, stacks):
    env = ENVIRONMENTS[0]
    stack_dir = synth_dir / "stacks" / f"{env}-workloads"
    for item in resources(stacks[f"{env}-workloads"], "databricks_notebook"):
        source = stack_dir / item["source"]
        assert not Path(item["source"]).is_absolute()
        local = NOTEBOOK_DIR / source.name
        assert source.read_bytes() == local.read_bytes()


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_secret_scope_is_backed_by_the_databricks_vault_when_enabled(stacks, config_of, env):
    tf = stacks[f"{env}-workloads"]
    scopes = resources(tf, "databricks_secret_scope")
    if not config_of[env].workloads.secret_scope.enabled:
        assert scopes == [] and resources(tf, "databricks_secret_acl") == []
        return
    (scope,) = scopes
    metadata = scope["keyvault_metadata"]
    assert "key-vault-databricks" in resolve(stacks, metadata["resource_id"])
    assert scope["backend_type"] == "AZURE_KEYVAULT"
    acls = resources(tf, "databricks_secret_acl")
    assert {a["permission"] for a in acls} <= {"READ"}
    assert len(acls) == len(config_of[env].workloads.secret_scope.readers)


def test_scheduled_and_file_arrival_jobs(config_of):
    from components.workloads import LakehouseJob, LakehouseJobProps, NotebookStep
    from tests.test_components_unity_catalog import synth

    def build(schedule=None, url=None):
        props = LakehouseJobProps(
            name="j",
            policy_id="p",
            spark_version="15.4.x-scala2.12",
            node_type="Standard_D4ds_v5",
            num_workers=1,
            steps=(NotebookStep(key="a", notebook_path="/n", parameters={}),),
            schedule=schedule,
            file_arrival_url=url,
        )
        return only(synth(lambda s, _: LakehouseJob(s, "job", props=props)), "databricks_job")

    assert build(schedule="0 0 6 * * ?")["schedule"]["quartz_cron_expression"] == "0 0 6 * * ?"
    assert build(url="abfss://landing@x.dfs.core.windows.net/")["trigger"]["file_arrival"] == {
        "url": "abfss://landing@x.dfs.core.windows.net/"
    }
    with pytest.raises(ValueError, match="on a schedule or on file arrival, not both"):
        build(schedule="0 0 6 * * ?", url="abfss://x")
    with pytest.raises(ValueError, match="must be a Quartz cron expression"):
        build(schedule="0 6 * * *")


def settings(**props):
    """WorkspaceSettings with these props, synthesized alone."""
    from components.workloads import WorkspaceSettings, WorkspaceSettingsProps
    from tests.test_components_unity_catalog import synth

    return synth(
        lambda s, _: WorkspaceSettings(s, "settings", props=WorkspaceSettingsProps(**props))
    )


def workspace_conf(**props):
    """WorkspaceConfAndAllowList with these props, synthesized alone."""
    from components.workspace_conf import WorkspaceConfAndAllowList, WorkspaceConfProps
    from tests.test_components_unity_catalog import synth

    return synth(
        lambda s, _: WorkspaceConfAndAllowList(s, "conf", props=WorkspaceConfProps(**props))
    )


def test_ip_access_list_allows_only_the_configured_cidrs():
    tf = workspace_conf(ip_access_allow=("203.0.113.0/24",))
    assert only(tf, "databricks_workspace_conf")["custom_config"] == {"enableIpAccessLists": "true"}
    allow = only(tf, "databricks_ip_access_list")
    assert (allow["list_type"], allow["ip_addresses"]) == ("ALLOW", ["203.0.113.0/24"])
    # The list only counts once the feature is on: it waits for the conf.
    (conf,) = tf["resource"]["databricks_workspace_conf"]
    assert allow["depends_on"] == [f"databricks_workspace_conf.{conf}"]
    with pytest.raises(ValueError, match="ip_access_allow: '203.0.113.1/24' is not an IPv4"):
        workspace_conf(ip_access_allow=("203.0.113.1/24",))


def test_one_workspace_conf_holds_the_ip_access_and_the_hardening_keys():
    tf = workspace_conf(
        ip_access_allow=("84.12.0.0/24",),
        conf={"maxTokenLifetimeDays": "90", "enableWebTerminal": "false"},
    )
    # The provider recommends one databricks_workspace_conf per workspace.
    assert only(tf, "databricks_workspace_conf")["custom_config"] == {
        "enableIpAccessLists": "true",
        "enableWebTerminal": "false",
        "maxTokenLifetimeDays": "90",
    }
    assert "resource" not in workspace_conf() or not workspace_conf()["resource"]
    with pytest.raises(ValueError, match="conf: enableEverything; allowed: "):
        workspace_conf(conf={"enableEverything": "true"})


def test_the_legacy_settings_and_the_default_catalog():
    tf = settings(disable_legacy_access=True, disable_legacy_dbfs=True, default_catalog="mdp_prod")
    access = only(tf, "databricks_disable_legacy_access_setting")
    assert access["disable_legacy_access"] == {"value": True}
    assert only(tf, "databricks_disable_legacy_dbfs_setting")["disable_legacy_dbfs"] == {
        "value": True
    }
    # Where legacy access is off, hive_metastore answers no more: the catalog is the default.
    namespace = only(tf, "databricks_default_namespace_setting")
    assert namespace["namespace"] == {"value": "mdp_prod"}
    # Enhanced security is the workspace resource's on Azure (the databricks stack's), not a
    # databricks setting here (the provider's pages say so).
    assert not {t for t in tf.get("resource", {}) if "security" in t}
    # Nothing configured: nothing created.
    assert "resource" not in settings() or not settings()["resource"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_workspace_is_hardened_as_its_config_says(stacks, config_of, env):
    """The conf is set by the stack that creates the workspace (hardened and limited from its
    first apply); the legacy settings and the default catalog by workloads."""
    config = config_of[env]
    hardening = config.workloads.hardening
    tf, workspace = stacks[f"{env}-workloads"], stacks[f"{env}-databricks"]
    assert not resources(tf, "databricks_workspace_conf")
    assert not resources(tf, "databricks_ip_access_list")
    confs = resources(workspace, "databricks_workspace_conf")
    keys = {k: v for conf in confs for k, v in conf["custom_config"].items()}
    assert keys.pop("enableIpAccessLists", None) == (
        "true"
        if config.databricks.public_network_access and config.workloads.ip_access.allow
        else None
    )
    assert keys == hardening.workspace_conf()
    assert len(confs) <= 1  # one per workspace
    if not config.databricks.public_network_access:
        # Reached through its private endpoint: the conf waits for it and its DNS record.
        for conf in confs:
            assert any("private-endpoint-ui-api" in d for d in conf["depends_on"])
    assert bool(resources(tf, "databricks_disable_legacy_access_setting")) is (
        hardening.disable_legacy_access
    )
    assert bool(resources(tf, "databricks_disable_legacy_dbfs_setting")) is (
        hardening.disable_legacy_dbfs
    )
    # Legacy access off: unqualified names resolve in the environment's catalog.
    namespaces = resources(tf, "databricks_default_namespace_setting")
    assert [n["namespace"]["value"] for n in namespaces] == (
        [config.catalog_name] if hardening.disable_legacy_access else []
    )


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_workloads_forgets_the_conf_it_held_never_deletes_it(stacks, env):
    """Deleting a conf resets its enable* keys to false (IP access lists off): the conf this
    stack held at its former addresses is forgotten, the databricks stack's taking over."""
    from stacks.workloads import FORMER_WORKSPACE_CONFS

    removed = stacks[f"{env}-workloads"]["removed"]
    assert {r["from"] for r in removed} >= set(FORMER_WORKSPACE_CONFS)
    assert all(r["lifecycle"] == {"destroy": False} for r in removed)


def test_fails_if_the_interactive_cluster_is_sized_backwards():
    from components.workloads import InteractiveCluster, InteractiveClusterProps
    from tests.test_components_unity_catalog import synth

    with pytest.raises(ValueError, match=r"min_workers \(3\) must be at most max_workers \(2\)"):
        synth(
            lambda s, _: InteractiveCluster(
                s,
                "c",
                props=InteractiveClusterProps(
                    name="c",
                    policy_id="p",
                    spark_version="v",
                    node_type="n",
                    min_workers=3,
                    max_workers=2,
                    autotermination_minutes=30,
                ),
            )
        )


def test_dbt_project_config_is_deployable_as_workspace_files():
    project = yaml.safe_load((REPO_ROOT / "dbt" / "dbt_project.yml").read_text())
    assert project["profile"] in yaml.safe_load((REPO_ROOT / "dbt" / "profiles.yml").read_text())


def test_a_changed_file_changes_its_asset_and_so_the_plan(tmp_path):
    from components.workloads import WorkspaceFiles, WorkspaceFilesProps
    from tests.test_components_unity_catalog import synth

    notebook = tmp_path / "nb.py"

    def source_of(text: str) -> str:
        notebook.write_text(text)
        props = WorkspaceFilesProps(folder="/Shared/x", files=((notebook, "nb.py"),))
        tf = synth(lambda s, _: WorkspaceFiles(s, "files", props=props))
        return only(tf, "databricks_notebook")["source"]

    first = source_of("# Databricks notebook source\nprint(1)\n")
    assert source_of("# Databricks notebook source\nprint(1)\n") == first
    assert source_of("# Databricks notebook source\nprint(2)\n") != first
    assert not Path(first).is_absolute() and str(tmp_path) not in first


def _acl(tf, argument: str) -> dict[str, str]:
    (body,) = [
        p
        for p in tf["resource"]["databricks_permissions"].values()
        if argument in p and "data." not in p[argument]
    ]
    return {
        a.get("group_name") or a.get("service_principal_name"): a["permission_level"]
        for a in body["access_control"]
    }


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_workspace_objects_carry_the_configured_and_the_automatic_permissions(
    stacks, config_of, env
):
    config = config_of[env]
    work = config.workloads
    tf = stacks[f"{env}-workloads"]
    ids = {p.name: p.application_id for p in config.unity_catalog.service_principals}
    admin = config.admin_group_name
    arguments = {
        "cluster_policy": "cluster_policy_id",
        "cluster": "cluster_id",
        "sql_warehouse": "sql_endpoint_id",
        "job": "job_id",
    }
    for kind, argument in arguments.items():
        if kind == "cluster" and not work.cluster.enabled:
            assert not any(argument in p for p in tf["resource"]["databricks_permissions"].values())
            continue
        acl = _acl(tf, argument)
        assert acl[admin] == ("CAN_USE" if kind == "cluster_policy" else "CAN_MANAGE")
        for principal, level in getattr(work.permissions, kind).items():
            assert acl[ids.get(principal, principal)] == level, (kind, principal)
    warehouse = _acl(tf, "sql_endpoint_id")
    if work.job.run_as:
        assert warehouse[ids[work.job.run_as]] == "CAN_USE"
        assert _acl(tf, "cluster_policy_id")[ids[work.job.run_as]] == "CAN_USE"
    purview = [p for p in warehouse if p.endswith(".outputs.purview_client_id}")]
    assert len(purview) == int(config.governance.enabled)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_entitlements_follow_the_config(stacks, config_of, env):
    wanted = config_of[env].workloads.entitlements
    tf = stacks[f"{env}-workloads"]
    groups = {
        k: v["display_name"] for k, v in tf.get("data", {}).get("databricks_group", {}).items()
    }
    found = {}
    for body in resources(tf, "databricks_entitlements"):
        key = body["group_id"].split(".")[2]
        found[groups[key]] = {
            e
            for e in (
                "workspace_access",
                "databricks_sql_access",
                "allow_cluster_create",
                "allow_instance_pool_create",
            )
            if body[e]
        }
    assert found == {group: set(granted) for group, granted in wanted.items()}
