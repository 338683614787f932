# Databricks notebook source
# MAGIC %md
# MAGIC # Silver: typed, de-duplicated managed tables
# MAGIC
# MAGIC For one ingest date, each source table's bronze partition is typed and renamed, gets the
# MAGIC audit columns `_ingest_date` and `_source_file`, keeps the latest record per business key
# MAGIC and is merged into `<catalog>.<silver_schema>.<table>`: a key's row is only replaced by a
# MAGIC newer version, so re-running a date changes nothing. The logic is in `lakehouse/silver.py`.

# COMMAND ----------

import json

from lakehouse import bronze, silver
from lakehouse.contract import select_tables
from lakehouse.layers import BRONZE, SILVER

# COMMAND ----------

dbutils.widgets.text("catalog", "lakehouse", "Catalog")
dbutils.widgets.text("bronze_schema", BRONZE, "Bronze schema")
dbutils.widgets.text("silver_schema", SILVER, "Silver schema")
dbutils.widgets.text("tables", "*", "Source tables (comma list, * for all)")
dbutils.widgets.text("ingest_date", "", "Ingest date (YYYY-MM-DD)")
dbutils.widgets.dropdown("table_format", "delta", ["delta", "parquet"], "Table format")

catalog = dbutils.widgets.get("catalog")
bronze_schema = dbutils.widgets.get("bronze_schema")
silver_schema = dbutils.widgets.get("silver_schema")
specs = select_tables(dbutils.widgets.get("tables"))
ingest_date = silver.parse_ingest_date(dbutils.widgets.get("ingest_date"))
table_format = silver.check_table_format(dbutils.widgets.get("table_format"))

# COMMAND ----------

row_counts = {}
for spec in specs:
    source = bronze.table_name(catalog, bronze_schema, spec)
    batch = silver.to_silver(silver.read_bronze_batch(spark, source, ingest_date), spec)
    target = silver.silver_table_name(catalog, silver_schema, spec)
    row_counts[target] = silver.merge_into_silver(spark, batch, target, spec, table_format)

# COMMAND ----------

dbutils.notebook.exit(
    json.dumps(
        {
            "status": "ok",
            "layer": "silver",
            "ingest_date": ingest_date.isoformat(),
            "row_counts": row_counts,
        }
    )
)
