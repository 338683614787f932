"""`terraform validate` on every synthesized stack: what the real providers' schemas say about
the JSON cdktf wrote (CI, where the Terraform registry is reachable).

    python -m tooling.validate_stacks cdktf.out [--plugin-cache DIR]

Per stack (in `cdktf.out/stacks/`): `terraform init -backend=false` (no state, no credentials)
and `terraform validate -json`. The providers are downloaded once into a shared plugin cache
(TF_PLUGIN_CACHE_DIR; default `.terraform-plugin-cache/`). Every stack is validated, and the
failures are reported together, each with its stack, the diagnostic and where it points;
exit 1 when any stack fails. TERRAFORM names the executable (default: terraform).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path


def _terraform(
    stack_dir: Path, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [os.environ.get("TERRAFORM", "terraform"), f"-chdir={stack_dir}", *args]
    print(f"$ {' '.join(command)}", file=sys.stderr, flush=True)
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False)


def diagnostics(stack: str, output: str) -> list[str]:
    """Error lines from `terraform validate -json` output (its own message when not JSON)."""
    try:
        report = json.loads(output)
    except json.JSONDecodeError:
        return [f"{stack}: terraform validate wrote no JSON: {output.strip()[-500:]}"]
    lines = []
    for item in report.get("diagnostics", []):
        if item.get("severity") != "error":
            continue
        where = item.get("address") or (item.get("range") or {}).get("filename")
        parts = [stack, where, item.get("summary", "error"), item.get("detail")]
        lines.append(": ".join(str(part) for part in parts if part))
    if not report.get("valid", False) and not lines:
        lines.append(f"{stack}: not valid (no diagnostic given)")
    return lines


def validate(outdir: Path, plugin_cache: Path) -> list[str]:
    """Every problem of every stack under outdir/stacks; empty when all are valid."""
    stacks = sorted(p.parent for p in (outdir / "stacks").glob("*/cdk.tf.json"))
    if not stacks:
        raise FileNotFoundError(f"{outdir}/stacks holds no cdk.tf.json: run `make synth` first")
    plugin_cache.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "TF_PLUGIN_CACHE_DIR": str(plugin_cache.resolve()),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    problems: list[str] = []
    for stack_dir in stacks:
        init = _terraform(stack_dir, "init", "-backend=false", "-input=false", "-no-color", env=env)
        if init.returncode != 0:
            problems.append(f"{stack_dir.name}: terraform init failed: {init.stderr.strip()}")
            continue
        result = _terraform(stack_dir, "validate", "-json", "-no-color", env=env)
        found = diagnostics(stack_dir.name, result.stdout)
        if result.returncode != 0 and not found:
            found = [f"{stack_dir.name}: terraform validate exited {result.returncode}"]
        problems += found
    return problems


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.validate_stacks", description=__doc__)
    parser.add_argument("outdir", type=Path)
    parser.add_argument(
        "--plugin-cache",
        type=Path,
        default=Path(os.environ.get("TF_PLUGIN_CACHE_DIR") or ".terraform-plugin-cache"),
        help="where the providers are downloaded once (default: .terraform-plugin-cache)",
    )
    args = parser.parse_args(argv)
    try:
        problems = validate(args.outdir, args.plugin_cache)
    except OSError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for problem in problems:
        print(problem)
    count = len(list((args.outdir / "stacks").glob("*/cdk.tf.json")))
    print(f"terraform validate: {count} stacks, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
