#!/usr/bin/env python
"""`cdktf synth` entry point: every stack of every environment in config/.

ENVIRONMENTS=dev,prod narrows the environments (default: every config/*.yaml). It is the only
place the process environment is read; nothing below main.py looks at it.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from cdktf import App

from components.policy import as_json_ready, collect_accepted_findings
from platform_config import ConfigError, PlatformConfig, load_environments
from stacks import build_environment

CONFIG_DIR = Path(os.path.relpath(Path(__file__).resolve().parent / "config"))
POLICY_EXCEPTIONS_FILE = "policy-exceptions.json"


def selected_environments(value: str | None) -> list[str] | None:
    """ENVIRONMENTS="dev, prod" -> ["dev", "prod"]; unset or blank -> None (all shipped)."""
    if value is None or not value.strip():
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def build_app(configs: list[PlatformConfig], outdir: str | None = None) -> App:
    app = App(outdir=outdir) if outdir else App()
    for config in configs:
        build_environment(app, config)
    return app


def write_policy_exceptions(app: App) -> Path:
    path = Path(app.outdir) / POLICY_EXCEPTIONS_FILE
    findings = as_json_ready(collect_accepted_findings(app))
    path.write_text(json.dumps(findings, indent=2) + "\n", encoding="utf-8")
    return path


def main() -> int:
    try:
        configs = load_environments(CONFIG_DIR, selected_environments(os.environ.get("ENVIRONMENTS")))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    app = build_app(configs)
    app.synth()
    write_policy_exceptions(app)
    return 0


if __name__ == "__main__":
    sys.exit(main())
