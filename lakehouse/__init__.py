"""The logic behind the platform's Databricks notebooks, importable and unit-tested locally.

Deployed to the workspace beside the notebooks (a notebook's folder is on its `sys.path`), so
`from lakehouse import bronze` works in Databricks exactly as in the local tests. Nothing here
reads widgets, the clock or the environment: notebooks pass every value in.
"""
