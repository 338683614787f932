"""The providers a rehearsal runs with: the real ones from the registry, or the schema plugin.

    schema   (default here) the schema-only plugin (rehearsal/schema_provider.py) installed as
             azurerm 4.55.0 and databricks 1.99.0 in a local plugin folder; `terraform init
             -plugin-dir` takes them from there, no registry needed. The schemas are the
             output of `terraform providers schema -json` for exactly those versions
             (rehearsal/schemas/, committed; MDP_PROVIDER_SCHEMAS names another file).
    registry (CI, a laptop with the registry) the real providers, downloaded once into the
             plugin cache. Their own value checks run too (ARM ids parsed, enums checked).

The plugin runs in its own environment, toolchains/schema-provider/.venv (make installs it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rehearsal.workspace import RehearsalError

ROOT = Path(__file__).resolve().parent.parent
PLUGIN_PYTHON = ROOT / "toolchains" / "schema-provider" / ".venv" / "bin" / "python"
DEFAULT_SCHEMAS = ROOT / "rehearsal" / "schemas" / "azurerm-4.55.0_databricks-1.99.0.schema.json.gz"
PROVIDERS = {
    # source -> version: the versions the prebuilt bindings pin (cdk.tf.json's required_providers).
    "registry.terraform.io/hashicorp/azurerm": "4.55.0",
    "registry.terraform.io/databricks/databricks": "1.99.0",
}


def schemas_file() -> Path:
    return Path(os.environ.get("MDP_PROVIDER_SCHEMAS") or DEFAULT_SCHEMAS)


def install_schema_plugins(plugin_dir: Path, platform: str = "linux_amd64") -> Path:
    """The schema-only plugin, installed as each provider in plugin_dir (unpacked layout)."""
    schemas = schemas_file()
    if not schemas.is_file():
        raise RehearsalError(
            f"{schemas}: the providers' schemas are missing (set MDP_PROVIDER_SCHEMAS to the "
            "output of `terraform providers schema -json`, or rehearse with --providers registry)"
        )
    if not PLUGIN_PYTHON.is_file():
        raise RehearsalError(f"{PLUGIN_PYTHON} is missing: run `make rehearse` (it installs it)")
    script = ROOT / "rehearsal" / "schema_provider.py"
    stamp = f"{schemas.resolve()} {schemas.stat().st_mtime_ns} {script.stat().st_mtime_ns}"
    if (plugin_dir / ".stamp").is_file() and (plugin_dir / ".stamp").read_text() == stamp:
        return plugin_dir
    for source, version in PROVIDERS.items():
        name = source.rsplit("/", 1)[1]
        folder = plugin_dir / source / version / platform
        folder.mkdir(parents=True, exist_ok=True)
        schema_pb = folder / "schema.pb"
        subprocess.run(
            [str(PLUGIN_PYTHON), str(script), "convert", str(schemas), source, str(schema_pb)],
            check=True,
        )
        executable = folder / f"terraform-provider-{name}_v{version}"
        executable.write_text(
            "#!/bin/sh\n"
            f"# {name} {version}'s schema only, for terraform test's mock providers\n"
            f'exec "{PLUGIN_PYTHON}" "{script}" serve "{schema_pb}"\n'
        )
        executable.chmod(0o755)
    (plugin_dir / ".stamp").write_text(stamp)
    return plugin_dir


def main() -> int:
    """python -m rehearsal.plugins <dir>: install the schema plugins there (for a manual run)."""
    if len(sys.argv) != 2:
        print("usage: python -m rehearsal.plugins <plugin dir>", file=sys.stderr)
        return 2
    print(json.dumps(str(install_schema_plugins(Path(sys.argv[1])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
