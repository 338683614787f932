"""The lake in Unity Catalog: the storage credential on the access connector and an external
location per container, bound to the environment's workspace, with file events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf import (
    ITerraformDependable,
)
from cdktf_cdktf_provider_databricks.external_location import (
    ExternalLocation,
    ExternalLocationFileEventQueue,
    ExternalLocationFileEventQueueManagedAqs,
)
from cdktf_cdktf_provider_databricks.storage_credential import (
    StorageCredential,
    StorageCredentialAzureManagedIdentity,
)
from constructs import Construct

from components.unity_catalog.securables import GUARDED, bind_to_workspace, securable_grants
from vocabulary.databricks import (
    ISOLATED,
)


@dataclass(frozen=True, kw_only=True)
class LakeStorageProps:
    credential_name: str
    location_names: Mapping[str, str]
    """Container -> its external location's name (one per container)."""
    access_connector_id: str
    storage_account_name: str
    containers: tuple[str, ...]
    read_only_containers: tuple[str, ...] = ()
    """Containers the connector may only read (landing): their locations are read-only."""
    owner: str
    file_events: bool = True
    """Managed file events (Azure queue in the lake's resource group). Default: on."""
    file_events_resource_group: str
    file_events_subscription_id: str
    grants: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Container -> principal (as grants name it) -> privileges on its external location."""
    workspace_id: str | None = None
    """Bind the credential and the locations to this workspace only (isolation mode isolated):
    other workspaces on the metastore cannot use them. Default: open to every workspace."""
    depends_on: tuple[ITerraformDependable, ...] = ()
    """The metastore assignment and the principals."""


class LakeStorage(Construct):
    """The storage credential on the access connector and one external location per container."""

    def __init__(self, scope: Construct, id_: str, *, props: LakeStorageProps):
        super().__init__(scope, id_)
        unknown = sorted(set(props.read_only_containers) - set(props.containers))
        unnamed = sorted(set(props.containers) - set(props.location_names))
        if unnamed:
            raise ValueError(f"containers {unnamed} have no external location name")
        unknown += sorted(set(props.location_names) - set(props.containers))
        unknown += sorted(set(props.grants) - set(props.containers))
        if unknown:
            raise ValueError(f"containers {unknown} are not among {list(props.containers)}")
        self.credential = StorageCredential(
            self,
            "credential",
            name=props.credential_name,
            azure_managed_identity=StorageCredentialAzureManagedIdentity(
                access_connector_id=props.access_connector_id
            ),
            owner=props.owner,
            force_destroy=False,
            comment="The lake, through the platform's Databricks access connector.",
            isolation_mode=ISOLATED if props.workspace_id else None,
            depends_on=list(props.depends_on),
            lifecycle=GUARDED,
        )
        if props.workspace_id:
            bind_to_workspace(
                self,
                "credential-binding",
                securable_type="storage_credential",
                securable_name=self.credential.name,
                workspace_id=props.workspace_id,
            )
        securable_grants(
            self,
            "credential-grants",
            "storage_credential",
            {},
            admin=props.owner,
            depends_on=list(props.depends_on),
            on=self.credential.id,
        )
        self.locations: dict[str, ExternalLocation] = {}
        self.urls: dict[str, str] = {}
        for container in props.containers:
            url = f"abfss://{container}@{props.storage_account_name}.dfs.core.windows.net/"
            location = ExternalLocation(
                self,
                f"location-{container}",
                name=props.location_names[container],
                url=url,
                credential_name=self.credential.name,
                owner=props.owner,
                read_only=container in props.read_only_containers or None,
                enable_file_events=props.file_events,
                file_event_queue=ExternalLocationFileEventQueue(
                    managed_aqs=ExternalLocationFileEventQueueManagedAqs(
                        resource_group=props.file_events_resource_group,
                        subscription_id=props.file_events_subscription_id,
                    )
                )
                if props.file_events
                else None,
                force_destroy=False,
                comment=f"The lake's {container} container.",
                isolation_mode=ISOLATED if props.workspace_id else None,
                lifecycle=GUARDED,
            )
            if props.workspace_id:
                bind_to_workspace(
                    self,
                    f"location-{container}-binding",
                    securable_type="external_location",
                    securable_name=location.name,
                    workspace_id=props.workspace_id,
                )
            self.locations[container] = location
            self.urls[container] = url
            securable_grants(
                self,
                f"location-{container}-grants",
                "external_location",
                props.grants.get(container, {}),
                admin=props.owner,
                depends_on=list(props.depends_on),
                on=location.id,
            )
        self.storage_credential_name: str = self.credential.name
