"""The rehearsal provider's behaviour, without Terraform: it plans and applies as the pinned
providers do (rehearsal/schema_provider.py, with what rehearsal/behaviour.py hands it).

Each test states one thing the real providers do that Terraform's own mock providers do not, and
checks it on the functions the plugin runs: an update keeps computed values but plans a new
block's unknown; a changed force-new argument is a replacement; a computed value depends on the
resource's configuration; a value the provider refuses is refused.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from rehearsal import mocks
from rehearsal import schema_provider as provider
from rehearsal.behaviour import behaviour
from rehearsal.plugins import DEFAULT_SCHEMAS
from vocabulary import providers, value_checks

ARM = re.compile(r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/[A-Z]\w+\.\w+/")


class _Attribute:
    """A pb.Schema.Attribute as the plugin reads it, from the schema JSON."""

    def __init__(self, name: str, spec: dict[str, Any]):
        self.name = name
        self.required = spec.get("required", False)
        self.optional = spec.get("optional", False)
        self.computed = spec.get("computed", False)
        self.type = json.dumps(spec["type"]).encode() if "type" in spec else b""
        self._nested = spec.get("nested_type")

    def HasField(self, field: str) -> bool:  # noqa: N802 (protobuf's name)
        return field == "nested_type" and self._nested is not None


class _Block:
    def __init__(self, spec: dict[str, Any]):
        self.attributes = [_Attribute(n, s) for n, s in spec.get("attributes", {}).items()]
        nesting = {"single": 1, "list": 2, "set": 3, "map": 4, "group": 5}
        self.block_types = [
            type(
                "NestedBlock",
                (),
                {
                    "type_name": n,
                    "block": _Block(b["block"]),
                    "nesting": nesting[b["nesting_mode"]],
                },
            )()
            for n, b in spec.get("block_types", {}).items()
        ]


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    with gzip.open(DEFAULT_SCHEMAS, "rt", encoding="utf-8") as stream:
        loaded: dict[str, Any] = json.load(stream)["provider_schemas"]
    return loaded


def schema(schemas: dict[str, Any], type_name: str, kind: str = "resource") -> provider.Schema:
    source = providers.PROVIDER_SOURCES[type_name.split("_", 1)[0]]
    section = "resource_schemas" if kind == "resource" else "data_source_schemas"
    return provider.Schema(_Block(schemas[source][section][type_name]["block"]))


def apply(schemas, type_name: str, planned: dict[str, Any], *, prior=None) -> dict[str, Any]:
    """What the plugin's ApplyResourceChange returns for planned."""
    rules = behaviour(type_name.split("_", 1)[0])
    identifying = tuple(sorted({p.split(".")[0] for p in rules["force_new"].get(type_name, [])}))
    values = provider.Values(
        type_name, planned, {"subscription_id": mocks.SUBSCRIPTION}, identifying
    )
    spec = rules["resources"].get(type_name, {})
    block = schema(schemas, type_name)
    if prior is None:  # a create: Terraform proposes every attribute, the plan makes unknowns
        proposed = {name: planned.get(name) for name in block.attributes}
        proposed |= {name: planned.get(name, []) for name in block.blocks}
        planned = provider.plan_create(block, proposed)
    return provider.fill(block, planned, spec, values, reread=prior is not None)


def _workspace(**arguments: Any) -> dict[str, Any]:
    return {
        "name": "dbw-mdp-prod",
        "resource_group_name": "rg-mdp-prod",
        "location": "westeurope",
        "sku": "premium",
        "managed_resource_group_name": "rg-mdp-prod-dbw-managed",
        "custom_parameters": [{"no_public_ip": True, "virtual_network_id": "vnet"}],
        **arguments,
    }


def test_a_create_plans_every_computed_value_unknown(schemas):
    planned = provider.plan_create(
        schema(schemas, "azurerm_storage_account"),
        {"name": "stlake", "identity": [{"type": "SystemAssigned", "principal_id": None}]},
    )
    assert planned["id"] is provider.UNKNOWN
    assert planned["primary_dfs_endpoint"] is provider.UNKNOWN
    assert planned["identity"][0]["principal_id"] is provider.UNKNOWN
    assert planned["identity"][0]["type"] == "SystemAssigned"


def test_an_update_keeps_computed_values_and_marks_nothing_unknown(schemas):
    """terraform-plugin-sdk v2 marks computed values unknown on create only: an identity given
    to an existing account by an update plans its principal null (so a grant reading it fails
    as "Missing required argument"), and a workspace given its keys plans its identities []."""
    lake = schema(schemas, "azurerm_storage_account")
    prior = {"name": "stlake", "id": "/id", "identity": []}
    proposed = {**prior, "identity": [{"type": "SystemAssigned", "principal_id": None}]}
    planned = provider.plan_update(lake, prior, proposed)
    assert planned["id"] == "/id"
    assert planned["identity"][0]["principal_id"] is None
    # An argument the configuration leaves unset keeps the zero value the SDK wrote.
    assert provider.plan_update(lake, {**prior, "edge_zone": ""}, prior)["edge_zone"] == ""
    workspace = schema(schemas, "azurerm_databricks_workspace")
    before = _workspace(managed_disk_identity=[], storage_account_identity=[])
    after = {**before, "managed_disk_cmk_key_vault_key_id": "https://kv/keys/k/1"}
    assert provider.plan_update(workspace, before, after)["managed_disk_identity"] == []
    # ... and the apply reads them again, as the provider's Read after Update does.
    applied = apply(schemas, "azurerm_databricks_workspace", after, prior=before)
    assert applied["managed_disk_identity"][0]["principal_id"]
    assert applied["disk_encryption_set_id"].endswith(
        "/resourceGroups/rg-mdp-prod-dbw-managed/providers/Microsoft.Compute/"
        f"diskEncryptionSets/{applied['disk_encryption_set_id'].rsplit('/', 1)[1]}"
    )
    assert applied["storage_account_identity"] == []  # customer_managed_key_enabled is not set


def test_a_workspace_without_keys_has_no_key_identities(schemas):
    created = apply(schemas, "azurerm_databricks_workspace", _workspace())
    assert created["managed_disk_identity"] == []
    assert created["storage_account_identity"] == []
    assert created["disk_encryption_set_id"] == ""
    keyed = apply(
        schemas,
        "azurerm_databricks_workspace",
        _workspace(customer_managed_key_enabled=True, managed_disk_cmk_key_vault_key_id="k"),
    )
    assert keyed["storage_account_identity"][0]["type"] == "SystemAssigned"
    assert (
        keyed["managed_disk_identity"][0]["principal_id"]
        != (keyed["storage_account_identity"][0]["principal_id"])
    )
    assert keyed["workspace_url"] == f"adb-{keyed['workspace_id']}.7.azuredatabricks.net"


def test_a_changed_force_new_argument_is_a_replacement_and_a_zero_value_is_not(schemas):
    lake = schema(schemas, "azurerm_storage_account")
    force_new = list(providers.force_new("azurerm_storage_account"))
    prior = {"name": "stmdpprodlake01", "is_hns_enabled": True, "access_tier": "Hot"}
    assert provider.replace_paths(lake, prior, {**prior, "access_tier": "Cool"}, force_new) == []
    renamed = {**prior, "name": "stmdpprodlake02"}
    assert provider.replace_paths(lake, prior, renamed, force_new) == [("name",)]
    # The SDK reads unset as the zero value: null and "" are no change.
    assert (
        provider.replace_paths(
            lake, {**prior, "edge_zone": ""}, {**prior, "edge_zone": None}, force_new
        )
        == []
    )
    # Nested: a list block's element, by index; an unknown new value replaces too.
    workspace = schema(schemas, "azurerm_databricks_workspace")
    ws_new = list(providers.force_new("azurerm_databricks_workspace"))
    before = _workspace()
    moved = _workspace(custom_parameters=[{"no_public_ip": True, "virtual_network_id": "v2"}])
    assert provider.replace_paths(workspace, before, moved, ws_new) == [
        ("custom_parameters", 0, "virtual_network_id")
    ]
    later = _workspace(managed_resource_group_name=provider.UNKNOWN)
    assert ("managed_resource_group_name",) in provider.replace_paths(
        workspace, before, later, ws_new
    )


def test_a_customize_diff_replacement_follows_its_condition():
    rules = behaviour("azurerm")["conditional_replacements"]
    storage = rules["azurerm_storage_account"]
    replaced = provider.conditional_replacements
    lrs = {"account_replication_type": "LRS", "account_kind": "StorageV2"}
    assert replaced(storage, lrs, {**lrs, "account_replication_type": "ZRS"}) == [
        ("account_replication_type",)
    ]
    assert replaced(storage, lrs, {**lrs, "account_replication_type": "GRS"}) == []
    assert replaced(storage, lrs, {**lrs, "account_kind": "BlobStorage"}) == [("account_kind",)]
    assert replaced(storage, {**lrs, "account_kind": "Storage"}, lrs) == []
    workspace = rules["azurerm_databricks_workspace"]
    assert replaced(workspace, {"sku": "premium"}, {"sku": "trial"}) == [("sku",)]
    assert replaced(workspace, {"sku": "trial"}, {"sku": "premium"}) == []
    profile = {"compliance_security_profile_standards": ["HIPAA", "PCI_DSS"]}
    fewer = {"compliance_security_profile_standards": ["HIPAA"]}
    esc = "enhanced_security_compliance"
    assert replaced(workspace, {esc: [profile]}, {esc: [fewer]}) == [(esc,)]
    assert replaced(workspace, {esc: [fewer]}, {esc: [profile]}) == []
    for type_name, found in providers.CONDITIONAL_REPLACEMENTS.items():
        for replacement in found:
            assert re.search(r"\.go:\d+", replacement.source), (type_name, replacement)


def test_ids_are_built_from_each_resource_s_own_configuration(schemas):
    vault = apply(
        schemas, "azurerm_key_vault", {"name": "kv-mdp-prod-plat-01", "resource_group_name": "rg"}
    )
    assert ARM.match(vault["id"]) and vault["id"].endswith("/vaults/kv-mdp-prod-plat-01")
    assert vault["vault_uri"] == "https://kv-mdp-prod-plat-01.vault.azure.net/"
    key = apply(
        schemas,
        "azurerm_key_vault_key",
        {"name": "cmk-lake", "key_vault_id": vault["id"], "key_type": "RSA", "key_size": 3072},
    )
    assert (
        key["id"] == f"https://kv-mdp-prod-plat-01.vault.azure.net/keys/cmk-lake/{key['version']}"
    )
    assert key["resource_versionless_id"] == f"{vault['id']}/keys/cmk-lake"
    one, other = (
        apply(schemas, "azurerm_storage_account", {"name": name, "resource_group_name": "rg"})
        for name in ("stlakeone", "stlaketwo")
    )
    assert one["id"] != other["id"] and one["id"].endswith("/storageAccounts/stlakeone")
    assert one["primary_dfs_endpoint"] == "https://stlakeone.dfs.core.windows.net/"
    assert one["identity"] == []  # none asked for: no principal invented
    grants = [
        apply(
            schemas,
            "azurerm_role_assignment",
            {"scope": vault["id"], "principal_id": principal, "role_definition_name": "Reader"},
        )
        for principal in ("p1", "p2")
    ]
    assert grants[0]["id"] != grants[1]["id"] and grants[0]["id"].startswith(vault["id"])
    assert grants[0]["id"].endswith(grants[0]["name"])


def test_a_public_ip_s_address_is_its_own_and_only_with_static_allocation(schemas):
    """public_ip_resource.go:451: the address Azure assigned to that resource; Dynamic ones
    have none until attached. The NAT gateway's goes into the sandbox's IP access list."""
    nat, other, dynamic = (
        apply(
            schemas,
            "azurerm_public_ip",
            {"name": name, "resource_group_name": "rg", "allocation_method": method},
        )
        for name, method in (("pip-nat", "Static"), ("pip-other", "Static"), ("pip-d", "Dynamic"))
    )
    assert re.fullmatch(r"20\.61\.0\.\d{1,3}", nat["ip_address"])
    assert nat["ip_address"] != other["ip_address"]
    assert dynamic["ip_address"] == ""


@pytest.mark.parametrize(
    ("type_name", "values"),
    sorted(mocks.AZURERM_RESOURCES.items()),
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_azure_ids_are_arm_ids_of_their_resource_type(type_name, values):
    parents = {
        name: f"/subscriptions/{mocks.SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.X/y/"
        + name.replace("_", "-")
        for name in (
            "storage_account_id",
            "data_factory_id",
            "subnet_id",
            "key_vault_id",
            "scope",
            "target_resource_id",
            "workspace_id",
            "nat_gateway_id",
            "public_ip_address_id",
            "firewall_policy_id",
        )
    }
    state = {
        "name": "thing",
        "resource_group_name": "rg",
        "virtual_network_name": "vnet",
        "private_dns_zone_name": "privatelink.dfs.core.windows.net",
        "managed_resource_group_name": "rg-managed",
        "object_id": "00000000-0000-0000-0000-000000000001",
        "resource_group_id": f"/subscriptions/{mocks.SUBSCRIPTION}/resourceGroups/rg",
        **parents,
    }
    rendered = provider.Values(type_name, state, {"subscription_id": mocks.SUBSCRIPTION}).resolve(
        values["id"], "id"
    )
    assert "{" not in rendered, (type_name, rendered)
    if type_name == "azurerm_key_vault_key":  # a data-plane id; its ARM ids beside it
        assert re.fullmatch(r"https://[a-z0-9-]+\.vault\.azure\.net/keys/[^/]+/\w+", rendered)
        return
    assert ARM.match(rendered), (type_name, rendered)


def test_databricks_ids_the_stacks_turn_into_numbers_are_numeric():
    for type_name in ("databricks_group", "databricks_service_principal", "databricks_job"):
        spec = mocks.DATABRICKS_RESOURCES[type_name]["id"]
        rendered = provider.Values(type_name, {"display_name": "x"}, {}).resolve(spec, "id")
        assert rendered.isdigit() and len(rendered) == 16, (type_name, rendered)


def test_refused_values_are_refused_in_the_provider_s_words(tmp_path, monkeypatch):
    checks = behaviour("azurerm")["checks"]
    key = {"key_type": "RSA", "rotation_policy": [{"expire_after": "P10D"}]}
    said = dict(value_checks.check_values(checks["azurerm_key_vault_key"], key))
    assert "between P28D and P100Y, got P10D" in said["rotation_policy.expire_after"]
    assert not list(
        value_checks.check_values(
            checks["azurerm_key_vault_key"], {"key_type": provider.UNKNOWN}, provider.is_unknown
        )
    )
    trigger = {"frequency": "Daily", "interval": 0}
    found = dict(
        value_checks.check_values(checks["azurerm_data_factory_trigger_schedule"], trigger)
    )
    assert "to be one of" in found["frequency"] and "range (1 - None)" in found["interval"]
    # A check that applies only where another argument is set (the premium SKU for keys).
    workspace = checks["azurerm_databricks_workspace"]
    assert not list(value_checks.check_values(workspace, {"sku": "standard"}))
    assert list(
        value_checks.check_values(
            workspace, {"sku": "standard", "customer_managed_key_enabled": True}
        )
    )
    # A notebook's source, relative to where Terraform runs.
    notebook = behaviour("databricks")["checks"]["databricks_notebook"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "nb.py").write_text("# Databricks notebook source\n")
    assert not list(value_checks.check_values(notebook, {"source": "assets/nb.py"}))
    ((_, message),) = value_checks.check_values(notebook, {"source": "assets/gone.py"})
    assert message.startswith("File assets/gone.py does not exist")


def test_every_value_check_compiles_and_cites_the_provider_s_line():
    for type_name, checks in providers.VALUE_CHECKS.items():
        for check in checks:
            assert check.kind in value_checks.KINDS, (type_name, check)
            assert re.search(r"\.go(:\d+|$)|\.go:\d+-\d+", check.source), (type_name, check)
            if check.kind == "regex":
                re.compile(check.allowed)


def test_a_required_argument_known_to_be_null_is_missing(schemas):
    grant = schema(schemas, "azurerm_role_assignment")
    assert list(provider.missing_required(grant, {"scope": "s", "principal_id": None})) == [
        ("principal_id",)
    ]
    assert not list(
        provider.missing_required(grant, {"scope": "s", "principal_id": provider.UNKNOWN})
    )


REFERENCE = re.compile(
    r"\$\{[^}]*?\b(?P<data>data\.)?(?P<type>(?:azurerm|databricks)_\w+)\.[\w-]+\.(?P<path>[\w.\[\]\"-]+)"
)


def _computed_only(schemas, type_name: str, path: str, data: bool) -> bool:
    block = schemas[providers.PROVIDER_SOURCES[type_name.split("_", 1)[0]]][
        "data_source_schemas" if data else "resource_schemas"
    ][type_name]["block"]
    for segment in path.split("."):
        if segment in block.get("attributes", {}):
            spec = block["attributes"][segment]
            return bool(spec.get("computed") and not spec.get("optional"))
        if segment not in block.get("block_types", {}):
            return False
        block = block["block_types"][segment]["block"]
    return False


def test_every_computed_only_attribute_a_stack_reads_has_a_value_rule(synth_dir, schemas):
    """A stack that starts reading what only the provider sets needs the value Azure returns
    for it in rehearsal/mocks.py (when and in which shape), or the rehearsal plans with a
    zero value Azure never returns."""
    read: set[tuple[str, str, str]] = set()
    for file in sorted((synth_dir / "stacks").glob("*/cdk.tf.json")):
        for match in REFERENCE.finditer(file.read_text("utf-8")):
            path = ".".join(p for p in re.split(r"\.|\[[^\]]*\]", match["path"]) if p)
            kind = "data" if match["data"] else "resource"
            if _computed_only(schemas, match["type"], path, kind == "data"):
                read.add((kind, match["type"], path))
    assert ("resource", "azurerm_databricks_workspace", "workspace_url") in read
    missing = sorted(
        f"{kind} {type_name}.{path}"
        for kind, type_name, path in read
        if not mocks.has_spec(type_name.split("_", 1)[0], kind, type_name, path)
        and not (kind == "data" and type_name in mocks.READS)
    )
    assert missing == [], "give these a value rule in rehearsal/mocks.py"
    # The check itself: an attribute with no rule is found.
    assert not mocks.has_spec(
        "azurerm", "resource", "azurerm_storage_account", "primary_web_endpoint"
    )
    assert mocks.has_spec(
        "azurerm", "resource", "azurerm_databricks_workspace", "managed_disk_identity.principal_id"
    )


def test_the_behaviour_file_is_what_the_plugin_reads(tmp_path):
    for name in ("azurerm", "databricks"):
        data = behaviour(name)
        assert set(data) >= {"resources", "data_sources", "force_new", "checks"}
        assert all(t.startswith(f"{name}_") for t in data["force_new"])
        json.dumps(data)  # the plugin reads it as JSON
    assert Path(provider.__file__).name == "schema_provider.py"


def test_a_plan_equivalent_to_the_state_is_no_change_as_the_sdk_reads_it():
    """ValuesSDKEquivalent: null, "", 0, false and [] are one value, inside blocks too; the
    provider then answers with the prior state (no update in the plan)."""
    prior = {"name": "x", "edge_zone": "", "blob": [{"versioning_enabled": False, "tags": {}}]}
    planned = {"name": "x", "edge_zone": None, "blob": [{"versioning_enabled": None, "tags": None}]}
    assert not provider.differs(prior, planned, deep=True)
    assert provider.differs(prior, {**planned, "name": "y"}, deep=True)
    assert provider.differs(prior, {**planned, "blob": []}, deep=True)


def test_durations_count_as_the_providers_count_them():
    check = {"attribute": "a", "kind": "duration", "allowed": {"min": "P28D", "max": "P100Y"}}
    assert not value_checks.KINDS["duration"](check, "PT700H")  # 29 days and some hours
    assert value_checks.KINDS["duration"](check, "PT600H")  # 25 days
    assert not value_checks.KINDS["duration"](check, "P29D")
    assert not value_checks.KINDS["duration"](check, "P100Y")
    assert value_checks.KINDS["duration"](check, "P101Y")
    assert value_checks.KINDS["duration"](check, "30 days")
