"""The data plane's shared definitions, for the platform's Python: the lake's layers and the
source-table contract.

Their one home is the `lakehouse` package, because it is deployed to Databricks beside the
notebooks that read it (stacks/workloads.py); this module adds the lake's containers.
"""

from __future__ import annotations

from lakehouse import layers
from lakehouse.contract import (
    ContractError,
    SourceContract,
    load_contract,
    shipped_contract,
)
from lakehouse.tables import TableSpec

# Unity Catalog's managed storage: the catalogs' storage roots live in this container.
UNITY_CATALOG_CONTAINER = "unity-catalog"
LAKE_CONTAINERS: tuple[str, ...] = (layers.LANDING, *layers.LAYERS, UNITY_CATALOG_CONTAINER)
# Data Factory writes landing; Databricks (the access connector, its external location) only
# reads it.
READ_ONLY_CONTAINERS: tuple[str, ...] = (layers.LANDING,)

__all__ = [
    "LAKE_CONTAINERS",
    "READ_ONLY_CONTAINERS",
    "UNITY_CATALOG_CONTAINER",
    "ContractError",
    "SourceContract",
    "TableSpec",
    "layers",
    "load_contract",
    "shipped_contract",
]
