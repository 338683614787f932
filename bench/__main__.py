"""`make bench`: synthesis wall time and peak memory, measured in one run on this machine.

Absolute numbers depend on the machine and its load, so the targets are ratios between runs
measured side by side:

- all shipped environments cost little more than one: the provider import (~6 s of jsii
  loading) is paid once per process, so each extra environment should add under 25 % of a
  one-environment synth;
- validating the configuration (`main.py --check`) loads no provider and stays under 10 % of a
  one-environment synth, so bad input fails fast.

Each case runs REPEAT times in a fresh process; the median wall time and the largest peak
memory (summed over the process tree: Python and the jsii Node process) are reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Result:
    name: str
    seconds: float
    peak_mb: float


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
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, peak / 1024


def run_case(name: str, cmd: list[str], extra_env: dict[str, str]) -> Result:
    times, peaks = [], []
    for _ in range(REPEAT):
        with tempfile.TemporaryDirectory() as outdir:
            env = {
                **os.environ,
                "CDKTF_OUTDIR": outdir,
                "CHECKPOINT_DISABLE": "1",
                "CI": "1",
                **extra_env,
            }
            if "--output" in cmd:
                cmd = [*cmd[: cmd.index("--output") + 1], outdir]
            seconds, peak = measure(cmd, env)
        times.append(seconds)
        peaks.append(peak)
    return Result(name, statistics.median(times), max(peaks))


def main() -> int:
    environments = sorted(p.stem for p in (ROOT / "config").glob("*.yaml"))
    cdktf = str(ROOT / "node_modules" / ".bin" / "cdktf")
    cases = [
        ("config check (all)", [PYTHON, "main.py", "--check"], {}),
        (f"synth app: {environments[0]}", [PYTHON, "main.py"], {"ENVIRONMENTS": environments[0]}),
        (f"synth app: all ({len(environments)})", [PYTHON, "main.py"], {}),
        (f"cdktf synth CLI: all ({len(environments)})", [cdktf, "synth", "--output", "x"], {}),
    ]
    results = [run_case(*case) for case in cases]
    print(f"{'case':34} {'median s':>9} {'peak MB':>9}   ({REPEAT} runs each)")
    for r in results:
        print(f"{r.name:34} {r.seconds:9.2f} {r.peak_mb:9.0f}")
    check, one, every, cli = results
    extra_env = len(environments) - 1
    per_env = (every.seconds - one.seconds) / max(extra_env, 1) / one.seconds
    targets = [
        ("each extra environment adds < 25 % of a one-env synth", per_env, 0.25),
        ("config check < 10 % of a one-env synth", check.seconds / one.seconds, 0.10),
    ]
    print()
    failed = False
    for label, ratio, limit in targets:
        ok = ratio < limit
        failed |= not ok
        print(f"{'ok  ' if ok else 'MISS'} {label}: {ratio:.1%}")
    print(
        f"     CLI overhead over the app: x{cli.seconds / every.seconds:.2f}; "
        f"all-env memory / one-env memory: x{every.peak_mb / one.peak_mb:.2f}"
    )
    print(
        json.dumps(
            {r.name: {"seconds": round(r.seconds, 2), "peak_mb": round(r.peak_mb)} for r in results}
        )
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
