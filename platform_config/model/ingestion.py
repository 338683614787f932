"""`ingestion`: the source database and Data Factory's copy."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator

from platform_config.model.base import (
    _Model,
    _pattern,
)
from vocabulary import azure


def _sql_server_id(value: str) -> str:
    if azure.parse_resource_id(value, "Microsoft.Sql", "servers") is None:
        raise ValueError(
            "must be an Azure SQL server's resource id: /subscriptions/<id>/resourceGroups/<rg>"
            "/providers/Microsoft.Sql/servers/<name>"
        )
    return value


class SourceDatabase(_Model):
    server_id: Annotated[str, AfterValidator(_sql_server_id)] = Field(
        description="Resource id of the source Azure SQL server (referenced, never created)."
    )
    database: Annotated[
        str, _pattern(r"[^<>*%&:\\/?]{1,128}", "1-128 characters without any of <>*%&:\\/?")
    ] = Field(description="The source database, e.g. the AdventureWorksLT sample.")
    connection_secret_name: Annotated[
        str, _pattern(r"[0-9A-Za-z-]{1,127}", "1-127 letters, digits and hyphens")
    ] = Field(
        default="source-sql-connection-string",
        description="Secret in the platform Key Vault holding the source's connection string. "
        "Default: source-sql-connection-string.",
    )


class IngestionGit(_Model):
    account_name: str = Field(description="GitHub account (organization or user) of the repo.")
    repository_name: str = Field(description="The repository holding adf/.")
    branch_name: str = Field(default="main", description="Collaboration branch. Default: main.")


class Ingestion(_Model):
    source: SourceDatabase | None = Field(
        default=None,
        description="The source database. Set: the <env>-ingestion stack is built. Default: none.",
    )
    schedule: bool = Field(
        default=False,
        description="Start the daily trigger (adf/trigger/tr_daily.json).",
    )
    git: IngestionGit | None = Field(
        default=None,
        description="Connect this environment's factory to GitHub with adf/ as its root folder, "
        "for authoring in the Studio. One environment only (the authoring one, dev). "
        "Default: none.",
    )
    tables: tuple[str, ...] | None = Field(
        default=None,
        description="Source tables this environment copies, as <schema>.<table> from the "
        "source-table contract (lakehouse/sources/). Default: every table in it.",
    )

    @field_validator("tables")
    @classmethod
    def _known_tables(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        from platform_config.data_contract import shipped_contract

        if not value:
            raise ValueError("must name at least one table; leave it out to copy every table")
        shipped_contract().select(value)  # raises naming the unknown tables and the allowed
        lowered = [name.lower() for name in value]
        twice = sorted({name for name in value if lowered.count(name.lower()) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once")
        return value
