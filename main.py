#!/usr/bin/env python
"""`cdktf synth` entry point: every stack of every environment in config/.

Environment variables, read here and nowhere below main.py:
  ENVIRONMENTS=dev,prod   narrows the environments (default: every config/*.yaml)
  MDP_CONFIG_DIR=path     another folder of <env>.yaml files (default: config/ beside this file)
  CDKTF_OUTDIR            set by the cdktf CLI: where the stacks are written
  MDP_EAGER_PROVIDERS=1   import the provider packages the ordinary way (slower; the same
                          output: the benchmark and a test compare the two)
  MDP_ADF_DIR=path        another folder of Data Factory artefacts (default: adf/)
  MDP_TOOLCHAIN=cdktn     synthesize on CDK Terrain, CDKTF's maintained fork (default: cdktf
                          where installed, else cdktn; components/toolchain.py)

`python main.py --check` validates the configuration only (no providers are loaded, nothing is
written); `make synth` runs it first so that a bad file fails fast with nothing synthesized.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from components import toolchain as toolchains
from datafactory import artifacts as adf_artifacts
from platform_config import ConfigError, PlatformConfig, load_environments
from platform_config.loader import load_accounts
from platform_config.model import AccountConfig

if TYPE_CHECKING:
    from cdktf import App

DEFAULT_CONFIG_DIR = Path(os.path.relpath(Path(__file__).resolve().parent / "config"))
USAGE = "usage: main.py [--check]"


def selected_environments(value: str | None) -> list[str] | None:
    """ENVIRONMENTS="dev, prod" -> ["dev", "prod"]; unset or blank -> None (all shipped)."""
    if value is None or not value.strip():
        return None
    return [name.strip() for name in value.split(",") if name.strip()]


def build_app(
    configs: Sequence[PlatformConfig],
    outdir: str | None = None,
    *,
    eager_providers: bool = False,
    adf: adf_artifacts.Artifacts | None = None,
    accounts: Sequence[AccountConfig] = (),
    toolchain: str | None = None,
) -> App:
    """adf: the Data Factory artefacts the ingestion stacks deploy. Default: adf/.
    accounts: the account scopes (config/accounts/), one `<account>-account` stack each."""
    # Imported here so that `--check` and configuration errors never pay for loading providers.
    toolchains.use(toolchain)
    from cdktf import App

    from components import provider_loading

    if not eager_providers:
        provider_loading.install()

    from stacks import build_environment
    from stacks.account import AccountStack

    app = App(outdir=outdir) if outdir else App()
    for account in accounts:
        AccountStack(app, account=account)
    artifacts = adf if adf is not None else adf_artifacts.load()
    for config in configs:
        build_environment(app, config, adf=artifacts)
    return app


def main(argv: Sequence[str] = (), environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    if any(arg not in ("--check",) for arg in argv):
        print(f"error: unknown argument(s) {' '.join(argv)}; {USAGE}", file=sys.stderr)
        return 2
    config_dir = Path(environ.get("MDP_CONFIG_DIR") or DEFAULT_CONFIG_DIR)
    try:
        configs = load_environments(config_dir, selected_environments(environ.get("ENVIRONMENTS")))
        accounts = load_accounts(config_dir)
        adf = adf_artifacts.load(Path(environ.get("MDP_ADF_DIR") or adf_artifacts.ADF_DIR))
    except ConfigError as err:  # AdfError is one too
        print(f"error: {err}", file=sys.stderr)
        return 2
    names = ", ".join(
        [config.environment for config in configs] + [f"account {a.account}" for a in accounts]
    )
    if "--check" in argv:
        print(f"configuration valid: {names}")
        return 0
    toolchain = environ.get("MDP_TOOLCHAIN") or None
    if toolchain not in (None, *toolchains.TOOLCHAINS):
        allowed = ", ".join(toolchains.TOOLCHAINS)
        print(f"error: MDP_TOOLCHAIN={toolchain!r}: allowed: {allowed}", file=sys.stderr)
        return 2
    try:
        toolchains.use(toolchain)
    except ImportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    app = build_app(
        configs,
        outdir=environ.get("CDKTF_OUTDIR"),
        eager_providers=environ.get("MDP_EAGER_PROVIDERS") == "1",
        adf=adf,
        accounts=accounts,
        toolchain=toolchain,
    )
    app.synth()
    from policy import write_exceptions

    write_exceptions(app)
    stacks = sorted(child.node.id for child in app.node.children)
    print(f"Generated Terraform code for the stacks: {', '.join(stacks)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
