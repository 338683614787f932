"""Run the dbt project in this process, on the local Spark session that wrote silver."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lakehouse.layers import SILVER

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT = ROOT / "dbt"


@dataclass
class DbtOutcome:
    success: bool
    statuses: Counter[str] = field(default_factory=Counter)
    """"model:success", "test:pass", "unit_test:pass", "test:fail", ... -> count."""
    failures: list[str] = field(default_factory=list)


def dbt_build(
    local_dir: Path, silver_schema: str = SILVER, select: str | None = None
) -> DbtOutcome:
    """`dbt build --target local`, with target/ and logs/ under local_dir.

    The local target (dbt-spark, method: session) takes the active Spark session, so the
    caller creates it first with localrun.spark.local_spark(local_dir).
    """
    from dbt.cli.main import dbtRunner

    os.environ["MDP_LOCAL_DIR"] = str(local_dir.resolve())
    args = [
        "build",
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target",
        "local",
        "--target-path",
        str(local_dir / "dbt-target"),
        "--log-path",
        str(local_dir / "dbt-logs"),
        "--vars",
        f"{{silver_schema: {silver_schema}}}",
        "--no-version-check",
        "--quiet",
    ]
    if select:
        args += ["--select", select]
    result = dbtRunner().invoke(args)
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.failures.append(f"dbt: {result.exception}")
        return outcome
    for node_result in getattr(result.result, "results", []):
        kind = node_result.node.resource_type
        status = str(node_result.status)
        outcome.statuses[f"{kind}:{status}"] += 1
        if status not in ("success", "pass"):
            outcome.failures.append(
                f"{node_result.node.name}: {status} {node_result.message or ''}"
            )
    return outcome
