"""What of the repository the workspace runs: the notebooks, the lakehouse package (with its
source-table contract) and the dbt project as workspace files, and the dbt the job pins."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DBT = ROOT / "dbt"
# What is deployed of the repository, local folder -> workspace folder: the notebooks, the
# lakehouse package (with its source-table contract) in the notebooks' folder, where a
# notebook's `import lakehouse` finds it (Databricks puts a notebook's folder on sys.path), and
# dbt/ without dbt's own output folders.
DEPLOYED_CODE: tuple[tuple[Path, str], ...] = (
    (ROOT / "notebooks", "notebooks"),
    (ROOT / "lakehouse", "notebooks/lakehouse"),
)
_SKIPPED = {"__pycache__", "target", "logs", "dbt_packages", ".user.yml", ".DS_Store"}
# The dbt the job's task runs: exactly the versions Pipfile.lock pins for the tests, which
# parse and compile the project on this adapter offline (tests/test_dbt_databricks.py).
DBT_PACKAGES: tuple[str, ...] = ("dbt-databricks", "dbt-core")
BRONZE_NOTEBOOK = "notebooks/01_bronze_external_tables"
SILVER_NOTEBOOK = "notebooks/02_silver_managed_tables"


def dbt_requirements(lock: Path = ROOT / "Pipfile.lock") -> tuple[str, ...]:
    """`name==version` of each DBT_PACKAGES entry, as Pipfile.lock pins it for the tests."""
    develop = json.loads(lock.read_text(encoding="utf-8"))["develop"]
    missing = [name for name in DBT_PACKAGES if name not in develop]
    if missing:
        raise ValueError(f"{lock}: no {', '.join(missing)} in the dev packages")
    return tuple(f"{name}{develop[name]['version']}" for name in DBT_PACKAGES)


def deployable_files(folder: Path, under: str) -> tuple[tuple[Path, str], ...]:
    """(file, path relative to the workspace folder) of every file to deploy, sorted."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if path.is_file() and not _SKIPPED & set(relative.parts) and path.suffix != ".pyc":
            found.append((path, f"{under}/{relative.as_posix()}"))
    return tuple(found)


def lakehouse_files(*, dbt_in_workspace: bool) -> tuple[tuple[Path, str], ...]:
    """Every file the workspace folder gets: the notebooks and the lakehouse package, and the
    dbt project when the job runs it from the workspace (workloads.dbt.source)."""
    files = tuple(f for local, under in DEPLOYED_CODE for f in deployable_files(local, under))
    return files + (deployable_files(DBT, "dbt") if dbt_in_workspace else ())
