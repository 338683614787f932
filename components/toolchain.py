"""One source, two toolchains: CDK for Terraform (default) or CDK Terrain, its maintained fork.

The app imports `cdktf` and the prebuilt `cdktf_cdktf_provider_*` packages everywhere, in the
ordinary `from cdktf import ...` form. CDK Terrain publishes the same API under other module
names (`cdktn`, `cdktn_provider_azurerm`, `cdktn_provider_databricks`). In an environment that
has the fork and not cdktf (the lane of `make synth-cdktn`: toolchains/cdktn/), `use()` adds an
import hook that resolves every `cdktf...` name to the fork's module of the same path: the very
same module object, so each jsii assembly loads once. Nothing else changes: cdktf.json, the
output folder, the stacks' logical ids and so the Terraform state stay as they are.

Call `use()` before anything imports cdktf: main.py does.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

CDKTF = "cdktf"
FORK = "cdktn"
FORK_MODULES: dict[str, str] = {
    "cdktf": "cdktn",
    "cdktf_cdktf_provider_azurerm": "cdktn_provider_azurerm",
    "cdktf_cdktf_provider_databricks": "cdktn_provider_databricks",
}
"""The app's module name -> CDK Terrain's."""


def fork_name(name: str) -> str | None:
    """The fork's module for one of the app's (`cdktf_cdktf_provider_azurerm.subnet` ->
    `cdktn_provider_azurerm.subnet`); None for any other module."""
    top, dot, rest = name.partition(".")
    fork = FORK_MODULES.get(top)
    return None if fork is None else f"{fork}{dot}{rest}"


class _ForkAliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves the app's cdktf module names to the fork's modules (the same objects)."""

    def __init__(self) -> None:
        self._specs: dict[int, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        real = fork_name(fullname)
        if real is None:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        real = fork_name(spec.name)
        assert real is not None
        module = importlib.import_module(real)
        self._specs[id(module)] = module.__spec__  # the import system sets the alias's
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The fork's module ran when it was imported under its own name; it keeps its spec."""
        module.__spec__ = self._specs.pop(id(module), module.__spec__)


_HOOK = _ForkAliases()


def is_alias(name: str) -> bool:
    """Whether `name` resolves to CDK Terrain's module through the hook."""
    return _HOOK in sys.meta_path and fork_name(name) is not None


TOOLCHAINS = (CDKTF, FORK)


def use(toolchain: str | None = None) -> str:
    """Which toolchain the app runs on, set up: `toolchain` ("cdktf" or "cdktn", from
    MDP_TOOLCHAIN) or, when None, cdktf where it is installed, else the fork. ValueError for
    another name; ImportError, naming how to install it, when the chosen one is missing."""
    if toolchain is not None and toolchain not in TOOLCHAINS:
        raise ValueError(f"MDP_TOOLCHAIN={toolchain!r}: allowed: {', '.join(TOOLCHAINS)}")
    if _HOOK in sys.meta_path:
        return FORK
    if toolchain is None:
        toolchain = CDKTF if importlib.util.find_spec(CDKTF) is not None else FORK
    if toolchain == CDKTF:
        if importlib.util.find_spec(CDKTF) is None:
            raise ImportError("cdktf is not installed here: run `make install`")
        return CDKTF
    if importlib.util.find_spec(FORK) is None:
        raise ImportError("CDK Terrain (cdktn) is not installed here: run `make synth-cdktn`")
    if CDKTF in sys.modules:
        raise ImportError("cdktf is already imported: choose the toolchain before importing it")
    sys.meta_path.insert(0, _HOOK)
    return FORK
