"""`make bench`: synthesis and test speed, as ratios measured side by side on this machine.

Absolute times depend on the machine and its load, so every target is a ratio to a floor
measured in the same run, with the cases alternated (floor, app, floor, app, ...) so that a
burst of load hits all of them alike. Each case runs in a fresh process; the median wall time
and the largest peak memory (summed over the process tree: Python and the jsii Node process)
are reported.

- floor: load cdktf and the assemblies of every provider the app uses, import only the provider
  modules needed, synthesize an empty stack with those providers;
- eager floor: the same, importing the provider packages the ordinary way (their __init__
  imports every resource module);
- in-process synth: `main.py` for every shipped environment;
- make synth: the config check, the app and the input record, as `make synth` runs them;
- cdktf synth: the CLI (`npx cdktf synth`), for comparison;
- no-change make synth: `make synth` when no input changed;
- scaling: generated configs adding N extra objects, and the time each one adds;
- the test suite: `pytest` as `make test` runs it (two workers), without installs and lint.

Prints each measurement as it is taken (stderr), then the table, which it writes to
bench.out/benchmarks.md (git-ignored); BENCH_WRITE_DOCS=1 writes the tracked
docs/benchmarks.md instead, for a commit that updates the published numbers. BENCH_REPEAT
(default 3) sets the runs per case; BENCH_SKIP_TESTS=1 leaves out the test suite;
BENCH_STRICT=1 exits 1 when a target is missed.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CDKTF = str(ROOT / "node_modules" / ".bin" / "cdktf")
SCALES = (10, 100, 1000)
DOCS_REPORT = ROOT / "docs" / "benchmarks.md"
LOCAL_REPORT = ROOT / "bench.out" / "benchmarks.md"

# Provider name in the synthesized JSON -> (package, provider module, provider class).
PROVIDER_CLASSES = {
    "azurerm": ("cdktf_cdktf_provider_azurerm", "provider", "AzurermProvider"),
    "databricks": ("cdktf_cdktf_provider_databricks", "provider", "DatabricksProvider"),
}


@dataclass
class Case:
    name: str
    cmd: list[str]
    env: dict[str, str] = field(default_factory=dict)
    prepare: Callable[[Path], None] | None = None
    """Runs before each timed run with a fresh temporary folder (the run's CDKTF_OUTDIR)."""
    seconds: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        return max(self.peaks_mb)


def _tree_rss_kb(root: int) -> int:
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(statm.split()[1]) * PAGE_KB
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, peak MB of the process tree) of one run; fails loudly if cmd fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(
            f"{' '.join(cmd)} failed ({proc.returncode}):\n{(out + err).decode()[-3000:]}"
        )
    return seconds, peak / 1024


def run_alternating(cases: list[Case], repeat: int = REPEAT) -> None:
    for _ in range(repeat):
        for case in cases:
            with tempfile.TemporaryDirectory() as tmp:
                outdir = Path(tmp) / "cdktf.out"
                if case.prepare:
                    case.prepare(Path(tmp))
                env = {
                    **os.environ,
                    "CDKTF_OUTDIR": str(outdir),
                    "CHECKPOINT_DISABLE": "1",
                    "CI": "1",
                    **{k: v.replace("{tmp}", tmp) for k, v in case.env.items()},
                }
                cmd = [part.replace("{tmp}", tmp) for part in case.cmd]
                seconds, peak = measure(cmd, env)
            case.seconds.append(seconds)
            case.peaks_mb.append(peak)
            print(
                f"bench: {case.name}: run {len(case.seconds)}/{repeat}, {seconds:.2f} s, "
                f"{peak:.0f} MB",
                file=sys.stderr,
                flush=True,
            )


def providers_used() -> list[str]:
    """Provider names in the synthesized stacks of every shipped environment."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "CDKTF_OUTDIR": tmp}
        subprocess.run([PYTHON, "main.py"], cwd=ROOT, env=env, check=True, capture_output=True)
        names: set[str] = set()
        for path in Path(tmp).glob("stacks/*/cdk.tf.json"):
            names |= set(json.loads(path.read_text()).get("provider", {}))
    return sorted(names)


def floor_script(providers: list[str], eager: bool) -> str:
    lines = ["import sys", "sys.path.insert(0, '.')"]
    if eager:
        lines += [f"import {PROVIDER_CLASSES[p][0]}" for p in providers]
    else:
        lines += ["from components.provider_loading import install", "install()"]
    lines += [
        "from cdktf import App, TerraformStack",
        "import os",
        "app = App(outdir=os.environ['CDKTF_OUTDIR'])",
        "stack = TerraformStack(app, 'floor')",
    ]
    for name in providers:
        package, module, cls = PROVIDER_CLASSES[name]
        lines.append(f"from {package}.{module} import {cls}")
        if name == "azurerm":
            lines.append(
                "from cdktf_cdktf_provider_azurerm.provider import AzurermProviderFeatures\n"
                f"{cls}(stack, '{name}', features=[AzurermProviderFeatures()])"
            )
        else:
            lines.append(f"{cls}(stack, '{name}')")
    lines.append("app.synth()")
    return "\n".join(lines)


def scaled_config_dir(tmp: Path, extra: int) -> None:
    """config/ plus one environment with `extra` more objects (see scale_objects)."""
    target = tmp / "config"
    shutil.copytree(ROOT / "config", target)
    # Its own principals and catalog: an account object has one owner (the config rules).
    text = (target / "dev.yaml").read_text().replace("mdp-dev-", "mdp-scale-")
    dev = yaml.safe_load(text.replace("mdp_dev", "mdp_scale"))
    dev["environment"] = "scale"
    dev["name_suffix"] = "99"
    # Its own resource group and deployer (config check environments_keep_their_own).
    dev["resource_group"] = "rg-mdp-scale"
    for principal in dev["unity_catalog"]["service_principals"]:
        if principal["name"] == dev["unity_catalog"]["deployer"]:
            principal["application_id"] = "00000000-0000-0000-0000-00000000005c"
    dev.get("ingestion", {}).pop("git", None)  # one environment (dev) authors adf/ in Git
    # dev's serverless egress policy allows dev's lake only (config check network_policy_
    # serves_the_environment); the scaled environment measures synthesis, not egress.
    dev["databricks"].pop("network_policy", None)
    scale_objects(dev, extra)
    (target / "scale.yaml").write_text(yaml.safe_dump(dev))


def scale_objects(config: dict[str, Any], extra: int) -> None:
    """Adds `extra` Unity Catalog objects to one environment's config.

    Each is an account group assigned to the workspace with USE_CATALOG on the catalog and
    SELECT on the gold schema: a databricks_group, a databricks_mws_permission_assignment and
    two grant entries, validated by the config rules on the way.
    """
    uc = config.setdefault("unity_catalog", {})
    groups = [
        {"name": f"bench-group-{i:04d}", "workspace_permission": "USER"} for i in range(extra)
    ]
    uc["groups"] = [*uc.get("groups", []), *groups]
    grants = uc.setdefault("grants", {})
    catalog = grants.setdefault("catalog", {})
    gold = grants.setdefault("schemas", {}).setdefault("gold", {})
    for group in groups:
        catalog[group["name"]] = ["USE_CATALOG"]
        gold[group["name"]] = ["USE_SCHEMA", "SELECT"]


def make_synth_case() -> Case:
    # What `make synth` runs when an input changed (the record is absent in a fresh folder).
    script = (
        f"{PYTHON} main.py --check && CDKTF_OUTDIR={{tmp}}/cdktf.out {PYTHON} main.py "
        f"&& {PYTHON} -m tooling.synth_inputs record {{tmp}}/cdktf.out"
    )
    return Case("make synth (check + app + record), all environments", ["bash", "-c", script])


def cli_synth_case() -> Case:
    return Case(
        "cdktf synth (the CLI), all environments", [CDKTF, "synth", "--output", "{tmp}/cdktf.out"]
    )


def no_change_case() -> Case:
    return Case("make synth, no input changed", ["make", "--no-print-directory", "synth"])


def machine() -> str:
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB memory, {platform.platform()}"


def main() -> int:
    environments = sorted(p.stem for p in (ROOT / "config").glob("*.yaml"))
    providers = providers_used()
    print(
        f"bench: {REPEAT} alternated runs per case, then the scaling cases"
        + ("" if os.environ.get("BENCH_SKIP_TESTS") == "1" else " and one test-suite run")
        + "; each measurement is printed as it is taken",
        file=sys.stderr,
        flush=True,
    )
    floor = Case(
        "floor: " + " + ".join(providers) + ", lazy import",
        [PYTHON, "-c", floor_script(providers, eager=False)],
    )
    eager = Case(
        "eager floor: ordinary import", [PYTHON, "-c", floor_script(providers, eager=True)]
    )
    app = Case(f"in-process synth: main.py, {len(environments)} environments", [PYTHON, "main.py"])
    cli = make_synth_case()
    cdktf_cli = cli_synth_case()
    run_alternating([floor, eager, app, cli, cdktf_cli])

    if not (ROOT / "cdktf.out" / ".inputs.sha256").exists():
        subprocess.run(
            ["make", "--no-print-directory", "synth"], cwd=ROOT, check=True, capture_output=True
        )
    unchanged = no_change_case()
    run_alternating([unchanged])

    scales = []
    for extra in (0, *SCALES):
        scales.append(
            Case(
                f"scaling: +{extra} objects",
                [PYTHON, "main.py"],
                env={"MDP_CONFIG_DIR": "{tmp}/config", "ENVIRONMENTS": "scale"},
                prepare=functools.partial(scaled_config_dir, extra=extra),
            )
        )
    run_alternating(scales)

    suite = None
    if os.environ.get("BENCH_SKIP_TESTS") != "1":
        suite = Case(
            "test suite: pytest as make test runs it",
            [
                PYTHON,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                "2",
                "--dist",
                "loadgroup",
            ],
        )
        run_alternating([suite], repeat=1)

    rows = [(c, c.median / floor.median) for c in (floor, eager, app, cli, cdktf_cli)]
    base = scales[0].median
    per_object_ms = {
        c.name: (c.median - base) / extra * 1000
        for c, extra in zip(scales[1:], SCALES, strict=True)
    }
    targets = [
        ("in-process synth ≤ 1.3 × floor", app.median / floor.median, 1.3),
        ("make synth ≤ 1.6 × floor", cli.median / floor.median, 1.6),
        ("no-change make synth ≤ 1 s", unchanged.median, 1.0),
        ("1,000 extra objects add ≤ 2 s", scales[-1].median - base, 2.0),
    ]
    if suite is not None:
        targets.append(("test suite ≤ 90 s", suite.median, 90.0))

    lines = [
        "# Benchmarks",
        "",
        f"`make bench` on {machine()}; {REPEAT} alternated runs per case, medians; "
        f"measured {time.strftime('%Y-%m-%d')}.",
        "",
        "| case | median s | × floor | peak MB |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {c.name} | {c.median:.2f} | {r:.2f} | {c.peak:.0f} |" for c, r in rows]
    lines += [f"| {unchanged.name} | {unchanged.median:.2f} | | |"]
    lines += [
        "",
        "| scaling (one generated environment) | median s | added ms per object |",
        "|---|---:|---:|",
    ]
    lines += [f"| {scales[0].name} | {base:.2f} | |"]
    lines += [f"| {c.name} | {c.median:.2f} | {per_object_ms[c.name]:.2f} |" for c in scales[1:]]
    if suite is not None:
        lines += [
            "",
            f"Test suite (pytest on two workers, as `make test` runs it after lint; one "
            f"run): {suite.median:.1f} s wall.",
        ]
    lines += ["", "| target | measured | |", "|---|---:|---|"]
    failed = False
    for label, value, limit in targets:
        ok = value <= limit
        failed |= not ok
        shown = f"{value:.2f}" + (" s" if "s" in label.split("≤")[-1] else " ×")
        lines.append(f"| {label} | {shown} | {'ok' if ok else 'MISSED'} |")
    lines += ["", scale_note()]
    text = "\n".join(lines) + "\n"
    print(text)
    report = write_report(text)
    print(f"bench: written to {report}", file=sys.stderr)
    # A missed target is reported in the table; BENCH_STRICT=1 also makes it the exit status.
    return 1 if failed and os.environ.get("BENCH_STRICT") == "1" else 0


def write_report(text: str, root: Path = ROOT) -> Path:
    """bench.out/benchmarks.md (git-ignored), or the tracked docs/benchmarks.md with
    BENCH_WRITE_DOCS=1: a run for one's own machine leaves the published numbers alone."""
    published = os.environ.get("BENCH_WRITE_DOCS") == "1"
    report = root / (DOCS_REPORT if published else LOCAL_REPORT).relative_to(ROOT)
    report.parent.mkdir(exist_ok=True)
    report.write_text(text)
    return report


def scale_note() -> str:
    doc = textwrap.dedent(scale_objects.__doc__ or "").strip().splitlines()
    return "Scaling objects: " + " ".join(line.strip() for line in doc[2:]) if len(doc) > 2 else ""


if __name__ == "__main__":
    sys.exit(main())
