"""`<env>-unity-catalog`: the seed's manual Unity Catalog steps as code (Databricks provider only).

Account level (provider alias `account`): groups and service principals with their workspace
assignments, the metastore (the region's, or a given one; an account scope creates metastores)
and its assignment to the workspace. Workspace level: the storage credential on the access
connector, an external location per lake container, the environment's catalog with its own
storage root, a schema per layer, and grants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cdktf import TerraformOutput, TerraformProvider
from constructs import Construct

from components.serverless import (
    ServerlessLakeAccessProps,
    serverless_egress_policy,
    serverless_lake_access,
)
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
    UserSpec,
)
from platform_config import PlatformConfig
from platform_config.data_contract import (
    LAKE_CONTAINERS,
    READ_ONLY_CONTAINERS,
    UNITY_CATALOG_CONTAINER,
    layers,
)
from stacks import providers
from stacks.base import EnvironmentStack
from vocabulary.platform import APPROVALS_OUTPUT

FORMER_ADOPTED_GROUPS = {
    "databricks_group": "principals_entra-groups_36A5733C",
    "databricks_mws_permission_assignment": "principals_workspace-entra-groups_E5482AE7",
}
"""Where an environment's adopted Entra groups and their workspace assignments were deployed
until an Entra group that several environments share moved to the account scope."""
"""Read by tooling/approve_endpoints.py (the same output name as the ingestion stack's)."""

if TYPE_CHECKING:
    from stacks.databricks import DatabricksOutputs
    from stacks.governance import GovernanceOutputs
    from stacks.platform import PlatformOutputs


@dataclass(frozen=True, kw_only=True)
class UnityCatalogOutputs:
    """What `<env>-unity-catalog` publishes."""

    metastore_id: str
    catalog_name: str
    bronze_schema: str
    silver_schema: str
    gold_schema: str
    landing_url: str
    """abfss:// URL of the landing container (the bronze notebook's landing_path)."""
    storage_credential_name: str


class UnityCatalogStack(EnvironmentStack):
    def __init__(
        self,
        scope: Construct,
        *,
        config: PlatformConfig,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
        governance: GovernanceOutputs | None = None,
    ):
        super().__init__(scope, "unity-catalog", config=config)
        platform = self.read(platform)
        databricks = self.read(databricks)
        governance = self.read(governance) if governance is not None else None
        uc = config.unity_catalog
        assert config.databricks.account_id is not None  # enforced by platform_config.checks
        providers.databricks_workspace(
            self,
            workspace_url=databricks.workspace_url,
            workspace_resource_id=databricks.workspace_resource_id,
        )
        account = providers.databricks_account(self, account_id=config.databricks.account_id)
        admin = config.admin_group_name

        principals = self._principals(databricks, account)
        self._forget_former_adopted_groups(principals)
        metastore = MetastoreAttachment(
            self,
            "metastore",
            props=MetastoreProps(
                mode=uc.metastore.mode,
                region=config.location,
                workspace_id=databricks.workspace_id,
                metastore_id=uc.metastore.id,
                account_provider=account,
            ),
        )
        named = principals.grant_principal

        def by_grant_name(grants: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
            return {named[name]: privileges for name, privileges in grants.items()}

        ready = (metastore.assignment, *principals.dependables)
        storage = LakeStorage(
            self,
            "lake-storage",
            props=LakeStorageProps(
                credential_name=self.names.uc_storage_credential,
                location_names=dict(self.names.uc_external_locations),
                access_connector_id=databricks.access_connector_id,
                storage_account_name=platform.lake.storage_account_name,
                containers=LAKE_CONTAINERS,
                read_only_containers=READ_ONLY_CONTAINERS,
                owner=admin,
                file_events=uc.file_events,
                file_events_resource_group=config.resource_group,
                file_events_subscription_id=config.subscription_id,
                # Isolation: only this environment's workspace reaches its lake.
                workspace_id=databricks.workspace_id,
                grants={
                    container: by_grant_name(grants)
                    for container, grants in uc.grants.external_locations.items()
                },
                depends_on=ready,
            ),
        )
        schemas = uc.schemas.model_dump()
        catalog_name = config.catalog_name
        catalog_grants, schema_grants = self._catalog_grants(named, governance)
        catalog = LakehouseCatalog(
            self,
            "catalog",
            props=LakehouseCatalogProps(
                name=catalog_name,
                storage_root=f"{storage.urls[UNITY_CATALOG_CONTAINER]}{catalog_name}",
                schemas=schemas,
                # The seed's lakehouse pattern: each layer's managed tables in its container.
                schema_storage_roots={
                    layer: f"{storage.urls[layer]}{catalog_name}"
                    for layer in schemas
                    if layer in storage.urls
                },
                owner=admin,
                workspace_id=databricks.workspace_id,
                read_only_workspaces=uc.read_only_workspaces,
                catalog_grants=catalog_grants,
                schema_grants=schema_grants,
                depends_on=(*storage.locations.values(), *ready),
            ),
        )
        if config.databricks.network_connectivity_config:
            self._serverless_lake_access(platform, databricks, account)
        if config.databricks.network_policy:
            serverless_egress_policy(
                self,
                network_policy=config.databricks.network_policy,
                workspace_id=databricks.workspace_id,
                account_provider=account,
            )
        self.outputs = self.publish(
            UnityCatalogOutputs(
                metastore_id=metastore.metastore_id,
                catalog_name=catalog.catalog_name,
                bronze_schema=catalog.schemas[layers.BRONZE].name,
                silver_schema=catalog.schemas[layers.SILVER].name,
                gold_schema=catalog.schemas[layers.GOLD].name,
                landing_url=storage.urls[layers.LANDING].rstrip("/"),
                storage_credential_name=storage.storage_credential_name,
            )
        )

    def _principals(
        self, databricks: DatabricksOutputs, account: TerraformProvider
    ) -> AccountPrincipals:
        """The config's groups and service principals, Data Factory's identity (it starts the
        job; no data grants), the account scope's groups, assigned to the workspace."""
        config = self.config
        uc, admin = config.unity_catalog, config.admin_group_name
        return AccountPrincipals(
            self,
            "principals",
            props=AccountPrincipalsProps(
                admin_group=admin,
                groups=tuple(
                    GroupSpec(
                        name=g.name,
                        entra_object_id=g.entra_object_id,
                        workspace_permission=g.workspace_permission,
                    )
                    for g in uc.groups
                ),
                users=tuple(
                    UserSpec(
                        user_name=u.user_name,
                        workspace_permission=u.workspace_permission,
                        platform_admin=u.platform_admin,
                    )
                    for u in uc.users
                ),
                service_principals=(
                    *(
                        ServicePrincipalSpec(
                            name=p.name,
                            application_id=p.application_id,
                            workspace_permission=p.workspace_permission,
                            platform_admin=p.platform_admin,
                        )
                        for p in uc.service_principals
                    ),
                    # Data Factory's identity for starting the lakehouse job (no data grants:
                    # the job runs as its own run_as principal).
                    *(
                        (
                            ServicePrincipalSpec(
                                name=self.names.pipeline_identity,
                                application_id=databricks.pipeline_identity_client_id,
                                workspace_permission="USER",
                            ),
                        )
                        if databricks.pipeline_identity_client_id
                        else ()
                    ),
                ),
                account_groups={g.name: g.workspace_permission for g in uc.account_groups},
                workspace_id=databricks.workspace_id,
                account_provider=account,
            ),
        )

    def _catalog_grants(
        self, named: Mapping[str, str], governance: GovernanceOutputs | None
    ) -> tuple[dict[str, tuple[str, ...]], dict[str, dict[str, tuple[str, ...]]]]:
        """The catalog's and each schema's grants, by the principal's name in Databricks:
        the config's, and Purview's read grants for its scans (nothing else)."""
        uc = self.config.unity_catalog
        catalog_grants = {named[n]: p for n, p in uc.grants.catalog.items()}
        schema_grants = {
            layer: {named[n]: p for n, p in grants.items()}
            for layer, grants in uc.grants.schemas.items()
        }
        if governance is not None:
            catalog_grants[governance.purview_client_id] = ("USE_CATALOG", "BROWSE")
            for layer in uc.schemas.model_dump():
                schema_grants.setdefault(layer, {})[governance.purview_client_id] = (
                    "USE_SCHEMA",
                    "SELECT",
                )
        return catalog_grants, schema_grants

    def _serverless_lake_access(
        self,
        platform: PlatformOutputs,
        databricks: DatabricksOutputs,
        account: TerraformProvider,
    ) -> None:
        """Serverless compute reaches the private lake through the account scope's NCC: bind
        the workspace to it and add its private endpoint rules to this lake (created pending on
        the storage account; the deploy approves them, reading this output)."""
        ncc_name = self.config.databricks.network_connectivity_config
        assert ncc_name is not None
        approvals = serverless_lake_access(
            self,
            ServerlessLakeAccessProps(
                network_connectivity_config=ncc_name,
                workspace_id=databricks.workspace_id,
                storage_account_id=platform.lake.storage_account_id,
                account_provider=account,
            ),
        )
        TerraformOutput(
            self,
            APPROVALS_OUTPUT,
            value=approvals,
            description="Serverless private endpoints whose connections the deploy approves",
        )

    def _forget_former_adopted_groups(self, principals: AccountPrincipals) -> None:
        """Terraform cannot forget one instance of a resource that stays (`removed` takes whole
        resources), and destroying the instance that left would delete the shared Entra group
        from the account (it is guarded, so the plan fails instead). So the groups that stay
        move to their current address (`moved`, per instance: state and group kept), and what
        is left at the former addresses is forgotten, never deleted (`removed`, destroy =
        false); the group that left is assigned by the account-group look-up, an idempotent
        update, so it stays assigned. Without such state both are no-ops. Rehearsed by `make
        rehearse` (upgrade; tests/test_rehearsal.py)."""
        moved: list[dict[str, str]] = []
        removed: list[dict[str, object]] = []
        for resource_type, found in (
            ("databricks_group", principals.adopted_groups),
            ("databricks_mws_permission_assignment", principals.adopted_assignments),
        ):
            former = f"{resource_type}.{FORMER_ADOPTED_GROUPS[resource_type]}"
            if found is not None:
                members, resource = found
                target = f"{resource_type}.{self.get_logical_id(resource)}"
                moved += [
                    {"from": f'{former}["{name}"]', "to": f'{target}["{name}"]'}
                    for name in sorted(members)
                ]
            removed.append({"from": former, "lifecycle": {"destroy": False}})
        if moved:
            self.add_override("moved", moved)
        self.add_override("removed", removed)
