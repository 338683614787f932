"""`databricks.azure_databricks_object_id` and `encryption`: the AzureDatabricks application's
one home, and what customer-managed keys need besides their own fields."""

from __future__ import annotations

from platform_config.checks.issues import FIND_AZURE_DATABRICKS, Issue
from platform_config.checks.registry import environment_check
from platform_config.model import (
    PlatformConfig,
)


@environment_check
def azure_databricks_application_issues(config: PlatformConfig) -> list[Issue]:
    """The application's object id has one home; the former one is read, not both at once."""
    new = config.databricks.azure_databricks_object_id
    former = config.workloads.secret_scope.azure_databricks_object_id
    if new is not None and former is not None:
        return [
            Issue(
                "workloads.secret_scope.azure_databricks_object_id",
                former,
                "moved to databricks.azure_databricks_object_id, which is set too; remove this one",
            )
        ]
    return []


@environment_check
def customer_managed_key_issues(config: PlatformConfig) -> list[Issue]:
    """What customer-managed keys need besides their own fields (docs/security.md)."""
    cmk = config.encryption.customer_managed_keys
    where = "encryption.customer_managed_keys"
    if not cmk.enabled:
        if cmk.data_factory:
            return [Issue(f"{where}.data_factory", True, "needs enabled: true")]
        return []
    issues: list[Issue] = []
    if config.azure_databricks_object_id is None:
        issues.append(
            Issue(
                "databricks.azure_databricks_object_id",
                None,
                f"required with {where}.enabled: the AzureDatabricks application wraps the "
                f"workspace's managed services key; {FIND_AZURE_DATABRICKS}",
            )
        )
    if cmk.expire_after_days is not None and cmk.expire_after_days < cmk.rotate_after_days + 28:
        issues.append(
            Issue(
                f"{where}.expire_after_days",
                cmk.expire_after_days,
                f"must be at least rotate_after_days + 28 ({cmk.rotate_after_days + 28}): a "
                "version would expire before the next one exists",
            )
        )
    if cmk.data_factory and config.ingestion.source is None:
        issues.append(
            Issue(
                f"{where}.data_factory",
                True,
                "needs ingestion.source: without a source there is no Data Factory",
            )
        )
    return issues
