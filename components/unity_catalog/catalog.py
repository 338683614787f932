"""The environment's catalog: its storage root, a schema per layer in its container, grants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cdktf import (
    ITerraformDependable,
    TerraformResourceLifecycle,
)
from cdktf_cdktf_provider_databricks.catalog import Catalog
from cdktf_cdktf_provider_databricks.schema import Schema
from constructs import Construct

from components.unity_catalog.securables import GUARDED, bind_to_workspace, securable_grants
from vocabulary.databricks import (
    CATALOG_ISOLATED,
    uc_name_problem,
)


@dataclass(frozen=True, kw_only=True)
class LakehouseCatalogProps:
    name: str
    storage_root: str
    """abfss:// URL under an external location (a catalog on an auto-created metastore, which
    has no storage root, needs its own)."""
    schemas: Mapping[str, str]
    """Layer -> schema name."""
    owner: str
    schema_storage_roots: Mapping[str, str] = field(default_factory=dict)
    """Layer -> abfss:// URL of its schema's managed location (its layer's container: the
    seed's lakehouse pattern). Default: the catalog's. A schema deployed without one keeps its
    location: storage_root is ignored after creation, because Unity Catalog cannot move a
    schema and Terraform would replace it, dropping its managed tables."""
    catalog_grants: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    schema_grants: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    """Layer -> principal -> privileges."""
    workspace_id: str | None = None
    """Bind the catalog to this workspace (read-write) only: isolation mode ISOLATED. Default:
    open to every workspace on the metastore."""
    read_only_workspaces: tuple[str, ...] = ()
    """Other workspaces (numeric ids) that may read the catalog: read-only bindings. Default:
    none."""
    depends_on: tuple[ITerraformDependable, ...] = ()
    """The external location covering storage_root, and the principals."""


class LakehouseCatalog(Construct):
    """The environment's catalog with its own managed location, a schema per layer, grants."""

    def __init__(self, scope: Construct, id_: str, *, props: LakehouseCatalogProps):
        super().__init__(scope, id_)
        for label, value in (("catalog", props.name), *props.schemas.items()):
            problem = uc_name_problem(value)
            if problem:
                raise ValueError(f"{label} name {value!r}: {problem}")
        if not props.storage_root.startswith("abfss://"):
            raise ValueError(f"storage_root {props.storage_root!r} must be an abfss:// URL")
        unknown = sorted(set(props.schema_grants) - set(props.schemas))
        if unknown:
            raise ValueError(f"grants for unknown layers {unknown}; layers: {list(props.schemas)}")
        unknown = sorted(set(props.schema_storage_roots) - set(props.schemas))
        if unknown:
            raise ValueError(
                f"storage roots for unknown layers {unknown}; layers: {list(props.schemas)}"
            )
        for layer, url in props.schema_storage_roots.items():
            if not url.startswith("abfss://"):
                raise ValueError(f"{layer} storage root {url!r} must be an abfss:// URL")
        self.catalog = Catalog(
            self,
            "catalog",
            name=props.name,
            storage_root=props.storage_root,
            owner=props.owner,
            force_destroy=False,
            comment="The environment's lakehouse: one schema per layer.",
            isolation_mode=CATALOG_ISOLATED if props.workspace_id else None,
            depends_on=list(props.depends_on),
            lifecycle=GUARDED,
        )
        if props.read_only_workspaces and not props.workspace_id:
            raise ValueError("read_only_workspaces needs workspace_id (an isolated catalog)")
        if props.workspace_id:
            bind_to_workspace(
                self,
                "catalog-binding",
                securable_type="catalog",
                securable_name=self.catalog.name,
                workspace_id=props.workspace_id,
            )
            for other in props.read_only_workspaces:
                if not other.isdigit():
                    raise ValueError(f"read-only workspace {other!r} is not a workspace id")
                bind_to_workspace(
                    self,
                    f"catalog-binding-read-only-{other}",
                    securable_type="catalog",
                    securable_name=self.catalog.name,
                    workspace_id=other,
                    read_only=True,
                )
        securable_grants(
            self,
            "catalog-grants",
            "catalog",
            props.catalog_grants,
            admin=props.owner,
            depends_on=list(props.depends_on),
            on=self.catalog.name,
        )
        self.schemas: dict[str, Schema] = {}
        for layer, name in props.schemas.items():
            storage_root = props.schema_storage_roots.get(layer)
            schema = Schema(
                self,
                f"schema-{layer}",
                catalog_name=self.catalog.name,
                name=name,
                owner=props.owner,
                storage_root=storage_root,
                force_destroy=False,
                comment=f"The {layer} layer.",
                depends_on=list(props.depends_on) if storage_root else None,
                lifecycle=TerraformResourceLifecycle(
                    prevent_destroy=True, ignore_changes=["storage_root"]
                )
                if storage_root
                else GUARDED,
            )
            self.schemas[layer] = schema
            securable_grants(
                self,
                f"schema-{layer}-grants",
                "schema",
                props.schema_grants.get(layer, {}),
                admin=props.owner,
                depends_on=list(props.depends_on),
                on=schema.id,
            )
        self.catalog_name: str = self.catalog.name
