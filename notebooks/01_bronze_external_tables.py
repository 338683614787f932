# Databricks notebook source
# MAGIC %md
# MAGIC # Bronze: external tables over the landed files
# MAGIC
# MAGIC The copy pipeline lands each source table as Parquet in
# MAGIC `<landing_path>/<source_schema>/<source_table>/ingest_date=<yyyy-mm-dd>/`. This notebook
# MAGIC registers one external table per source table, `<catalog>.<schema>.<source_schema>_<table>`,
# MAGIC partitioned by `ingest_date`, and picks up the partitions landed since the last run.
# MAGIC The logic is in `lakehouse/bronze.py` beside this notebook.

# COMMAND ----------

import json

from lakehouse import bronze
from lakehouse.contract import select_tables
from lakehouse.layers import BRONZE

# COMMAND ----------

dbutils.widgets.text("catalog", "lakehouse", "Catalog")
dbutils.widgets.text("schema", BRONZE, "Bronze schema")
dbutils.widgets.text(
    "landing_path", "", "Landing folder (abfss://landing@<account>.dfs.core.windows.net)"
)
dbutils.widgets.text("tables", "*", "Source tables (comma list, * for all)")

catalog = dbutils.widgets.get("catalog")
schema = dbutils.widgets.get("schema")
landing_path = dbutils.widgets.get("landing_path")
specs = select_tables(dbutils.widgets.get("tables"))

# COMMAND ----------

row_counts = {}
for spec in specs:
    table = bronze.bronze_table(catalog, schema, landing_path, spec)
    row_counts[table.full_name] = bronze.register(spark, table)

# COMMAND ----------

dbutils.notebook.exit(json.dumps({"status": "ok", "layer": "bronze", "row_counts": row_counts}))
