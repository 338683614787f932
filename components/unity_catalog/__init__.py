"""Unity Catalog as code: the account's principals, the metastore, the lake's storage and the
environment's catalog with its schemas and grants (Databricks provider).

Ownership and authoritative grants: every object is owned by the environment's admin group, and
every `databricks_grants` lists that group with ALL_PRIVILEGES. `databricks_grants` is
authoritative: a privilege granted by hand, or one the deploying principal holds without being
listed, is removed on the next apply. The deploying principal keeps its access because it is a
member of the owning admin group (`platform_admin: true` in the config), and owners hold every
privilege on what they own whatever the grants say.

One module per kind of object: principals, metastore, lake_storage, catalog, and what they share
(securables: grants, workspace bindings, the guard).
"""

from components.unity_catalog.catalog import LakehouseCatalog, LakehouseCatalogProps
from components.unity_catalog.lake_storage import LakeStorage, LakeStorageProps
from components.unity_catalog.metastore import (
    AccountMetastore,
    AccountMetastoreProps,
    MetastoreAttachment,
    MetastoreProps,
)
from components.unity_catalog.principals import (
    ADOPTED_GROUPS,
    AccountPrincipals,
    AccountPrincipalsProps,
    GroupSpec,
    ServicePrincipalSpec,
    SharedPrincipals,
    SharedPrincipalsProps,
    UserSpec,
)
from components.unity_catalog.securables import GUARDED

__all__ = [
    "ADOPTED_GROUPS",
    "GUARDED",
    "AccountMetastore",
    "AccountMetastoreProps",
    "AccountPrincipals",
    "AccountPrincipalsProps",
    "GroupSpec",
    "LakeStorage",
    "LakeStorageProps",
    "LakehouseCatalog",
    "LakehouseCatalogProps",
    "MetastoreAttachment",
    "MetastoreProps",
    "ServicePrincipalSpec",
    "SharedPrincipals",
    "SharedPrincipalsProps",
    "UserSpec",
]
