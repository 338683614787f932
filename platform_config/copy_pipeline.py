"""The copy pipeline's interface (`adf/pipeline/pl_copy_sources.json`): its name and how the
source-table contract becomes its `tables` parameter.

The ingestion stack passes these to every environment's factory, and `make demo` to the local
pipeline runner, so both run the pipeline over the same table list.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from platform_config.data_contract import TableSpec

COPY_PIPELINE = "pl_copy_sources"


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
