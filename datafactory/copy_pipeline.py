"""The copy pipeline's interface (`adf/pipeline/pl_copy_sources.json`): its name and how the
source-table contract becomes its `tables` parameter.

The ingestion stack passes these to every environment's factory, and the offline runs (`make
demo`, `datafactory.dry_run`, the tests) to the local pipeline runner, so all run the pipeline
over the same table list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from platform_config.data_contract import TableSpec

COPY_PIPELINE = "pl_copy_sources"
OFFLINE_JOB_ID = "1"
OFFLINE_VALUES = {
    "vaultUri": "https://local-vault.vault.azure.net/",
    "connectionSecretName": "source-sql-connection",
    "dfsUrl": "https://locallake.dfs.core.windows.net",
    "workspaceUrl": "adb-local.azuredatabricks.net",
    "jobId": OFFLINE_JOB_ID,
}
"""Stand-ins, for offline runs, for what the ingestion stack passes that is known only after a
deploy (the vault, the lake, the workspace, the job)."""


def tables_parameter(specs: Iterable[TableSpec]) -> str:
    """The `tables` parameter: per table its schema, name, load mode and watermark column (the
    source column; empty for a full load), as compact JSON."""
    return json.dumps(
        [
            {
                "schema": spec.source_schema,
                "table": spec.source_table,
                "mode": spec.load_mode,
                "watermark": spec.column(spec.watermark_column).source
                if spec.watermark_column
                else "",
            }
            for spec in specs
        ],
        separators=(",", ":"),
    )


def offline_parameters(
    specs: Iterable[TableSpec], *, ingest_date: str | None = None, full_load: bool = False
) -> dict[str, str]:
    """The copy pipeline's parameters for an offline run over specs (ingestDate omitted when
    None: the run's trigger time decides, as for the schedule)."""
    parameters = {
        **OFFLINE_VALUES,
        "tables": tables_parameter(specs),
        "fullLoad": "true" if full_load else "false",
    }
    if ingest_date is not None:
        parameters["ingestDate"] = ingest_date
    return parameters
