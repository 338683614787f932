"""components.unity_catalog: principals, metastore, lake storage, catalog, schemas, grants."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from constructs import Construct

from components.unity_catalog import (
    AccountPrincipals,
    AccountPrincipalsProps,
    GroupSpec,
    LakehouseCatalog,
    LakehouseCatalogProps,
    LakeStorage,
    LakeStorageProps,
    MetastoreAttachment,
    MetastoreProps,
    ServicePrincipalSpec,
)
from stacks import providers
from tests.helpers import by_name, data_sources, only, resources

ADMIN = "platform-admins"


def synth(build: Callable[[Construct, Any], Any]) -> dict[str, Any]:
    """One construct in a stack with the workspace and the account providers."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, "test")
    providers.databricks_workspace(
        stack,
        workspace_url="adb-1.1.azuredatabricks.net",
        workspace_resource_id="/subscriptions/x/ws",
    )
    account = providers.databricks_account(stack, account_id="acc")
    build(stack, account)
    return json.loads(CdktfTesting.synth(stack))


def principals(**overrides) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        admin_group=ADMIN,
        groups=(
            GroupSpec(name="engineers"),
            GroupSpec(name="analysts", entra_object_id="oid-1", workspace_permission=None),
        ),
        service_principals=(
            ServicePrincipalSpec(
                name="deployer",
                application_id="app-1",
                workspace_permission="ADMIN",
                platform_admin=True,
            ),
            ServicePrincipalSpec(name="jobs", application_id="app-2"),
        ),
        workspace_id="123",
    )
    values.update(overrides)
    return synth(
        lambda s, account: AccountPrincipals(
            s, "principals", props=AccountPrincipalsProps(**values, account_provider=account)
        )
    )


def test_principals_live_at_account_level():
    tf = principals()
    for kind in (
        "databricks_group",
        "databricks_service_principal",
        "databricks_mws_permission_assignment",
        "databricks_group_member",
    ):
        assert {r["provider"] for r in resources(tf, kind)} == {"databricks.account"}, kind


def test_an_entra_group_is_adopted_by_its_object_id_and_a_new_one_created():
    tf = principals()
    groups = tf["resource"]["databricks_group"]
    created = next(g for k, g in groups.items() if k.startswith("principals_groups_"))
    adopted = next(g for k, g in groups.items() if k.startswith("principals_adopted-groups_"))
    assert created["for_each"] == {"engineers": "engineers"}
    assert "external_id" not in created and "force" not in created
    assert adopted["for_each"] == {"analysts": "oid-1"}
    assert (adopted["external_id"], adopted["force"]) == ("${each.value}", True)


def test_principals_of_a_kind_are_one_resource_keyed_by_name():
    tf = principals(groups=tuple(GroupSpec(name=f"g{i}") for i in range(50)))
    groups = tf["resource"]["databricks_group"]
    assert len(groups) == 2  # the admin group and one for_each over 50
    (each,) = [g for k, g in groups.items() if k.startswith("principals_groups_")]
    assert len(each["for_each"]) == 50 and each["display_name"] == "${each.key}"


def test_workspace_assignments_follow_each_principals_permission():
    tf = principals()
    assignments = tf["resource"]["databricks_mws_permission_assignment"]
    by_kind = {k.split("_")[1]: a for k, a in assignments.items()}
    assert by_kind["workspace-groups"]["for_each"] == {"engineers": "USER"}
    assert "workspace-adopted-groups" not in by_kind  # analysts: workspace_permission None
    assert by_kind["workspace-service-principals"]["for_each"] == {
        "deployer": "ADMIN",
        "jobs": "USER",
    }
    assert by_kind["workspace-service-principals"]["principal_id"].startswith(
        "${databricks_service_principal.principals_service-principals_"
    )
    assert by_kind["workspace-service-principals"]["principal_id"].endswith("[each.key].id}")
    assert by_kind[f"workspace-{ADMIN}"]["permissions"] == ["ADMIN"]


def test_the_adopted_groups_and_their_assignments_are_exposed_for_the_stack():
    # The unity-catalog stack moves them from their former addresses (test_stacks.py).
    from cdktf import TerraformStack
    from cdktf import Testing as CdktfTesting

    app = CdktfTesting.app()
    stack = TerraformStack(app, "test")
    account = providers.databricks_account(stack, account_id="acc")
    built = AccountPrincipals(
        stack,
        "principals",
        props=AccountPrincipalsProps(
            admin_group=ADMIN,
            groups=(
                GroupSpec(name="engineers", entra_object_id="oid-2"),
                GroupSpec(name="analysts", entra_object_id="oid-3", workspace_permission=None),
            ),
            workspace_id="123",
            account_provider=account,
        ),
    )
    assert built.adopted_groups is not None and built.adopted_assignments is not None
    members, group = built.adopted_groups
    assert dict(members) == {"engineers": "oid-2", "analysts": "oid-3"}
    assert stack.get_logical_id(group).startswith("principals_adopted-groups_")
    assigned, _ = built.adopted_assignments
    assert dict(assigned) == {"engineers": "USER"}  # analysts: no workspace permission
    plain = AccountPrincipals(
        stack,
        "plain",
        props=AccountPrincipalsProps(
            admin_group="other-admins",
            groups=(GroupSpec(name="g"),),
            workspace_id="123",
            account_provider=account,
        ),
    )
    assert plain.adopted_groups is None and plain.adopted_assignments is None


def test_only_platform_admins_join_the_admin_group():
    (member,) = resources(principals(), "databricks_group_member")
    assert member["for_each"] == {"deployer": "deployer"}
    assert member["group_id"].startswith("${databricks_group.principals_admin-group_")


def test_a_person_is_looked_up_assigned_and_made_an_admin_never_created():
    """A person deploying from a laptop (`az login`) is a member of the admin group that owns
    what they create; the person is the account's, so Terraform never creates or deletes them."""
    from components.unity_catalog import UserSpec

    tf = principals(
        users=(
            UserSpec(
                user_name="dana@example.com", workspace_permission="ADMIN", platform_admin=True
            ),
            UserSpec(user_name="lee@example.com", workspace_permission=None),
        )
    )
    assert "databricks_user" not in tf.get("resource", {})
    looked_up = {u["user_name"]: u for u in data_sources(tf, "databricks_user")}
    assert set(looked_up) == {"dana@example.com", "lee@example.com"}
    assert all(u["provider"] == "databricks.account" for u in looked_up.values())
    assignments = [
        a
        for a in resources(tf, "databricks_mws_permission_assignment")
        if "user-" in a["principal_id"]
    ]
    (dana,) = assignments
    assert dana["permissions"] == ["ADMIN"] and "user-dana-example-com" in dana["principal_id"]
    members = [m for m in resources(tf, "databricks_group_member") if "user-" in m["member_id"]]
    (member,) = members
    assert "admin-group" in member["group_id"] and "user-dana-example-com" in member["member_id"]


def test_fails_if_a_principal_is_named_twice():
    with pytest.raises(ValueError, match="principal names given twice: jobs"):
        principals(groups=(GroupSpec(name="jobs"),))


def metastore(mode: str, **overrides) -> dict[str, Any]:
    return synth(
        lambda s, account: MetastoreAttachment(
            s,
            "metastore",
            props=MetastoreProps(
                mode=mode,
                region="westeurope",
                workspace_id="123",
                account_provider=account,
                **overrides,
            ),
        )
    )


def test_region_mode_looks_up_the_regions_metastore_and_assigns_it():
    tf = metastore("region")
    (lookup,) = data_sources(tf, "databricks_metastore")
    assert lookup["region"] == "westeurope"
    assignment = only(tf, "databricks_metastore_assignment")
    assert assignment["metastore_id"].startswith("${data.databricks_metastore.")
    assert "databricks_metastore" not in tf.get("resource", {})


def test_id_mode_uses_the_given_metastore():
    assignment = only(metastore("id", metastore_id="ms-1"), "databricks_metastore_assignment")
    assert assignment["metastore_id"] == "ms-1"


def test_an_environment_never_creates_a_metastore():
    with pytest.raises(ValueError, match="the account scope creates metastores"):
        metastore("create")


def test_the_account_scope_creates_a_guarded_metastore():
    from components.unity_catalog import AccountMetastore, AccountMetastoreProps

    tf = synth(
        lambda s, account: AccountMetastore(
            s,
            "metastore",
            props=AccountMetastoreProps(
                name="metastore_westeurope",
                region="westeurope",
                owner=ADMIN,
                account_provider=account,
            ),
        )
    )
    created = only(tf, "databricks_metastore")
    assert (created["name"], created["owner"], created["force_destroy"]) == (
        "metastore_westeurope",
        ADMIN,
        False,
    )
    assert created["lifecycle"]["prevent_destroy"] is True


def test_fails_if_id_mode_has_no_id():
    with pytest.raises(ValueError, match="metastore_id is required with mode id"):
        metastore("id")


CONTAINERS = ("landing", "bronze", "unity-catalog")


def storage(**overrides) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        credential_name="mdp-dev-lake",
        location_names={container: f"mdp-dev-{container}" for container in CONTAINERS},
        access_connector_id="connector-id",
        storage_account_name="stlake",
        containers=CONTAINERS,
        read_only_containers=("landing",),
        owner=ADMIN,
        file_events_resource_group="rg",
        file_events_subscription_id="sub",
        grants={"landing": {"jobs": ("READ_FILES",)}},
    )
    values.update(overrides)
    return synth(lambda s, _: LakeStorage(s, "storage", props=LakeStorageProps(**values)))


def test_every_external_location_uses_the_credential_on_the_access_connector():
    tf = storage()
    credential = only(tf, "databricks_storage_credential")
    assert credential["azure_managed_identity"] == {"access_connector_id": "connector-id"}
    (key,) = tf["resource"]["databricks_storage_credential"]
    locations = by_name(resources(tf, "databricks_external_location"))
    assert set(locations) == {"mdp-dev-landing", "mdp-dev-bronze", "mdp-dev-unity-catalog"}
    for location in locations.values():
        assert location["credential_name"] == f"${{databricks_storage_credential.{key}.name}}"
        assert location["owner"] == ADMIN and location["force_destroy"] is False
        assert location["lifecycle"]["prevent_destroy"] is True
    assert locations["mdp-dev-bronze"]["url"] == "abfss://bronze@stlake.dfs.core.windows.net/"


def test_landing_is_read_only_and_the_others_are_not():
    locations = by_name(resources(storage(), "databricks_external_location"))
    assert locations["mdp-dev-landing"]["read_only"] is True
    assert "read_only" not in locations["mdp-dev-bronze"]


def test_file_events_use_a_managed_queue_and_can_be_turned_off():
    locations = resources(storage(), "databricks_external_location")
    assert all(loc["enable_file_events"] is True for loc in locations)
    assert locations[0]["file_event_queue"] == {
        "managed_aqs": {"resource_group": "rg", "subscription_id": "sub"}
    }
    off = resources(storage(file_events=False), "databricks_external_location")
    assert all(loc["enable_file_events"] is False and "file_event_queue" not in loc for loc in off)


def grants_of(tf: dict[str, Any]) -> list[dict[str, list[str]]]:
    return [
        {g["principal"]: g["privileges"] for g in r["grant"]}
        for r in resources(tf, "databricks_grants")
    ]


def test_every_grant_keeps_the_admin_group_with_all_privileges():
    for grants in grants_of(storage()):
        assert grants[ADMIN] == ["ALL_PRIVILEGES"]
    assert {"jobs": ["READ_FILES"], ADMIN: ["ALL_PRIVILEGES"]} in grants_of(storage())


@pytest.mark.parametrize(
    ("location_names", "message"),
    [
        ({"landing": "a", "bronze": "b"}, r"containers \['unity-catalog'\] have no external"),
        (
            {**{c: c for c in CONTAINERS}, "gold": "g"},
            r"containers \['gold'\] are not among",
        ),
    ],
)
def test_fails_unless_each_container_has_one_location_name(location_names, message):
    with pytest.raises(ValueError, match=message):
        storage(location_names=location_names)


def test_fails_if_a_location_privilege_is_unknown():
    with pytest.raises(ValueError, match="USE_SCHEMA not a external location privilege"):
        storage(grants={"landing": {"jobs": ("USE_SCHEMA",)}})


def catalog(**overrides) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        name="mdp_dev",
        storage_root="abfss://unity-catalog@stlake.dfs.core.windows.net/mdp_dev",
        schemas={"bronze": "bronze", "silver": "silver", "gold": "gold"},
        owner=ADMIN,
        catalog_grants={"analysts": ("USE_CATALOG",)},
        schema_grants={"gold": {"analysts": ("USE_SCHEMA", "SELECT")}},
    )
    values.update(overrides)
    return synth(lambda s, _: LakehouseCatalog(s, "catalog", props=LakehouseCatalogProps(**values)))


def test_catalog_has_its_own_storage_root_and_a_guarded_schema_per_layer():
    tf = catalog()
    cat = only(tf, "databricks_catalog")
    assert cat["storage_root"] == "abfss://unity-catalog@stlake.dfs.core.windows.net/mdp_dev"
    assert (cat["owner"], cat["force_destroy"], cat["lifecycle"]) == (
        ADMIN,
        False,
        {"prevent_destroy": True},
    )
    schemas = by_name(resources(tf, "databricks_schema"))
    assert set(schemas) == {"bronze", "silver", "gold"}
    assert all(s["lifecycle"]["prevent_destroy"] is True for s in schemas.values())


def test_schema_grants_go_only_where_configured():
    tf = catalog()
    by_schema = {
        r.get("schema", "catalog"): {g["principal"]: g["privileges"] for g in r["grant"]}
        for r in resources(tf, "databricks_grants")
    }
    gold = next(v for k, v in by_schema.items() if "gold" in k)
    bronze = next(v for k, v in by_schema.items() if "bronze" in k)
    assert gold["analysts"] == ["SELECT", "USE_SCHEMA"]
    assert bronze == {ADMIN: ["ALL_PRIVILEGES"]}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "MDP-dev"}, "catalog name 'MDP-dev': must be 1-255 lowercase"),
        ({"storage_root": "https://x"}, "must be an abfss:// URL"),
        ({"schema_grants": {"platinum": {"a": ("SELECT",)}}}, "grants for unknown layers"),
        ({"catalog_grants": {"a": ("READ_FILES",)}}, "READ_FILES not a catalog privilege"),
    ],
)
def test_fails_if_catalog_props_are_bad(overrides, message):
    with pytest.raises(ValueError, match=message):
        catalog(**overrides)


def test_an_isolated_catalog_is_bound_to_its_workspace_and_read_only_to_the_named_ones():
    tf = catalog(workspace_id="1111111111111111", read_only_workspaces=("2222222222222222",))
    assert only(tf, "databricks_catalog")["isolation_mode"] == "ISOLATED"
    bindings = {b["workspace_id"]: b for b in resources(tf, "databricks_workspace_binding")}
    assert bindings[1111111111111111]["binding_type"] == "BINDING_TYPE_READ_WRITE"
    assert bindings[2222222222222222]["binding_type"] == "BINDING_TYPE_READ_ONLY"
    assert {b["securable_type"] for b in bindings.values()} == {"catalog"}
    assert "isolation_mode" not in only(catalog(), "databricks_catalog")  # default: open
    with pytest.raises(ValueError, match="read_only_workspaces needs workspace_id"):
        catalog(read_only_workspaces=("2222222222222222",))
    with pytest.raises(ValueError, match="'dev' is not a workspace id"):
        catalog(workspace_id="1111111111111111", read_only_workspaces=("dev",))
