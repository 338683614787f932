"""Skip `cdktf synth` when nothing it reads has changed.

    python -m tooling.synth_inputs check cdktf.out    exit 0 and say "up to date" if unchanged
    python -m tooling.synth_inputs record cdktf.out   remember the inputs of a finished synth

The inputs are every file the synthesized output can depend on (the app's Python, the configs,
the notebooks, adf/, dbt/, the lock files, cdktf.json), the cdktf CLI's version and the
environment variables main.py reads. Their SHA-256 is written to `<outdir>/.inputs.sha256`
after a synth has finished; `make synth` compares it before starting one. A synth that fails
leaves no record, so the next run synthesizes again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORD = ".inputs.sha256"
INPUT_FILES = ("main.py", "cdktf.json", "Pipfile.lock", "package-lock.json")
INPUT_DIRS = (
    "components",
    "stacks",
    "platform_config",
    "datafactory",
    "policy",
    "config",
    "notebooks",
    "lakehouse",
    "adf",
    "dbt",
)
# Environment variables main.py reads (CDKTF_OUTDIR is the output itself).
INPUT_VARIABLES = (
    "ENVIRONMENTS",
    "MDP_CONFIG_DIR",
    "MDP_EAGER_PROVIDERS",
    "MDP_ADF_DIR",
    "MDP_TOOLCHAIN",
)
_SKIPPED_DIRS = {"__pycache__", "target", "logs", "dbt_packages", ".pytest_cache"}
_SKIPPED_SUFFIXES = (".pyc", ".pyo")
CLI_PACKAGE = Path("node_modules") / "cdktf-cli" / "package.json"


def input_files(root: Path, environ: Mapping[str, str]) -> Iterator[Path]:
    """Every input file, in a stable order."""
    for name in INPUT_FILES:
        yield root / name
    folders = [root / name for name in INPUT_DIRS]
    for variable in ("MDP_CONFIG_DIR", "MDP_ADF_DIR"):
        if environ.get(variable):
            folders.append(Path(environ[variable]))
    for folder in folders:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
            for filename in sorted(filenames):
                if not filename.endswith(_SKIPPED_SUFFIXES):
                    yield Path(dirpath) / filename


def inputs_digest(root: Path = ROOT, environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    digest = hashlib.sha256()
    for path in input_files(root, environ):
        label = path.relative_to(root) if path.is_relative_to(root) else path
        digest.update(f"{label}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    cli = root / CLI_PACKAGE
    version = json.loads(cli.read_text())["version"] if cli.is_file() else "<no cdktf-cli>"
    digest.update(f"cdktf-cli={version}\0".encode())
    for name in INPUT_VARIABLES:
        digest.update(f"{name}={environ.get(name, '')}\0".encode())
    return digest.hexdigest()


def is_up_to_date(
    outdir: Path, root: Path = ROOT, environ: Mapping[str, str] | None = None
) -> bool:
    record = outdir / RECORD
    if not record.is_file() or not (outdir / "stacks").is_dir():
        return False
    return record.read_text().strip() == inputs_digest(root, environ)


def record(outdir: Path, root: Path = ROOT, environ: Mapping[str, str] | None = None) -> str:
    value = inputs_digest(root, environ)
    (outdir / RECORD).write_text(value + "\n")
    return value


def forget(outdir: Path) -> None:
    (outdir / RECORD).unlink(missing_ok=True)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("check", "record", "forget"):
        print("usage: python -m tooling.synth_inputs check|record|forget <outdir>", file=sys.stderr)
        return 2
    command, outdir = argv[0], Path(argv[1])
    if command == "check":
        if is_up_to_date(outdir):
            print(f"{outdir} is up to date: no input of the synthesis changed")
            return 0
        return 1
    if command == "forget":
        forget(outdir)
        return 0
    print(f"recorded the inputs of {outdir}: {record(outdir)[:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
