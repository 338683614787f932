"""The metastore: an environment attaches its workspace to the region's (or a given) one; an
account scope creates it."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import (
    TerraformProvider,
    Token,
)
from cdktf_cdktf_provider_databricks.data_databricks_metastore import DataDatabricksMetastore
from cdktf_cdktf_provider_databricks.metastore import Metastore
from cdktf_cdktf_provider_databricks.metastore_assignment import MetastoreAssignment
from constructs import Construct

from components.unity_catalog.securables import GUARDED


@dataclass(frozen=True, kw_only=True)
class MetastoreProps:
    mode: str
    """region (look the region's up) or id (use metastore_id). A metastore is created by the
    account scope (AccountMetastore), never by an environment."""
    region: str
    workspace_id: str
    metastore_id: str | None = None
    """Required with mode id."""
    account_provider: TerraformProvider


class MetastoreAttachment(Construct):
    """The workspace's metastore (the region's, or a given one) and its assignment."""

    def __init__(self, scope: Construct, id_: str, *, props: MetastoreProps):
        super().__init__(scope, id_)
        account = props.account_provider
        if props.mode == "region":
            lookup = DataDatabricksMetastore(
                self, "region-metastore", region=props.region, provider=account
            )
            self.metastore_id: str = lookup.id
        elif props.mode == "id":
            if not props.metastore_id:
                raise ValueError("metastore_id is required with mode id")
            self.metastore_id = props.metastore_id
        else:
            raise ValueError(
                f"mode {props.mode!r}: allowed region, id (the account scope creates metastores)"
            )
        self.assignment = MetastoreAssignment(
            self,
            "assignment",
            metastore_id=self.metastore_id,
            workspace_id=Token.as_number(props.workspace_id),
            provider=account,
        )


@dataclass(frozen=True, kw_only=True)
class AccountMetastoreProps:
    name: str
    region: str
    owner: str
    """The group that administers it (metastore admin)."""
    account_provider: TerraformProvider


class AccountMetastore(Construct):
    """A metastore the account scope creates for a region; the region's workspaces attach to it
    (environments look it up by region). Guarded: it holds every catalog's metadata."""

    def __init__(self, scope: Construct, id_: str, *, props: AccountMetastoreProps):
        super().__init__(scope, id_)
        self.metastore = Metastore(
            self,
            "metastore",
            name=props.name,
            region=props.region,
            owner=props.owner,
            force_destroy=False,
            lifecycle=GUARDED,
            provider=props.account_provider,
        )
        self.metastore_id: str = self.metastore.id
