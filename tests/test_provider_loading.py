"""components.provider_loading: only the provider code the app uses, the same output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from components import provider_loading
from components.provider_loading import ProviderLayoutWarning, install, layout_problem
from tests.conftest import REPO_ROOT


def test_the_session_loads_the_providers_lazily():
    assert provider_loading.is_lazy("cdktf_cdktf_provider_azurerm")


def test_the_session_imported_only_the_provider_modules_the_app_uses(synthesized):
    """The whole app is built in this process: about sixty of ~1,500 resource modules (each
    counts twice here, the module and its _private)."""
    for package in provider_loading.PROVIDER_PACKAGES:
        loaded = [m for m in sys.modules if m.startswith(f"{package}.")]
        assert 0 < len(loaded) < 200, (package, len(loaded))


def test_the_shipped_provider_packages_have_the_expected_layout():
    import importlib.util

    for package in provider_loading.PROVIDER_PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and layout_problem(spec) is None, package


def fake_provider(root: Path, name: str, init: str) -> None:
    package = root / name
    (package / "_jsii").mkdir(parents=True)
    (package / "_jsii" / "__init__.py").write_text("import jsii\n# jsii.JSIIAssembly.load(...)\n")
    (package / "__init__.py").write_text(init)
    (package / "thing.py").write_text("VALUE = 42\n")


def test_a_package_laid_out_like_the_providers_is_registered_without_its_init(
    tmp_path, monkeypatch
):
    fake_provider(tmp_path, "mdp_fake_provider_a", "from . import thing\n__all__ = ['thing']\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mdp_fake_provider_a", raising=False)
    (result,) = install(("mdp_fake_provider_a",))
    assert result.lazy
    from mdp_fake_provider_a.thing import VALUE  # type: ignore[import-not-found]

    assert VALUE == 42
    assert "mdp_fake_provider_a.thing" in sys.modules


def test_falls_back_to_the_ordinary_import_with_one_warning_if_the_layout_changed(
    tmp_path, monkeypatch
):
    fake_provider(tmp_path, "mdp_fake_provider_b", "from . import thing\nEAGER = thing.VALUE * 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mdp_fake_provider_b", raising=False)
    with pytest.warns(ProviderLayoutWarning) as caught:
        (result,) = install(("mdp_fake_provider_b",))
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "does more than register submodules (line 2: 'EAGER = thing.VALUE * 2')" in message
    assert "importing it the ordinary way" in message
    assert not result.lazy
    assert sys.modules["mdp_fake_provider_b"].EAGER == 84  # the real __init__ ran


def test_synthesis_is_byte_identical_with_the_ordinary_import(synthesized, tmp_path):
    """Every stack of every shipped environment, lazily loaded (the session) vs eagerly."""
    outdir = tmp_path / "eager"
    proc = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "MDP_EAGER_PROVIDERS": "1",
            "CDKTF_OUTDIR": str(outdir),
            "MDP_CONFIG_DIR": str(synthesized.config_dir),
        },
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lazy = {
        p.relative_to(synthesized.outdir): p.read_bytes()
        for p in synthesized.outdir.glob("stacks/*/cdk.tf.json")
    }
    eager = {p.relative_to(outdir): p.read_bytes() for p in outdir.glob("stacks/*/cdk.tf.json")}
    assert len(lazy) == len(synthesized.stacks)
    assert eager == lazy
