"""What a pipeline of `adf/` would do for a date, without a cloud: its activities in order, each
Copy's query and sink file, each web call. For authors checking a pipeline from the Studio.

    .venv/bin/python -m datafactory.dry_run --environment prod --date 2024-06-02
    .venv/bin/python -m datafactory.dry_run --trigger-time 2024-06-03T04:00:00Z   # as scheduled
    .venv/bin/python -m datafactory.dry_run --param fullLoad=true --adf-dir path/to/adf

The copy pipeline's `tables` come from the environment's config as the ingestion stack passes
them (default: every contract table); the values only known after a deploy (vault, lake,
workspace, job id) are stand-ins (copy_pipeline.OFFLINE_VALUES), and so is the Jobs API: the job
run it starts is found TERMINATED with SUCCESS at the first poll (copy_pipeline.OfflineJobsApi).
Nothing is copied or started.
Bad arguments exit 2 naming the argument and what is allowed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from datafactory import artifacts as adf_artifacts
from datafactory.copy_pipeline import COPY_PIPELINE, OfflineJobsApi, offline_parameters
from datafactory.engine import EngineUnavailableError
from datafactory.runner import PipelineRun, PipelineRunError, PipelineRunner, sink_path
from platform_config.data_contract import shipped_contract
from platform_config.loader import ConfigError, load_environments

ROOT = Path(__file__).resolve().parent.parent


def _parameter(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"{text!r}: expected name=value, e.g. fullLoad=true")
    return name, value


def _timestamp(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected an ISO 8601 time, e.g. 2024-06-03T04:00:00Z"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _date(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date, yyyy-mm-dd") from None


def describe(run: PipelineRun) -> list[str]:
    lines = [
        f"{run.pipeline} (triggered {run.trigger_time:%Y-%m-%dT%H:%M:%SZ}); variables: "
        + ", ".join(f"{k} = {v!r}" for k, v in run.variables.items())
    ]
    for copy in run.copies:
        schema, table = copy.source_table
        lines.append(f"  copy [{schema}].[{table}]")
        lines.append(f"    query: {copy.query or '(the whole table)'}")
        lines.append(f"    to:    {sink_path(copy).as_posix()}")
    for call in run.web_calls:
        body = call.body
        if not (isinstance(body, str) or body is None):
            body = json.dumps(body)
        lines.append(f"  {call.activity}: {call.method} {call.url} {body or ''}".rstrip())
    if run.failure is not None:
        lines.append(f"  FAILS ({run.failure.error_code}): {run.failure.message}")
    return lines


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m datafactory.dry_run", description=__doc__)
    parser.add_argument("--pipeline", default=COPY_PIPELINE)
    parser.add_argument("--environment", help="take `tables` from config/<environment>.yaml")
    parser.add_argument("--config-dir", type=Path, default=ROOT / "config")
    parser.add_argument("--adf-dir", type=Path, default=adf_artifacts.ADF_DIR)
    parser.add_argument("--date", type=_date, help="the ingest date (default: the trigger's)")
    parser.add_argument(
        "--trigger-time",
        type=_timestamp,
        default=None,
        help="when the run starts, ISO 8601 (default: now)",
    )
    parser.add_argument(
        "--param", type=_parameter, action="append", default=[], help="name=value, repeatable"
    )
    args = parser.parse_args(argv)
    try:
        artifacts = adf_artifacts.load(args.adf_dir)
        parameters: dict[str, str] = {}
        if args.pipeline == COPY_PIPELINE:
            selection = None
            if args.environment:
                (config,) = load_environments(args.config_dir, [args.environment])
                selection = config.ingestion.tables
            parameters = offline_parameters(
                shipped_contract().select(selection), ingest_date=args.date
            )
        parameters.update(dict(args.param))
        # The job's run is answered by a stand-in: started, then found TERMINATED with SUCCESS.
        run = PipelineRunner(artifacts, on_web=OfflineJobsApi()).run(
            args.pipeline,
            parameters,
            trigger_time=args.trigger_time or dt.datetime.now(dt.UTC),
        )
    except ConfigError as err:
        print(f"{len(err.problems)} {err.subject}; nothing was run:", file=sys.stderr)
        print("\n".join(f"  {p}" for p in err.problems), file=sys.stderr)
        return 2
    except PipelineRunError as err:
        print(f"cannot run {args.pipeline} offline: {err}", file=sys.stderr)
        return 2
    except EngineUnavailableError as err:
        print(str(err), file=sys.stderr)
        return 2
    print("\n".join(describe(run)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
