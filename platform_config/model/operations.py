"""`monitoring` and `state`: log retention and the Terraform state backend."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from platform_config.model.base import (
    Email,
    Guid,
    ResourceGroupName,
    _Model,
    _non_empty,
    _pattern,
)
from vocabulary import azure, monitoring

BUDGET_NOTIFICATIONS_MAX = 5
"""Notifications per budget: Azure accepts five ("Tutorial: Create and manage budgets"; azurerm
4.55.0 does not check it, consumption_budget_base.go:138-141)."""


def _secret_name(value: str) -> str:
    if "://" in value or value.startswith("http"):
        raise ValueError(
            "is a URL: a webhook's URL is a credential and never goes in a config file; write it "
            "into the platform Key Vault as a secret (az keyvault secret set --vault-name "
            "<kv-...-plat> --name alerts-webhook --value <url>) and name that secret here"
        )
    if not monitoring.SECRET_NAME.fullmatch(value):
        raise ValueError("must be a Key Vault secret name: 1-127 letters, digits and hyphens")
    return value


def _first_of_month(value: datetime.date) -> datetime.date:
    if value.day != 1:
        raise ValueError("must be the first day of a month (Azure budgets start on one)")
    return value


def _percentages(value: tuple[int, ...]) -> tuple[int, ...]:
    if len(set(value)) != len(value):
        raise ValueError("lists a threshold twice")
    return tuple(sorted(value))


Percentages = Annotated[
    tuple[Annotated[int, Field(ge=1, le=1000)], ...], AfterValidator(_percentages)
]


class Budget(_Model):
    """A consumption budget on the environment's resource group, notifying the action group."""

    amount: float = Field(gt=0, description="Monthly budget, in the billing currency.")
    start_date: Annotated[datetime.date, AfterValidator(_first_of_month)] = Field(
        description="First month of the budget (YYYY-MM-01): Azure creates a budget from the "
        "current month or a later one. Changing it later changes nothing (the deployed budget "
        "keeps its date), so a copied config only needs it current for its first deploy."
    )
    actual_percent: Percentages = Field(
        default=(80, 100),
        description="Notify when actual cost passes these percentages of the amount. "
        "Default: 80 and 100.",
    )
    forecast_percent: Percentages = Field(
        default=(100,),
        description="Notify when the month's forecast passes these percentages. Default: 100.",
    )

    @model_validator(mode="after")
    def _at_most_five(self) -> Budget:
        count = len(self.actual_percent) + len(self.forecast_percent)
        if count > BUDGET_NOTIFICATIONS_MAX:
            raise ValueError(
                f"actual_percent and forecast_percent list {count} thresholds; a budget holds "
                f"at most {BUDGET_NOTIFICATIONS_MAX}"
            )
        return self


class Alerts(_Model):
    """Who hears about failures, cost and expiring keys (docs/operations.md)."""

    emails: Annotated[tuple[Email, ...], AfterValidator(_non_empty)] = Field(
        description="E-mail addresses of the action group and the jobs' notification destination."
    )
    webhook_secret: Annotated[str, AfterValidator(_secret_name)] | None = Field(
        default=None,
        description="Name of a secret in the platform Key Vault holding an incoming webhook's "
        "URL (Teams, Slack): the action group calls it. Never the URL itself. Write the secret "
        "before the deploy that sets this; the plan reads it. Default: none.",
    )
    pipeline_failed_runs: int = Field(
        default=1,
        ge=1,
        description="Alert when the copy pipeline fails at least this many times in an hour. "
        "Default: 1.",
    )
    job_duration_warning_minutes: int = Field(
        default=180,
        ge=5,
        le=2880,
        description="The lakehouse job warns its destination when a run passes this many "
        "minutes (its health rule). Default: 180.",
    )
    lake_availability_percent: float = Field(
        default=99.0,
        gt=0,
        le=100,
        description="Alert when the lake's availability (average over 15 minutes) falls below "
        "it. Default: 99.",
    )
    lake_throttled_transactions: int = Field(
        default=10,
        ge=1,
        description="Alert when the lake refuses at least this many transactions as throttled "
        "or busy in 15 minutes. Default: 10.",
    )
    vault_denied_requests: int = Field(
        default=20,
        ge=1,
        description="Alert when the vaults refuse (401, 403) at least this many requests in an "
        "hour. A client's first call is often a 401 (the token challenge), hence the margin. "
        "Default: 20.",
    )
    budget: Budget | None = Field(
        default=None,
        description="A monthly budget on the resource group. Default: none.",
    )


class Monitoring(_Model):
    log_retention_days: int = Field(
        default=azure.DEFAULT_LOG_RETENTION_DAYS,
        ge=azure.LOG_RETENTION_DAYS[0],
        le=azure.LOG_RETENTION_DAYS[1],
        description="Log Analytics retention, 30-730 days. Default: 30.",
    )


class LocalState(_Model):
    backend: Literal["local"] = "local"


class AzurermState(_Model):
    backend: Literal["azurerm"]
    resource_group: ResourceGroupName = Field(
        description="Resource group of the state storage account."
    )
    storage_account: str = Field(
        description="The state storage account (3-24 lowercase letters/digits)."
    )
    container: Annotated[
        str,
        _pattern(
            r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]",
            "3-63 lowercase letters, digits and single hyphens, starting and ending with a "
            "letter or digit",
        ),
    ] = Field(
        description="Blob container of the state files: lowercase letters, digits, hyphens.",
    )
    key_prefix: Annotated[
        str, _pattern(r"[A-Za-z0-9._/-]*", "letters, digits and . _ / - only")
    ] = Field(
        default="",
        description="Folder of the state blobs: <key_prefix>/<stack>.tfstate. Default: the "
        "environment's (or account's) name.",
    )
    use_oidc: bool = Field(
        default=True, description="Authenticate with GitHub's OIDC token. Default: on."
    )
    subscription_id: Guid | None = Field(
        default=None,
        description="Subscription of the state storage account, when it is not the "
        "environment's (several environments sharing one state account). Default: the "
        "environment's subscription_id (an account scope's).",
    )

    @field_validator("storage_account")
    @classmethod
    def _storage_account(cls, value: str) -> str:
        problem = azure.storage_account_name_problem(value, hint="")
        if problem:
            raise ValueError(problem)
        return value


StateBackend = Annotated[LocalState | AzurermState, Field(discriminator="backend")]
