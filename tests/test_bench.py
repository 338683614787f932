"""bench/: the generated scaling environment is a valid config with the extra objects; a run
writes the published numbers only when asked."""

from __future__ import annotations

from bench.__main__ import scaled_config_dir
from platform_config import load_environments


def test_the_scaling_environment_is_valid_and_adds_the_objects(tmp_path, shipped_configs):
    scaled_config_dir(tmp_path, 25)
    configs = {c.environment: c for c in load_environments(tmp_path / "config")}
    assert set(configs) == {c.environment for c in shipped_configs} | {"scale"}
    base = next(c for c in shipped_configs if c.environment == "dev")
    added = len(configs["scale"].unity_catalog.groups) - len(base.unity_catalog.groups)
    assert added == 25
    assert len(configs["scale"].unity_catalog.grants.catalog) == (
        len(base.unity_catalog.grants.catalog) + 25
    )


def test_a_bench_run_leaves_the_published_numbers_alone_unless_asked(tmp_path, monkeypatch):
    from bench.__main__ import write_report

    monkeypatch.delenv("BENCH_WRITE_DOCS", raising=False)
    assert write_report("local\n", tmp_path) == tmp_path / "bench.out" / "benchmarks.md"
    assert not (tmp_path / "docs").exists()
    monkeypatch.setenv("BENCH_WRITE_DOCS", "1")
    (tmp_path / "docs").mkdir()
    assert write_report("published\n", tmp_path) == tmp_path / "docs" / "benchmarks.md"
    assert (tmp_path / "docs" / "benchmarks.md").read_text() == "published\n"
