"""`monitoring` and `state`: log retention and the Terraform state backend."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from platform_config.model.base import (
    Guid,
    ResourceGroupName,
    _Model,
    _pattern,
)
from vocabulary import azure


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
