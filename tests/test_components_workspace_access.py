"""Workspace object permissions, group entitlements and the Personal Compute policy."""

from __future__ import annotations

import pytest

from tests.helpers import data_sources, only, resources
from tests.test_components_unity_catalog import synth


def permissions(object_type: str, *grants):
    from components.workspace_access import ObjectPermissions, ObjectPermissionsProps

    props = ObjectPermissionsProps(object_type=object_type, object_id="obj", grants=tuple(grants))
    return only(
        synth(lambda s, _: ObjectPermissions(s, "p", props=props)), "databricks_permissions"
    )


def test_permissions_name_the_object_and_each_principal_once_at_its_highest_level():
    from components.workspace_access import AccessGrant

    body = permissions(
        "sql_warehouse",
        AccessGrant(principal="analysts", level="CAN_USE"),
        AccessGrant(principal="analysts", level="CAN_MANAGE"),
        AccessGrant(principal="0000-app", level="CAN_USE", service_principal=True),
    )
    assert body["sql_endpoint_id"] == "obj"
    assert body["access_control"] == [
        {"permission_level": "CAN_USE", "service_principal_name": "0000-app"},
        {"group_name": "analysts", "permission_level": "CAN_MANAGE"},
    ]
    job = permissions("job", AccessGrant(principal="eng", level="CAN_MANAGE_RUN"))
    assert job["job_id"] == "obj" and "sql_endpoint_id" not in job


@pytest.mark.parametrize(
    ("object_type", "level", "message"),
    [
        ("cluster_policy", "CAN_MANAGE", "not a cluster_policy permission; allowed: CAN_USE"),
        ("job", "CAN_USE", "allowed: CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE"),
        ("notebook", "CAN_READ", "object_type 'notebook'; allowed: cluster_policy"),
    ],
)
def test_fails_if_a_level_is_not_one_the_object_type_has(object_type, level, message):
    from components.workspace_access import AccessGrant

    with pytest.raises(ValueError, match=message):
        permissions(object_type, AccessGrant(principal="eng", level=level))


def test_entitlements_are_exact_and_unknown_ones_are_refused():
    from components.workspace_access import GroupEntitlements, GroupEntitlementsProps

    def build(granted):
        props = GroupEntitlementsProps(entitlements={"mdp analysts": granted})
        return synth(lambda s, _: GroupEntitlements(s, "e", props=props))

    tf = build(("databricks_sql_access",))
    entitlements = only(tf, "databricks_entitlements")
    assert entitlements["databricks_sql_access"] is True
    assert entitlements["workspace_access"] is False
    assert entitlements["allow_cluster_create"] is False
    (group,) = data_sources(tf, "databricks_group")
    assert group["display_name"] == "mdp analysts"
    assert entitlements["group_id"].startswith("${data.databricks_group.")
    with pytest.raises(ValueError, match="unknown entitlement"):
        build(("cluster_create",))


def test_personal_compute_is_only_for_the_admin_group_and_the_named_groups():
    from components.workspace_access import PersonalComputeAccess, PersonalComputeAccessProps

    props = PersonalComputeAccessProps(groups=("eng",), admin_group="admins")
    tf = synth(lambda s, _: PersonalComputeAccess(s, "pc", props=props))
    (policy,) = data_sources(tf, "databricks_cluster_policy")
    assert policy["name"] == "Personal Compute"
    body = only(tf, "databricks_permissions")
    assert body["cluster_policy_id"].startswith("${data.databricks_cluster_policy.")
    assert {a["group_name"] for a in body["access_control"]} == {"admins", "eng"}
    assert resources(tf, "databricks_cluster_policy") == []
