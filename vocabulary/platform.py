"""The platform's own words that several layers (stacks, policy, tooling) share."""

from __future__ import annotations

APPROVALS_OUTPUT = "private-endpoint-approvals"
"""The output of a stack whose private endpoints (or Data Factory's managed ones) wait for the
target's owner: tooling/approve_endpoints.py approves them after apply."""

LAKE_SUBRESOURCES: tuple[str, ...] = ("dfs", "blob")
"""The lake's private-link sub-resources: Databricks, serverless compute and Data Factory
reach the lake through both (the ABFS driver uses dfs; some operations use blob)."""
