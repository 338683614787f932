"""`make demo`: the data plane end to end on this machine, in under three minutes.

1. generate the AdventureWorksLT-shaped sample (two ingest dates) and land it as Parquet, as
   the copy pipeline would, under .local/demo/landing/SalesLT/<table>/ingest_date=<date>/;
2. run notebooks/01_bronze_external_tables.py (external tables over the landed files);
3. run notebooks/02_silver_managed_tables.py for each ingest date, then the second date again
   to show that a re-run changes nothing;
4. `dbt build` the dbt project on its local target over the silver tables;
5. print row counts per layer and the dbt results.

Everything is written under .local/demo (git-ignored), which is recreated on every run.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

from lakehouse.layers import BRONZE, GOLD, LAYERS, SILVER
from localrun.dbt import dbt_build
from localrun.notebooks import run_notebook
from localrun.sample import generate, write_landing
from localrun.spark import LOCAL_CATALOG, local_spark

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEMO_DIR = ROOT / ".local" / "demo"
MARTS = ("fct_order_lines", "sales_by_customer", "sales_by_product_category")


def create_schemas(spark, catalog: str = LOCAL_CATALOG) -> None:
    """What the unity-catalog stack does in the cloud: one schema per layer."""
    for schema in LAYERS:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")


def run_pipeline(spark, base: Path) -> dict:
    """Lands the sample under base/landing, runs both notebooks and dbt; returns the counts."""
    started = time.perf_counter()
    landing = base / "landing"
    extracts = generate()
    landed = write_landing(landing, extracts)
    create_schemas(spark)

    bronze = json.loads(
        run_notebook(
            NOTEBOOKS / "01_bronze_external_tables.py",
            spark,
            {
                "catalog": LOCAL_CATALOG,
                "schema": BRONZE,
                "landing_path": landing.resolve().as_uri(),
                "tables": "*",
            },
        )
    )
    silver_runs = []
    for extract in [*extracts, extracts[-1]]:  # the last date twice: idempotency
        silver_runs.append(
            json.loads(
                run_notebook(
                    NOTEBOOKS / "02_silver_managed_tables.py",
                    spark,
                    {
                        "catalog": LOCAL_CATALOG,
                        "bronze_schema": BRONZE,
                        "silver_schema": SILVER,
                        "tables": "*",
                        "ingest_date": extract.ingest_date.isoformat(),
                        "table_format": "parquet",
                    },
                )
            )
        )
    dbt = dbt_build(base, silver_schema=SILVER)
    gold = (
        {m: spark.table(f"{LOCAL_CATALOG}.{GOLD}.{m}").count() for m in MARTS}
        if dbt.success
        else {}
    )
    return {
        "landed": landed,
        "bronze": bronze["row_counts"],
        "silver": {
            run["ingest_date"] + (" (re-run)" if i == len(silver_runs) - 1 else ""): run[
                "row_counts"
            ]
            for i, run in enumerate(silver_runs)
        },
        "gold": gold,
        "dbt": dict(sorted(dbt.statuses.items())),
        "dbt_failures": dbt.failures,
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_summary(summary: dict, out) -> None:
    def short(name: str) -> str:
        return name.rsplit(".", 1)[-1]

    print("\nMini Data Platform: local end-to-end run", file=out)
    for date, counts in summary["landed"].items():
        print(f"  landing  {date}: " + ", ".join(f"{t} {n}" for t, n in counts.items()), file=out)
    print(
        "  bronze   " + ", ".join(f"{short(t)} {n}" for t, n in summary["bronze"].items()), file=out
    )
    for date, counts in summary["silver"].items():
        print(
            f"  silver   after {date}: " + ", ".join(f"{short(t)} {n}" for t, n in counts.items()),
            file=out,
        )
    print("  gold     " + ", ".join(f"{t} {n}" for t, n in summary["gold"].items()), file=out)
    print("  dbt      " + ", ".join(f"{k} {v}" for k, v in summary["dbt"].items()), file=out)
    for failure in summary["dbt_failures"]:
        print(f"  FAILED   {failure}", file=out)
    print(f"  done in {summary['seconds']} s; output under {DEMO_DIR.relative_to(ROOT)}/", file=out)


def main() -> int:
    started = time.perf_counter()
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    spark = local_spark(DEMO_DIR)
    summary = run_pipeline(spark, DEMO_DIR)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print_summary(summary, sys.stdout)
    return 0 if not summary["dbt_failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
