"""The provider a rehearsal runs with: the rehearsal provider, installed as azurerm 4.55.0 and
databricks 1.99.0 in a local plugin folder that `terraform init -plugin-dir` takes them from.

It plans and applies as the providers do (rehearsal/schema_provider.py), with the schemas that
`terraform providers schema -json` printed for exactly those versions (rehearsal/schemas/,
committed; MDP_PROVIDER_SCHEMAS names another file) and the behaviour file rehearsal/behaviour.py
writes. It runs in its own environment, toolchains/schema-provider/.venv (make installs it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rehearsal.behaviour import behaviour_json
from rehearsal.errors import RehearsalError

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


def install_schema_plugins(
    plugin_dir: Path, platform: str = "linux_amd64", *, schemas: Path | None = None
) -> Path:
    """The rehearsal provider, installed as each provider in plugin_dir (unpacked layout),
    serving `schemas` (default: the committed file, or MDP_PROVIDER_SCHEMAS)."""
    schemas = schemas or schemas_file()
    if not schemas.is_file():
        raise RehearsalError(
            f"{schemas}: the providers' schemas are missing (set MDP_PROVIDER_SCHEMAS to the "
            "output of `terraform providers schema -json`, or rehearse with --providers registry)"
        )
    if not PLUGIN_PYTHON.is_file():
        raise RehearsalError(f"{PLUGIN_PYTHON} is missing: run `make rehearse` (it installs it)")
    script = ROOT / "rehearsal" / "schema_provider.py"
    checks = ROOT / "vocabulary" / "value_checks.py"
    behaviours = {source: behaviour_json(source.rsplit("/", 1)[1]) for source in PROVIDERS}
    stamp = " ".join(
        [str(schemas.resolve()), str(schemas.stat().st_mtime_ns)]
        + [str(path.stat().st_mtime_ns) for path in (script, checks)]
        + [hashlib.sha256(text.encode()).hexdigest()[:16] for text in behaviours.values()]
    )
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
        behaviour_file = folder / "behaviour.json"
        behaviour_file.write_text(behaviours[source], encoding="utf-8")
        executable = folder / f"terraform-provider-{name}_v{version}"
        executable.write_text(
            "#!/bin/sh\n"
            f"# {name} {version} as the rehearsal provider plans and applies it\n"
            f'exec "{PLUGIN_PYTHON}" "{script}" serve "{schema_pb}" "{behaviour_file}"\n'
        )
        executable.chmod(0o755)
    (plugin_dir / ".stamp").write_text(stamp)
    return plugin_dir


def _provider_schemas(path: Path) -> dict[str, Any]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        schemas = json.load(stream)["provider_schemas"]
    return {source: schemas.get(source) for source in PROVIDERS}


def registry_schemas(folder: Path, terraform: str, env: Mapping[str, str]) -> Path:
    """The schemas the real providers report, from the registry (`terraform init` of a root
    module that requires exactly the pinned versions, then `terraform providers schema -json`),
    after checking that they are the committed ones: the rehearsal provider then serves what the
    real providers serve, and a stale committed file stops the rehearsal here."""
    folder.mkdir(parents=True, exist_ok=True)
    required = {
        source.rsplit("/", 1)[1]: {"source": source.split("/", 1)[1], "version": version}
        for source, version in PROVIDERS.items()
    }
    (folder / "main.tf.json").write_text(
        json.dumps({"terraform": {"required_providers": required}}, indent=2)
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [terraform, *args],
            cwd=folder,
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
        )

    result = run("init", "-input=false", "-no-color")
    if result.returncode != 0:
        raise RehearsalError(
            f"terraform init of the pinned providers in {folder} failed (the registry is "
            f"needed for --providers registry):\n{result.stderr.strip()[-2000:]}"
        )
    result = run("providers", "schema", "-json")
    if result.returncode != 0:
        raise RehearsalError(f"terraform providers schema failed:\n{result.stderr[-2000:]}")
    dumped = folder / "schemas.json"
    dumped.write_text(result.stdout, encoding="utf-8")
    real, committed = _provider_schemas(dumped), _provider_schemas(DEFAULT_SCHEMAS)
    differences = [
        f"{source.rsplit('/', 1)[1]} {kind} {name}"
        for source in PROVIDERS
        for kind in ("provider", "resource_schemas", "data_source_schemas")
        for name in _differing((real[source] or {}), (committed[source] or {}), kind)
    ]
    if differences:
        raise RehearsalError(
            f"the registry's providers report other schemas than {DEFAULT_SCHEMAS.name} for "
            f"{len(differences)} entries ({', '.join(differences[:8])}): replace the committed "
            "files with these versions' data (rehearsal/schemas/README.md)"
        )
    return dumped


def _differing(real: Mapping[str, Any], committed: Mapping[str, Any], kind: str) -> list[str]:
    if kind == "provider":
        return ["configuration"] if real.get("provider") != committed.get("provider") else []
    ours, theirs = real.get(kind) or {}, committed.get(kind) or {}
    return sorted(n for n in set(ours) | set(theirs) if ours.get(n) != theirs.get(n))


def main() -> int:
    """python -m rehearsal.plugins <dir>: install the schema plugins there (for a manual run)."""
    if len(sys.argv) != 2:
        print("usage: python -m rehearsal.plugins <plugin dir>", file=sys.stderr)
        return 2
    print(json.dumps(str(install_schema_plugins(Path(sys.argv[1])))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
