"""The data plane's shared definitions, for the platform's Python: the lake's layers and the
source-table contract.

Their one home is the `lakehouse` module in `notebooks/lakehouse/`, because it is deployed to
Databricks beside the notebooks that read it. This module makes it importable from the project
root (as Databricks does with a notebook's folder) and is the only place that does so.
"""

from __future__ import annotations

import sys
from pathlib import Path

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"


def make_lakehouse_importable() -> None:
    """Put notebooks/ on sys.path (once) so that `import lakehouse` finds the deployed module."""
    folder = str(NOTEBOOKS_DIR)
    if folder not in sys.path:
        sys.path.append(folder)


make_lakehouse_importable()

from lakehouse import layers  # noqa: E402
from lakehouse.contract import (  # noqa: E402
    ContractError,
    SourceContract,
    load_contract,
    shipped_contract,
)
from lakehouse.tables import TableSpec  # noqa: E402

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
    "make_lakehouse_importable",
    "shipped_contract",
]
