"""Local-only tooling for the data plane: a local Spark, a notebook runner, sample data, the demo.

Nothing here is deployed. It runs the notebooks in `notebooks/` and the dbt project in `dbt/`
on this machine exactly as Databricks would run them, with Parquet instead of Delta.
"""
