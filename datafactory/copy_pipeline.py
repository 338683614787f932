"""The copy pipeline's interface (`adf/pipeline/pl_copy_sources.json`): its name and how the
source-table contract becomes its `tables` parameter.

The ingestion stack passes these to every environment's factory, and the offline runs (`make
demo`, `datafactory.dry_run`, the tests) to the local pipeline runner, so all run the pipeline
over the same table list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

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


class OfflineJobsApi:
    """A stand-in for the Jobs API the pipeline calls (an `on_web` of datafactory.runner):
    run-now answers a run id, runs/get the run's states in turn, the last one from then on,
    runs/cancel records the run it cancels.

    states: (life_cycle_state, result_state) per poll; default one poll that finds the run
    TERMINATED with SUCCESS. on_run_now: called with the run-now call (make demo runs the
    local job there)."""

    def __init__(
        self,
        states: Iterable[tuple[str, str | None]] = (("TERMINATED", "SUCCESS"),),
        *,
        on_run_now: Callable[[Any], object] | None = None,
    ):
        self.states = list(states)
        self.on_run_now = on_run_now
        self.polls = 0
        self.runs: list[Any] = []
        self.cancelled: list[Any] = []

    def __call__(self, call: Any) -> dict[str, Any]:
        if call.method == "POST" and call.url.endswith("/api/2.1/jobs/run-now"):
            if self.on_run_now is not None:
                self.on_run_now(call)
            self.runs.append(call.body)
            return {"run_id": 4711 + len(self.runs), "number_in_job": len(self.runs)}
        if call.method == "POST" and call.url.endswith("/api/2.1/jobs/runs/cancel"):
            # "Cancel a run": asynchronous, a no-op for a run already ended; answers {}.
            self.cancelled.append(call.body["run_id"])
            return {}
        if call.method == "GET" and "/api/2.1/jobs/runs/get?run_id=" in call.url:
            life_cycle, result = self.states[min(self.polls, len(self.states) - 1)]
            self.polls += 1
            state: dict[str, Any] = {"life_cycle_state": life_cycle, "state_message": ""}
            if result is not None:
                state["result_state"] = result
                if result != "SUCCESS":
                    state["state_message"] = f"Task silver failed: {result.lower()}"
            return {"run_id": int(call.url.rsplit("=", 1)[1]), "state": state}
        raise ValueError(f"{call.activity}: not a Jobs API call: {call.method} {call.url}")
