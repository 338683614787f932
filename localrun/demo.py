"""`make demo`: the data plane end to end on this machine, source database to gold.

For each day of the sample (localrun/sample.py):
1. the day's rows go into the local source database (SQLite, localrun/source_db.py);
2. the copy pipeline of `adf/` runs on Microsoft's engine (datafactory/runner.py): its ForEach
   over the contract's tables, each Copy's query run on the source database as written and its file
   written where the sink dataset says, under .local/demo/lake/landing/. The first day is the
   first load (`fullLoad`), later days copy what the contract's load modes say;
3. the pipeline's last activity starts the lakehouse job with the ingest date: here that is the
   bronze notebook (external tables over landing) and the silver notebook for that date.
The last day runs twice, to show that a re-run lands the same files and changes nothing. Then
`dbt build` builds gold once over silver (the job builds it after each date; the result is the
same), and the row counts per layer and dbt's results are printed.

Everything is written under .local/demo (git-ignored), which is recreated on every run.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from pyspark.sql import SparkSession

from datafactory import artifacts as adf_artifacts
from datafactory.artifacts import Artifacts
from datafactory.copy_pipeline import (
    COPY_PIPELINE,
    OFFLINE_JOB_ID,
    OfflineJobsApi,
    offline_parameters,
)
from datafactory.runner import (
    OnWeb,
    PipelineRun,
    PipelineRunError,
    PipelineRunner,
    WebCall,
    sink_path,
)
from lakehouse import bronze as bronze_module
from lakehouse.layers import BRONZE, GOLD, LANDING, LAYERS, SILVER
from lakehouse.tables import TableSpec
from localrun.dbt import dbt_build
from localrun.notebooks import run_notebook
from localrun.sample import contract_tables, generate
from localrun.source_db import SourceDatabase
from localrun.spark import LOCAL_CATALOG, local_spark

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
DEMO_DIR = ROOT / ".local" / "demo"
MARTS = ("fct_order_lines", "sales_by_customer", "sales_by_product_category")


def create_schemas(spark: SparkSession, catalog: str = LOCAL_CATALOG) -> None:
    """What the unity-catalog stack does in the cloud: one schema per layer."""
    for schema in LAYERS:
        spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")


def check_landing(run: PipelineRun, specs: tuple[TableSpec, ...]) -> None:
    """Every copy wrote into the folder the bronze notebook reads as the run's ingest date;
    PipelineRunError names the table, where the pipeline wrote and where bronze reads."""
    by_source = {(spec.source_schema, spec.source_table): spec for spec in specs}
    ingest_date = run.variables.get("ingestDate")
    for copy in run.copies:
        spec = by_source.get(copy.source_table)
        if spec is None:
            raise PipelineRunError(f"{copy.activity} copied {copy.item}, not a selected table")
        table = bronze_module.bronze_table(LOCAL_CATALOG, BRONZE, LANDING, spec)
        expected = bronze_module.partition_folder(table, str(ingest_date))
        written = sink_path(copy).parent.as_posix()
        if written != expected:
            raise PipelineRunError(
                f"{COPY_PIPELINE} wrote {spec.qualified_source} to {written}/, but the bronze "
                f"notebook reads its {ingest_date} files from {expected}/"
            )


class LocalJob:
    """The lakehouse job as the pipeline's web call starts it: bronze, then silver for the date."""

    def __init__(self, spark: SparkSession, landing: Path):
        self.spark = spark
        self.landing = landing
        self.bronze: dict[str, int] = {}
        self.silver_runs: list[dict[str, Any]] = []

    def run_now(self, call: WebCall) -> dict[str, Any]:
        body = call.body
        if not (
            call.method == "POST"
            and call.url.endswith("/api/2.1/jobs/run-now")
            and isinstance(body, dict)
            and str(body.get("job_id")) == OFFLINE_JOB_ID
            and isinstance(body.get("job_parameters"), dict)
        ):
            raise PipelineRunError(
                f"{call.activity}: not a Jobs API run-now of job {OFFLINE_JOB_ID}: "
                f"{call.method} {call.url} {body!r}"
            )
        ingest_date = body["job_parameters"]["ingest_date"]
        self.bronze = json.loads(
            run_notebook(
                NOTEBOOKS / "01_bronze_external_tables.py",
                self.spark,
                {
                    "catalog": LOCAL_CATALOG,
                    "schema": BRONZE,
                    "landing_path": self.landing.resolve().as_uri(),
                    "tables": "*",
                },
            )
        )["row_counts"]
        silver = json.loads(
            run_notebook(
                NOTEBOOKS / "02_silver_managed_tables.py",
                self.spark,
                {
                    "catalog": LOCAL_CATALOG,
                    "bronze_schema": BRONZE,
                    "silver_schema": SILVER,
                    "tables": "*",
                    "ingest_date": ingest_date,
                    "table_format": "parquet",
                },
            )
        )
        self.silver_runs.append(silver)
        return {"run_id": len(self.silver_runs), "ingest_date": ingest_date}


@dataclass(frozen=True)
class Ingested:
    runs: list[PipelineRun]
    landed: dict[str, dict[str, int]]
    """Rows landed per run (its ingest date; the re-run marked) and source table."""
    source_rows: dict[str, int]
    """Rows per source table in the source database at the end."""


def ingest(
    base: Path, job_handler: OnWeb, *, artifacts: Artifacts | None = None, check: bool = True
) -> Ingested:
    """The sample, day by day, into the source database (base/source) and through the copy
    pipeline into the lake (base/lake), the last day twice. check: stop as soon as a run wrote
    where the bronze notebook does not read."""
    specs = contract_tables()
    by_table = {spec.source_table: spec for spec in specs}
    source = SourceDatabase(base / "source", specs)
    try:
        runner = PipelineRunner(
            artifacts if artifacts is not None else adf_artifacts.load(),
            on_copy=source.copy_to_lake(base / "lake"),
            # The pipeline starts the job, then polls it until it ends: the local job runs
            # when started, and the stand-in reports it TERMINATED with SUCCESS.
            on_web=OfflineJobsApi(on_run_now=job_handler),
        )
        days = generate()
        runs: list[PipelineRun] = []
        landed: dict[str, dict[str, int]] = {}
        for index, day in enumerate([*days, days[-1]]):
            rerun = index == len(days)
            if not rerun:
                for table, rows in day.rows.items():
                    source.upsert(by_table[table], rows)
            run = runner.run(
                COPY_PIPELINE,
                offline_parameters(specs, ingest_date=day.day.isoformat(), full_load=index == 0),
                trigger_time=dt.datetime.combine(
                    day.day + dt.timedelta(days=1), dt.time(4), dt.UTC
                ),
            )
            if run.failure is not None:
                raise PipelineRunError(f"{COPY_PIPELINE} failed: {run.failure.message}")
            if check:
                check_landing(run, specs)
            key = day.day.isoformat() + (" (re-run)" if rerun else "")
            landed[key] = {
                copy.source_table[1]: count
                for copy, count in zip(run.copies, run.copy_outputs, strict=True)
            }
            runs.append(run)
        counts = {s.source_table: source.count(s.source_schema, s.source_table) for s in specs}
        return Ingested(runs, landed, counts)
    finally:
        source.close()


def run_pipeline(spark: SparkSession, base: Path) -> dict[str, Any]:
    """Source database -> copy pipeline -> landing -> bronze -> silver per date, then dbt."""
    started = time.perf_counter()
    create_schemas(spark)
    job = LocalJob(spark, base / "lake" / LANDING)
    ingested = ingest(base, job.run_now)
    runs, landed = ingested.runs, ingested.landed
    dbt = dbt_build(base, silver_schema=SILVER)
    gold = (
        {m: spark.table(f"{LOCAL_CATALOG}.{GOLD}.{m}").count() for m in MARTS}
        if dbt.success
        else {}
    )
    return {
        "landed": landed,
        "runs": len(runs),
        "copies": sum(len(run.copies) for run in runs),
        "job_starts": len(job.silver_runs),
        "queries": {run.variables["ingestDate"]: [c.query for c in run.copies] for run in runs},
        "bronze": job.bronze,
        "silver": {
            key: silver["row_counts"] for key, silver in zip(landed, job.silver_runs, strict=True)
        },
        "gold": gold,
        "dbt": dict(sorted(dbt.statuses.items())),
        "dbt_failures": dbt.failures,
        "seconds": round(time.perf_counter() - started, 1),
    }


def print_summary(summary: dict[str, Any], out: TextIO) -> None:
    def short(name: str) -> str:
        return name.rsplit(".", 1)[-1]

    print("\nMini Data Platform: local end-to-end run", file=out)
    print(
        f"  pipeline {COPY_PIPELINE} from the SQLite source: {summary['runs']} runs, "
        f"{summary['copies']} copies, {summary['job_starts']} job starts",
        file=out,
    )
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
