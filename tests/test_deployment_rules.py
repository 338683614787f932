"""The deployment rules (policy/rules/): every shipped environment passes each rule,
and each rule fails on a broken copy of a real stack, so none of them is a rule that cannot fail.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policy.rules import ACCOUNT_RULES, RULES, check
from tests.conftest import CONFIG_DIR, ENVIRONMENTS, REPO_ROOT
from tooling.synthesized import SynthesizedEnvironment as Environment
from tooling.synthesized import environment


def as_environments(outdir, stack_ids: dict[str, tuple[str, ...]]) -> dict[str, Environment]:
    """The scopes of a synth as the rules read them (the one reader, tooling.synthesized),
    checked against the order the stacks were built in."""
    found = {scope: environment(outdir, scope) for scope in stack_ids}
    for scope, order in stack_ids.items():
        assert list(found[scope].stacks) == list(order), scope
    return found


@pytest.fixture(scope="session")
def deployments(synthesized) -> dict[str, Environment]:
    return as_environments(synthesized.outdir, synthesized.stack_ids)


@pytest.fixture(scope="session")
def variant_synth(shipped_configs, tmp_path_factory) -> tuple[Path, dict[str, tuple[str, ...]]]:
    """Each shipped environment with every option on (tooling/variants.py: what its config
    leaves off and the rules check) and the account scopes, synthesized once in one app:
    (outdir, scope -> stack ids in build order)."""
    from platform_config.loader import load_accounts
    from tooling.variants import synthesize

    outdir = tmp_path_factory.mktemp("cdktf.variants")
    return outdir, dict(synthesize(shipped_configs, outdir, load_accounts(CONFIG_DIR)))


@pytest.fixture(scope="session")
def variants(variant_synth, shipped_configs) -> dict[str, Environment]:
    outdir, order = variant_synth
    return as_environments(outdir, {c.environment: order[c.environment] for c in shipped_configs})


def test_a_variant_has_every_option_on_and_is_a_valid_config(shipped_configs):
    from platform_config.loader import load_accounts
    from tooling.variants import every_option_on

    accounts = load_accounts(CONFIG_DIR)
    for config in shipped_configs:
        variant = every_option_on(config, accounts)
        assert variant.register_resource_providers and variant.governance.enabled
        assert variant.workloads.secret_scope.enabled and variant.workloads.cluster.enabled
        keys = variant.encryption.customer_managed_keys
        assert keys.enabled and keys.data_factory == (config.ingestion.source is not None)
        assert variant.secrets.writers and variant.azure_databricks_object_id
        assert variant.network.sandbox == config.network.sandbox, "its network mode is kept"
        databricks = variant.databricks
        assert databricks.has_storage_firewall == databricks.has_private_storage
        assert every_option_on(variant, accounts) == variant, config.environment


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_variant_with_the_options_on_passes_every_rule(variants, env):
    violations = check(variants[env])
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_shipped_environment_passes_every_rule(deployments, env):
    violations = check(deployments[env])
    assert violations == [], "\n".join(map(str, violations))


def test_the_rules_run_from_a_synth_output_folder(synth_dir):
    from tests.conftest import ACCOUNTS
    from tooling.synthesized import environments

    found = environments(synth_dir)
    assert {e.name for e in found} == {*ENVIRONMENTS, *ACCOUNTS}
    assert all(check(e) == [] for e in found)


# One way to break what each rule protects, applied to a copy of a shipped environment's
# stacks. A new rule adds its breakage here; the test below fails until it does.
def _first(items: dict[str, Any]) -> Any:
    return items[sorted(items)[0]]


def _add_manifest_dependency(env: Environment) -> Environment:
    stacks = list(env.stacks)
    deps = {**env.manifest_dependencies, stacks[1]: (stacks[0],)}
    return Environment(env.name, env.stacks, deps)


def _read_an_unpublished_output(tf: dict[str, Any], env: Environment) -> None:
    network = f"{env.name}-network"
    endpoint = _first(tf["resource"]["azurerm_private_endpoint"])
    endpoint["subnet_id"] = f"${{data.terraform_remote_state.{network}.outputs.nothing_here}}"


def _drop_a_dns_zone_group(tf: dict[str, Any], env: Environment) -> None:
    del _first(tf["resource"]["azurerm_private_endpoint"])["private_dns_zone_group"]


def _register_in_the_wrong_zone(tf: dict[str, Any], env: Environment) -> None:
    endpoints = tf["resource"]["azurerm_private_endpoint"]
    dfs = next(
        e
        for e in endpoints.values()
        if e["private_service_connection"]["subresource_names"] == ["dfs"]
    )
    blob = next(
        e
        for e in endpoints.values()
        if e["private_service_connection"]["subresource_names"] == ["blob"]
    )
    dfs["private_dns_zone_group"] = copy.deepcopy(blob["private_dns_zone_group"])


def _await_the_storage_data_plane(tf: dict[str, Any], env: Environment) -> None:
    for provider in tf["provider"]["azurerm"]:
        for features in provider["features"]:
            features.pop("storage", None)


def _create_a_container_through_the_data_plane(tf: dict[str, Any], env: Environment) -> None:
    container = _first(tf["resource"]["azurerm_storage_container"])
    del container["storage_account_id"]
    container["storage_account_name"] = "stlake"


def _schedule_the_started_job(tf: dict[str, Any], env: Environment) -> None:
    _first(tf["resource"]["databricks_job"])["schedule"] = {
        "quartz_cron_expression": "0 0 5 * * ?",
        "timezone_id": "UTC",
    }


def _forget_compute(tf: dict[str, Any], env: Environment) -> None:
    (default,) = [p for p in tf["provider"]["azurerm"] if "alias" not in p]
    if "resource_providers_to_register" in default:
        default["resource_providers_to_register"].remove("Microsoft.Compute")


def _dbt_task(tf: dict[str, Any]) -> dict[str, Any]:
    job = _first(tf["resource"]["databricks_job"])
    return next(t for t in job["task"] if "dbt_task" in t)


def _give_the_dbt_task_a_profiles_directory(tf: dict[str, Any], env: Environment) -> None:
    _dbt_task(tf)["dbt_task"]["profiles_directory"] = "/Shared/mdp/dbt"


def _loosen_the_dbt_pin(tf: dict[str, Any], env: Environment) -> None:
    _dbt_task(tf)["library"][0]["pypi"]["package"] = "dbt-databricks>=1.10,<1.11"


def _apply_the_policy_defaults_to_the_job_cluster(tf: dict[str, Any], env: Environment) -> None:
    job = _first(tf["resource"]["databricks_job"])
    job["job_cluster"][0]["new_cluster"]["apply_policy_default_values"] = True


def _drop_the_warehouse_permissions(tf: dict[str, Any], env: Environment) -> None:
    permissions = tf["resource"]["databricks_permissions"]
    (key,) = [k for k, v in permissions.items() if "sql_endpoint_id" in v]
    del permissions[key]


def _leave_personal_compute_open(tf: dict[str, Any], env: Environment) -> None:
    permissions = tf["resource"]["databricks_permissions"]
    for key in [k for k, v in permissions.items() if "data.databricks_cluster_policy" in str(v)]:
        del permissions[key]


def _take_the_run_as_off_the_warehouse(tf: dict[str, Any], env: Environment) -> None:
    run_as = (_first(tf["resource"]["databricks_job"]).get("run_as") or {}).get(
        "service_principal_name"
    )
    for permissions in tf["resource"]["databricks_permissions"].values():
        if "sql_endpoint_id" in permissions:
            permissions["access_control"] = [
                a
                for a in permissions["access_control"]
                if a.get("service_principal_name") != run_as
            ]


def _drop_the_key_vault_access_policies(tf: dict[str, Any], env: Environment) -> None:
    tf["resource"].pop("azurerm_key_vault_access_policy", None)


def _put_the_scope_vault_back_on_rbac(tf: dict[str, Any], env: Environment) -> None:
    for vault in tf["resource"]["azurerm_key_vault"].values():
        vault["rbac_authorization_enabled"] = True


def _drop_the_secret_writers(tf: dict[str, Any], env: Environment) -> None:
    assignments = tf["resource"].get("azurerm_role_assignment", {})
    for key in [
        k for k, v in assignments.items() if "Secrets Officer" in v["role_definition_name"]
    ]:
        del assignments[key]
    policies = tf["resource"].get("azurerm_key_vault_access_policy", {})
    for key in [k for k, v in policies.items() if "Set" in v["secret_permissions"]]:
        del policies[key]


def _edit_web_activity(tf: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    for pipeline in tf["resource"]["azurerm_data_factory_pipeline"].values():
        activities = json.loads(pipeline["activities_json"])
        for activity in activities:
            if activity["type"] == "WebActivity":
                change(activity["typeProperties"])
        pipeline["activities_json"] = json.dumps(activities)


def _call_the_job_from_the_public_runtime(tf: dict[str, Any], env: Environment) -> None:
    _edit_web_activity(tf, lambda properties: properties.pop("connectVia"))


def _authenticate_with_the_factory_identity(tf: dict[str, Any], env: Environment) -> None:
    _edit_web_activity(
        tf, lambda p: p.update(authentication={"type": "MSI", "resource": "2ff814a6"})
    )


def _drop_the_workspace_endpoint(tf: dict[str, Any], env: Environment) -> None:
    endpoints = tf["resource"]["azurerm_data_factory_managed_private_endpoint"]
    for key in [k for k, v in endpoints.items() if v["subresource_name"] == "databricks_ui_api"]:
        del endpoints[key]


def _make_the_factory_workspace_contributor(tf: dict[str, Any], env: Environment) -> None:
    (factory,) = tf["resource"]["azurerm_data_factory"]
    tf["resource"]["azurerm_role_assignment"]["workspace-contributor"] = {
        "scope": f"${{data.terraform_remote_state.{env.name}-databricks.outputs."
        "workspace_resource_id}",
        "role_definition_name": "Contributor",
        "principal_id": f"${{azurerm_data_factory.{factory}.identity[0].principal_id}}",
    }


def _take_the_pipeline_identity_off_the_job(tf: dict[str, Any], env: Environment) -> None:
    for permissions in tf["resource"]["databricks_permissions"].values():
        if "job_id" in permissions:
            permissions["access_control"] = [
                a
                for a in permissions["access_control"]
                if "pipeline_identity" not in str(a.get("service_principal_name"))
            ]


def _keep_the_gold_layer_in_the_catalog_root(tf: dict[str, Any], env: Environment) -> None:
    for schema in tf["resource"]["databricks_schema"].values():
        if "abfss://gold@" in str(schema.get("storage_root")):
            del schema["storage_root"]


def _put_a_schema_outside_the_locations(tf: dict[str, Any], env: Environment) -> None:
    _first(tf["resource"]["databricks_schema"])["storage_root"] = "abfss://x@other.dfs/"


def _take_away_the_egress(tf: dict[str, Any], env: Environment) -> None:
    tf["resource"].pop("azurerm_subnet_nat_gateway_association", None)
    tf["resource"].pop("azurerm_subnet_route_table_association", None)


def _open_the_workspace_storage(tf: dict[str, Any], env: Environment) -> None:
    workspace = _first(tf["resource"]["azurerm_databricks_workspace"])
    workspace.pop("default_storage_firewall_enabled", None)


def _drop_the_workspace_storage_endpoints(tf: dict[str, Any], env: Environment) -> None:
    endpoints = tf["resource"]["azurerm_private_endpoint"]
    for key in [k for k, v in endpoints.items() if "Microsoft.Storage" in str(v)]:
        del endpoints[key]


def _look_the_workspace_storage_up_after_the_workspace(tf: dict[str, Any], env: Environment):
    # What the stack did before: the endpoints' target from a look-up read at apply.
    (workspace,) = tf["resource"]["azurerm_databricks_workspace"]
    tf.setdefault("data", {})["azurerm_resources"] = {
        "storage-account": {
            "resource_group_name": "rg-managed",
            "type": "Microsoft.Storage/storageAccounts",
            "depends_on": [f"azurerm_databricks_workspace.{workspace}"],
        }
    }
    for endpoint in tf["resource"]["azurerm_private_endpoint"].values():
        connection = endpoint["private_service_connection"]
        if "Microsoft.Storage" in connection["private_connection_resource_id"]:
            connection["private_connection_resource_id"] = (
                "${data.azurerm_resources.storage-account.resources[0].id}"
            )


def _name_a_role_assignment_scope_by_the_clock(tf: dict[str, Any], env: Environment):
    assignment = _first(tf["resource"]["azurerm_role_assignment"])
    assignment["scope"] = "${timestamp()}"


def _open_the_catalog(tf: dict[str, Any], env: Environment) -> None:
    _first(tf["resource"]["databricks_catalog"])["isolation_mode"] = "OPEN"


def _let_another_workspace_write_the_catalog(tf: dict[str, Any], env: Environment) -> None:
    (catalog,) = tf["resource"]["databricks_catalog"]
    tf["resource"]["databricks_workspace_binding"]["intruder"] = {
        "securable_type": "catalog",
        "securable_name": f"${{databricks_catalog.{catalog}.name}}",
        "workspace_id": 1234567890123456,
        "binding_type": "BINDING_TYPE_READ_WRITE",
    }


def _unbind_the_locations(tf: dict[str, Any], env: Environment) -> None:
    bindings = tf["resource"]["databricks_workspace_binding"]
    for key in [k for k, v in bindings.items() if v["securable_type"] == "external_location"]:
        del bindings[key]


def _unbind_the_ncc(tf: dict[str, Any], env: Environment) -> None:
    tf["resource"].pop("databricks_mws_ncc_binding", None)


def _drop_the_blob_rule(tf: dict[str, Any], env: Environment) -> None:
    rules = tf["resource"].get("databricks_mws_ncc_private_endpoint_rule", {})
    for key in [k for k, v in rules.items() if v["group_id"] == "blob"]:
        del rules[key]


def _keys(tf: dict[str, Any]) -> dict[str, Any]:
    return tf["resource"].get("azurerm_key_vault_key", {})


def _key_user_grants(tf: dict[str, Any], principal_part: str) -> list[str]:
    grants = tf["resource"].get("azurerm_role_assignment", {})
    return [
        name
        for name, body in grants.items()
        if body.get("role_definition_name") == "Key Vault Crypto Service Encryption User"
        and principal_part in str(body.get("principal_id"))
    ]


def _let_a_key_be_destroyed(tf: dict[str, Any], env: Environment) -> None:
    for key in _keys(tf).values():
        key["lifecycle"] = {}


def _let_the_key_vault_be_purged(tf: dict[str, Any], env: Environment) -> None:
    for vault in tf["resource"].get("azurerm_key_vault", {}).values():
        vault["purge_protection_enabled"] = False


def _make_a_small_key(tf: dict[str, Any], env: Environment) -> None:
    for key in _keys(tf).values():
        key["key_size"] = 1024


def _make_a_key_that_cannot_wrap(tf: dict[str, Any], env: Environment) -> None:
    for key in _keys(tf).values():
        key["key_opts"] = ["encrypt", "decrypt"]


def _ask_for_a_vault_sku_azurerm_refuses(tf: dict[str, Any], env: Environment) -> None:
    for vault in tf["resource"]["azurerm_key_vault"].values():
        vault["sku_name"] = "Premium"  # azurerm's enum is lower case, and case-sensitive


def _notify_after_the_key_expires(tf: dict[str, Any], env: Environment) -> None:
    for key in _keys(tf).values():
        key["rotation_policy"]["expire_after"] = "P35D"
        key["rotation_policy"]["notify_before_expiry"] = "P30D"  # Key Vault refuses > 28 days


def _give_the_factory_a_3072_bit_key(tf: dict[str, Any], env: Environment) -> None:
    for name, key in _keys(tf).items():
        if "data-factory" in name:
            key["key_size"] = 3072


def _give_the_workspace_a_literal_key(tf: dict[str, Any], env: Environment) -> None:
    for workspace in tf["resource"]["azurerm_databricks_workspace"].values():
        if workspace.get("managed_services_cmk_key_vault_key_id"):
            workspace["managed_services_cmk_key_vault_key_id"] = "https://kv.vault.azure.net/keys/k"


def _pin_the_lake_to_one_key_version(tf: dict[str, Any], env: Environment) -> None:
    for cmk in tf["resource"].get("azurerm_storage_account_customer_managed_key", {}).values():
        cmk["key_version"] = "0123456789abcdef0123456789abcdef"


def _revoke_the_lake_s_key(tf: dict[str, Any], env: Environment) -> None:
    for name in _key_user_grants(tf, "lake_key-identity"):
        del tf["resource"]["azurerm_role_assignment"][name]


def _grant_the_services_key_to_another_principal(tf: dict[str, Any], env: Environment) -> None:
    """The managed services key granted to a GUID that is not the configured application."""
    grants = tf["resource"].get("azurerm_role_assignment", {})
    if "databricks-services-key-user" in grants:
        grants["databricks-services-key-user"]["principal_id"] = (
            "00000000-0000-0000-0000-00000000dead"
        )


def _configure_no_application(tf: dict[str, Any], env: Environment) -> None:
    """The local that names the configured AzureDatabricks application holds no object id."""
    if "azure_databricks_object_id" in tf.get("locals", {}):
        tf["locals"]["azure_databricks_object_id"] = "AzureDatabricks"


def _forget_the_disk_encryption_set(tf: dict[str, Any], env: Environment) -> None:
    for name in _key_user_grants(tf, "workspace_disks_principal_id"):
        del tf["resource"]["azurerm_role_assignment"][name]


def _revoke_the_factory_s_key(tf: dict[str, Any], env: Environment) -> None:
    for name in _key_user_grants(tf, "data-factory-key-identity"):
        del tf["resource"]["azurerm_role_assignment"][name]


def _let_the_lake_undo_its_key(tf: dict[str, Any], env: Environment) -> None:
    if tf["resource"].get("azurerm_storage_account_customer_managed_key"):
        for account in tf["resource"]["azurerm_storage_account"].values():
            account["lifecycle"]["ignore_changes"] = ["network_rules"]


def _close_the_vault_to_trusted_services(tf: dict[str, Any], env: Environment) -> None:
    for vault in tf["resource"].get("azurerm_key_vault", {}).values():
        vault["network_acls"]["bypass"] = "None"


def _leave_the_workspace_unprepared(tf: dict[str, Any], env: Environment) -> None:
    for workspace in tf["resource"]["azurerm_databricks_workspace"].values():
        workspace.pop("customer_managed_key_enabled", None)


def _detach_the_factory_s_key_identity(tf: dict[str, Any], env: Environment) -> None:
    for factory in tf["resource"]["azurerm_data_factory"].values():
        if factory.get("customer_managed_key_identity_id"):
            factory["identity"]["identity_ids"] = [
                i
                for i in factory["identity"]["identity_ids"]
                if i != factory["customer_managed_key_identity_id"]
            ]


def _set_the_ip_list_in_the_workloads_stack(env: Environment) -> Environment:
    """The list and its conf where they were before: set by the last stack."""
    stacks = copy.deepcopy(dict(env.stacks))
    source, target = stacks[f"{env.name}-databricks"], stacks[f"{env.name}-workloads"]
    for kind in ("databricks_workspace_conf", "databricks_ip_access_list"):
        target["resource"].setdefault(kind, {}).update(source["resource"].pop(kind, {}))
    return Environment(env.name, stacks, env.manifest_dependencies)


def _leave_ip_access_lists_off(tf: dict[str, Any], env: Environment) -> None:
    for conf in tf["resource"].get("databricks_workspace_conf", {}).values():
        conf["custom_config"].pop("enableIpAccessLists", None)


def _disable_the_allow_list(tf: dict[str, Any], env: Environment) -> None:
    for allow in tf["resource"].get("databricks_ip_access_list", {}).values():
        allow["enabled"] = False


def _send_the_list_through_another_workspace_s_provider(
    tf: dict[str, Any], env: Environment
) -> None:
    tf["provider"]["databricks"].append(
        {"alias": "other", "host": "https://adb-1234567890123456.7.azuredatabricks.net"}
    )
    for kind in ("databricks_ip_access_list", "databricks_workspace_conf"):
        for body in tf["resource"].get(kind, {}).values():
            body["provider"] = "databricks.other"


def _forget_the_nat_gateway_s_address(tf: dict[str, Any], env: Environment) -> None:
    for allow in tf["resource"].get("databricks_ip_access_list", {}).values():
        allow["ip_addresses"] = [a for a in allow["ip_addresses"] if "${" not in a]


def _configure_the_provider_from_another_workspace(tf: dict[str, Any], env: Environment) -> None:
    for provider in tf.get("provider", {}).get("databricks", []):
        provider["host"] = "https://adb-1234567890123456.7.azuredatabricks.net"


def _drop_firewall_rule(key: str) -> Callable[..., Any]:
    """Removes the firewall's allow rule of one requirement (vocabulary/egress.py)."""

    def breakage(tf: dict[str, Any], env: Environment) -> None:
        for group in (
            tf["resource"].get("azurerm_firewall_policy_rule_collection_group", {}).values()
        ):
            for kind in ("network", "application"):
                for collection in group.get(f"{kind}_rule_collection", []):
                    collection["rule"] = [r for r in collection["rule"] if r["name"] != key]

    breakage.__name__ = f"_drop_the_{key.replace('-', '_')}_rule"
    return breakage


def _narrow_the_control_plane_ports(tf: dict[str, Any], env: Environment) -> None:
    for group in tf["resource"].get("azurerm_firewall_policy_rule_collection_group", {}).values():
        for collection in group.get("network_rule_collection", []):
            for rule in collection["rule"]:
                if rule["name"] == "control-plane":
                    rule["destination_ports"] = ["443"]


def _route_around_the_firewall(tf: dict[str, Any], env: Environment) -> None:
    for table in tf["resource"].get("azurerm_route_table", {}).values():
        for route in table["route"]:
            route["next_hop_type"] = "Internet"
            route.pop("next_hop_in_ip_address", None)


def _trust_it_s_route_table_unread(tf: dict[str, Any], env: Environment) -> None:
    for table in tf.get("data", {}).get("azurerm_route_table", {}).values():
        table.pop("lifecycle", None)


def _misspell_a_metric(tf: dict[str, Any], env: Environment) -> None:
    for alert in tf["resource"].get("azurerm_monitor_metric_alert", {}).values():
        for criteria in alert["criteria"]:
            criteria["metric_name"] = criteria["metric_name"] + "s"


def _filter_on_a_dimension_it_lacks(tf: dict[str, Any], env: Environment) -> None:
    for alert in tf["resource"].get("azurerm_monitor_metric_alert", {}).values():
        for criteria in alert["criteria"]:
            criteria["dimension"] = [{"name": "StatusCode", "operator": "Include", "values": ["1"]}]


def _notify_nobody(tf: dict[str, Any], env: Environment) -> None:
    for alert in tf["resource"].get("azurerm_monitor_scheduled_query_rules_alert_v2", {}).values():
        alert["action"] = {"action_groups": []}


def _send_the_budget_elsewhere(tf: dict[str, Any], env: Environment) -> None:
    for budget in tf["resource"].get("azurerm_consumption_budget_resource_group", {}).values():
        for notification in budget["notification"]:
            notification["contact_groups"] = ["/subscriptions/x/actionGroups/someone-else"]


BREAKAGES: dict[str, list[tuple[str, Callable[..., Any]]]] = {
    "alert-metric-exists": [
        ("platform", _misspell_a_metric),
        ("ingestion", _filter_on_a_dimension_it_lacks),
    ],
    "alerts-reach-the-action-group": [
        ("platform", _notify_nobody),
        ("platform", _send_the_budget_elsewhere),
    ],
    "firewall-allows-control-plane": [
        ("network", _drop_firewall_rule("control-plane")),
        ("network", _narrow_the_control_plane_ports),
    ],
    "firewall-allows-metastore": [("network", _drop_firewall_rule("metastore"))],
    "firewall-allows-artifact-storage": [("network", _drop_firewall_rule("artifact-storage"))],
    "firewall-allows-event-hub": [("network", _drop_firewall_rule("event-hub"))],
    "firewall-allows-package-index": [("network", _drop_firewall_rule("package-index"))],
    "databricks-egress-through-the-firewall": [
        ("network", _route_around_the_firewall),
        ("network", _trust_it_s_route_table_unread),
    ],
    "provider-accepts-values": [("platform", _ask_for_a_vault_sku_azurerm_refuses)],
    "cmk-cannot-be-deleted": [
        ("platform", _let_a_key_be_destroyed),
        ("platform", _let_the_key_vault_be_purged),
    ],
    "cmk-key-accepted": [
        ("platform", _make_a_small_key),
        ("platform", _make_a_key_that_cannot_wrap),
        ("platform", _notify_after_the_key_expires),
        ("platform", _give_the_factory_a_3072_bit_key),
    ],
    "cmk-key-id-form": [
        ("databricks", _give_the_workspace_a_literal_key),
        ("platform", _pin_the_lake_to_one_key_version),
    ],
    "cmk-consumers-hold-their-key": [
        ("platform", _revoke_the_lake_s_key),
        ("databricks-keys", _forget_the_disk_encryption_set),
        ("platform", _revoke_the_factory_s_key),
        ("platform", _grant_the_services_key_to_another_principal),
        ("platform", _configure_no_application),
    ],
    "cmk-settings-azure-accepts": [
        ("platform", _let_the_lake_undo_its_key),
        ("platform", _close_the_vault_to_trusted_services),
        ("databricks", _leave_the_workspace_unprepared),
        ("ingestion", _detach_the_factory_s_key_identity),
    ],
    "stack-deploys-by-name": [("", _add_manifest_dependency)],
    "contract-read-is-published": [("platform", _read_an_unpublished_output)],
    "resource-providers-registered": [("databricks", _forget_compute)],
    "dbt-task-as-documented": [
        ("workloads", _give_the_dbt_task_a_profiles_directory),
        ("workloads", _loosen_the_dbt_pin),
    ],
    "job-cluster-without-autotermination": [
        ("workloads", _apply_the_policy_defaults_to_the_job_cluster)
    ],
    "workspace-objects-have-permissions": [
        ("workloads", _drop_the_warehouse_permissions),
        ("workloads", _leave_personal_compute_open),
    ],
    "job-run-as-can-use-compute": [("workloads", _take_the_run_as_off_the_warehouse)],
    "secret-scope-vault-readable": [
        ("platform", _drop_the_key_vault_access_policies),
        ("platform", _put_the_scope_vault_back_on_rbac),
    ],
    "vault-secrets-have-writers": [("platform", _drop_the_secret_writers)],
    "pipeline-web-calls-in-managed-network": [("ingestion", _call_the_job_from_the_public_runtime)],
    "pipeline-starts-job-with-least-privilege": [
        ("ingestion", _drop_the_workspace_endpoint),
        ("ingestion", _make_the_factory_workspace_contributor),
        ("ingestion", _authenticate_with_the_factory_identity),
        ("workloads", _take_the_pipeline_identity_off_the_job),
    ],
    "layer-containers-hold-their-schemas": [
        ("unity-catalog", _keep_the_gold_layer_in_the_catalog_root),
        ("unity-catalog", _put_a_schema_outside_the_locations),
    ],
    "databricks-subnets-have-egress": [("network", _take_away_the_egress)],
    "public-workspace-limited-where-it-opens": [
        ("", _set_the_ip_list_in_the_workloads_stack),
        ("databricks", _leave_ip_access_lists_off),
        ("databricks", _configure_the_provider_from_another_workspace),
        ("databricks", _disable_the_allow_list),
        ("databricks", _send_the_list_through_another_workspace_s_provider),
    ],
    "public-workspace-allows-its-clusters": [
        ("databricks", _forget_the_nat_gateway_s_address),
    ],
    "private-workspace-has-private-storage": [
        ("databricks", _open_the_workspace_storage),
        ("databricks", _drop_the_workspace_storage_endpoints),
    ],
    "unity-catalog-securables-bound": [
        ("unity-catalog", _open_the_catalog),
        ("unity-catalog", _let_another_workspace_write_the_catalog),
        ("unity-catalog", _unbind_the_locations),
    ],
    "serverless-reaches-the-lake": [
        ("unity-catalog", _unbind_the_ncc),
        ("unity-catalog", _drop_the_blob_rule),
    ],
    "job-started-once": [("workloads", _schedule_the_started_job)],
    "no-replacement-fed-at-apply": [
        ("databricks", _look_the_workspace_storage_up_after_the_workspace),
        ("databricks", _name_a_role_assignment_scope_by_the_clock),
    ],
    "storage-data-plane-not-awaited": [
        ("platform", _await_the_storage_data_plane),
        ("platform", _create_a_container_through_the_data_plane),
    ],
    "private-endpoint-dns": [
        ("platform", _drop_a_dns_zone_group),
        ("platform", _register_in_the_wrong_zone),
    ],
}


def broken(env: Environment, kind: str, breakage: Callable[..., Any]) -> Environment:
    """A deep copy of env with breakage applied to its stack of that kind (or to env itself)."""
    if not kind:
        result = breakage(env)
        assert isinstance(result, Environment)
        return result
    stacks = copy.deepcopy(dict(env.stacks))
    breakage(stacks[f"{env.name}-{kind}"], env)
    return Environment(env.name, stacks, env.manifest_dependencies)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_each_rule_fails_on_a_broken_copy_of_a_shipped_stack(deployments, variants, rule):
    assert rule.id in BREAKAGES, f"add a breakage for {rule.id} to BREAKAGES"
    for kind, breakage in BREAKAGES[rule.id]:
        every = [*deployments.values(), *variants.values()]
        candidates = [e for e in every if not kind or e.stack(kind)]
        assert candidates, f"no shipped environment has a {kind} stack"
        # The breakage may need more than the stack it edits (a job that a pipeline starts):
        # it must be noticed in at least one shipped environment.
        found = [check(broken(e, kind, breakage), [rule]) for e in candidates]
        assert any(found), f"{rule.id} did not notice {breakage.__name__}"
        assert {v.rule for violations in found for v in violations} == {rule.id}


def test_rules_have_unique_ids_a_source_and_a_link():
    every = [*RULES, *ACCOUNT_RULES]  # per environment, and across the scopes of a synthesis
    assert ACCOUNT_RULES and all(r.across for r in ACCOUNT_RULES)
    assert len({r.id for r in every}) == len(every)
    for r in every:
        assert r.requirement.endswith(".") and r.source, r.id
        assert r.url.startswith("https://"), r.id


def test_docs_list_every_rule_with_its_source():
    from policy.rules_doc import markdown_table

    text = (REPO_ROOT / "docs" / "deployment.md").read_text()
    assert markdown_table() in text, "docs/deployment.md's rules are stale: run `make docs`"


def test_docs_list_the_rights_each_stack_needs_as_the_stacks_are(variant_synth):
    from policy.rights import synthesized as stacks_of
    from policy.rights import table

    text = (REPO_ROOT / "docs" / "deployment.md").read_text()
    expected = table(stacks_of(variant_synth[0]))
    assert expected in text, "docs/deployment.md's rights are stale: `make docs`"


def test_a_fourth_environment_leaves_the_rights_table_as_it_is(variant_synth, synthesized):
    """The table names options, not environments: a copy of each environment's stacks under a
    new name changes no row, no footnote and no state prefix, whether the copy has every option
    on (as the table's variants) or the options its config has (as a shipped environment)."""
    from policy.rights import synthesized as stacks_of
    from policy.rights import table

    variants = stacks_of(variant_synth[0])
    expected = table(variants)
    for stacks in (variants, synthesized.stacks):
        scopes = {s.split("-", 1)[0] for s in stacks if not s.endswith("-account")}
        for scope in sorted(scopes):
            copies = {
                "zz" + stack.removeprefix(scope): json.loads(
                    json.dumps(tf).replace(f"{scope}/", "zz/").replace(f"-{scope}-", "-zz-")
                )
                for stack, tf in stacks.items()
                if stack.startswith(f"{scope}-")
            }
            assert table({**variants, **copies}) == expected, scope


def test_rights_follow_what_a_stack_deploys(synthesized):
    from policy.rights import rights

    stack = copy.deepcopy(
        next(tf for s, tf in synthesized.stacks.items() if s.endswith("-platform"))
    )
    roles = {r.role for r in rights(stack, it_network=False)}
    assert "Contributor" in roles
    # A role assignment needs the right to assign roles, unconstrained; a vault with access
    # policies needs Owner or User Access Administrator (changing the permission model).
    stack["resource"]["azurerm_role_assignment"] = {"x": {"scope": "s"}}
    vault = next(iter(stack["resource"]["azurerm_key_vault"].values()))
    vault["rbac_authorization_enabled"] = False
    roles = {r.role for r in rights(stack, it_network=False)}
    assert any(r.startswith("User Access Administrator, or Role Based") for r in roles)
    assert "Owner or User Access Administrator" in roles
    assert "Private DNS Zone Contributor" not in roles
    # In IT's network: the subnet join and the zones' records are IT's to grant.
    in_it = {(r.role, r.scope) for r in rights(stack, it_network=True)}
    assert ("Private DNS Zone Contributor", "IT's private DNS zones") in in_it
    assert ("Network Contributor", "IT's VNet (and its route table)") in in_it


def test_no_account_object_has_two_owners_across_the_synthesis(deployments, synthesized):
    from policy.rules import check_across

    accounts = as_environments(
        synthesized.outdir, {a: (s,) for a, s in synthesized.account_stack_ids.items()}
    )
    assert check_across([*deployments.values(), *accounts.values()]) == []


def test_a_firewall_routed_environment_without_a_network_policy_is_a_violation(
    deployments, synthesized
):
    """Serverless egress restricted where classic egress is (dev and prod), and a binding to a
    policy no account scope restricts is refused."""
    from policy.rules import check_across

    accounts = as_environments(
        synthesized.outdir, {a: (s,) for a, s in synthesized.account_stack_ids.items()}
    )
    routed = [
        e
        for e in deployments.values()
        if e.stack("unity-catalog") and any(e.resources("azurerm_subnet_route_table_association"))
    ]
    assert {e.name for e in routed} >= {"dev", "prod"}
    for env in routed:
        stacks = copy.deepcopy(dict(env.stacks))
        options = stacks[f"{env.name}-unity-catalog"]["resource"]
        assert options.pop("databricks_workspace_network_option")
        others = [e for e in deployments.values() if e is not env]
        found = check_across([*others, *accounts.values(), Environment(env.name, stacks)])
        assert [(v.rule, v.stack) for v in found] == [
            ("serverless-egress-restricted", f"{env.name}-databricks")
        ], found
    # A binding to a policy that is not restricted (or not declared) is refused too.
    env = routed[0]
    account = copy.deepcopy(dict(next(iter(accounts.values())).stacks))
    for policy in next(iter(account.values()))["resource"][
        "databricks_account_network_policy"
    ].values():
        policy["egress"]["network_access"]["restriction_mode"] = "FULL_ACCESS"
    found = check_across([*deployments.values(), Environment("mdp", account)])
    assert {v.rule for v in found} == {"serverless-egress-restricted"}
    assert {v.stack for v in found} >= {f"{e.name}-unity-catalog" for e in routed}


def test_an_account_object_created_by_two_stacks_is_a_violation(deployments):
    """The state of affairs before the account scope: mdp-analysts in dev's and prod's state."""
    from policy.rules import check_across

    first, second = list(deployments.values())[:2]
    stacks = copy.deepcopy(dict(second.stacks))
    uc = stacks[f"{second.name}-unity-catalog"]
    groups = uc["resource"]["databricks_group"]
    first_groups = first.stacks[f"{first.name}-unity-catalog"]["resource"]["databricks_group"]
    taken = next(g["display_name"] for g in first_groups.values() if "for_each" not in g)
    groups["copied"] = {"display_name": taken, "provider": "databricks.account"}
    violations = check_across([first, Environment(second.name, stacks)])
    assert {v.rule for v in violations} == {"account-object-has-one-owner"}
    assert {v.stack for v in violations} == {
        f"{first.name}-unity-catalog",
        f"{second.name}-unity-catalog",
    }
    # The advice fits the object: an environment's admin group is renamed, not shared.
    advice = {v.address.split(".")[1].split("_")[0]: v.message for v in violations}
    assert "rename unity_catalog.admin_group" in advice["principals"]
    assert "in config/accounts/" in advice["copied"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_a_serverless_variant_binds_the_ncc_and_has_its_lake_endpoints_approved(variants, env):
    uc = variants[env].stacks[f"{env}-unity-catalog"]
    (ncc,) = uc["data"]["databricks_mws_network_connectivity_config"].values()
    assert ncc["name"] == "ncc-mdp-westeurope" and ncc["provider"] == "databricks.account"
    (binding,) = uc["resource"]["databricks_mws_ncc_binding"].values()
    assert "workspace_id" in binding["workspace_id"]
    rules = uc["resource"]["databricks_mws_ncc_private_endpoint_rule"].values()
    assert sorted(r["group_id"] for r in rules) == ["blob", "dfs"]
    approvals = uc["output"]["private-endpoint-approvals"]["value"]
    assert len(approvals) == 2
    assert all("lake_storage_account_id" in a["target_resource_id"] for a in approvals)
    assert all("endpoint_name" in a["private_endpoint_name"] for a in approvals)


def _storage_endpoints_first(tf: dict[str, Any], env: Environment) -> None:
    """databricks.private_workspace_storage: endpoints (the first of two deploys)."""
    workspace = _first(tf["resource"]["azurerm_databricks_workspace"])
    workspace.pop("default_storage_firewall_enabled", None)
    workspace.pop("access_connector_id", None)


def test_the_first_of_the_two_storage_firewall_deploys_passes_its_rule(deployments):
    (rule,) = [r for r in RULES if r.id == "private-workspace-has-private-storage"]
    private = [
        e
        for e in deployments.values()
        if any(
            w.get("public_network_access_enabled") is False
            for _, _, w in e.resources("azurerm_databricks_workspace")
        )
    ]
    assert private, "no shipped private workspace"
    for env in private:
        assert check(broken(env, "databricks", _storage_endpoints_first), [rule]) == []
        # Without its endpoints it is an open storage account again.
        both = broken(
            broken(env, "databricks", _storage_endpoints_first),
            "databricks",
            _drop_the_workspace_storage_endpoints,
        )
        assert check(both, [rule]), env.name
