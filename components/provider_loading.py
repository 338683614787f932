"""Load the prebuilt provider packages without their eager `__init__`.

The prebuilt azurerm package's `__init__` imports all of its ~1,500 resource modules (about 9 s
here) although the app uses a few dozen. Its resource modules need only the package's jsii
assembly, which each of them loads itself (`from .._jsii import *`). So `install()` registers
each provider package in `sys.modules` as an empty package module (its `__path__` only), without
running its `__init__`; importing `cdktf_cdktf_provider_azurerm.subnet` then loads the assembly
once and that one module. The synthesized JSON is byte-identical either way (a test checks it
for every shipped stack).

If a package's layout ever changes (its `__init__` does more than register submodules, or its
`_jsii` module no longer loads the assembly), the package is imported the ordinary way with one
`ProviderLayoutWarning`.

Call `install()` before anything imports a provider module: main.py and the test session do.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from components import toolchain

PROVIDER_PACKAGES: tuple[str, ...] = (
    "cdktf_cdktf_provider_azurerm",
    "cdktf_cdktf_provider_databricks",
)
_LAZY_MARKER = "__mdp_lazy_package__"


class ProviderLayoutWarning(UserWarning):
    """A provider package is not laid out as expected; it was imported the slow, ordinary way."""


@dataclass(frozen=True)
class LoadResult:
    package: str
    lazy: bool
    """True: registered without its __init__; False: imported (or left) the ordinary way."""
    reason: str = ""
    """Why not lazy (empty when lazy)."""


def install(packages: tuple[str, ...] = PROVIDER_PACKAGES) -> list[LoadResult]:
    """Register each package lazily (idempotent); returns what was done for each."""
    return [_register(package) for package in packages]


def is_lazy(package: str) -> bool:
    module = sys.modules.get(package)
    return module is not None and bool(getattr(module, _LAZY_MARKER, False))


def _register(package: str) -> LoadResult:
    if toolchain.is_alias(package):
        importlib.import_module(package)
        return LoadResult(package, False, "CDK Terrain's provider packages load lazily themselves")
    if package in sys.modules:
        lazy = is_lazy(package)
        return LoadResult(package, lazy, "" if lazy else "already imported the ordinary way")
    spec = importlib.util.find_spec(package)
    if spec is None:
        return LoadResult(package, False, "not installed")
    problem = layout_problem(spec)
    if problem:
        warnings.warn(
            f"{package}: {problem}; importing it the ordinary way (synthesis is several "
            "seconds slower, its output the same)",
            ProviderLayoutWarning,
            stacklevel=3,
        )
        importlib.import_module(package)
        return LoadResult(package, False, problem)
    module = importlib.util.module_from_spec(spec)  # the package object, __init__ not run
    setattr(module, _LAZY_MARKER, True)
    sys.modules[package] = module
    return LoadResult(package, True)


def layout_problem(spec: importlib.machinery.ModuleSpec) -> str | None:
    """Why the package cannot be registered lazily, or None."""
    locations = list(spec.submodule_search_locations or [])
    if not locations or spec.origin is None:
        return "it is not a package"
    init = Path(spec.origin)
    jsii_init = Path(locations[0]) / "_jsii" / "__init__.py"
    if not jsii_init.is_file() or "JSIIAssembly.load(" not in jsii_init.read_text("utf-8"):
        return "its _jsii module does not load a jsii assembly"
    tree = ast.parse(init.read_text("utf-8"), filename=str(init))
    for statement in tree.body:
        if not _registers_only(statement):
            return (
                f"its __init__ does more than register submodules (line {statement.lineno}: "
                f"{ast.unparse(statement)[:60]!r})"
            )
    return None


# What a prebuilt provider's __init__ holds besides imports: its namespace path, __all__, and the
# typeguard helper that every resource module defines again for itself.
_ALLOWED_ASSIGNMENTS = {"__path__", "__all__", "TYPEGUARD_MAJOR_VERSION"}
_ALLOWED_FUNCTIONS = {"check_type"}


def _registers_only(node: ast.stmt) -> bool:
    """True for what a prebuilt provider's __init__ holds: imports, __all__, publish()."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return True
    if isinstance(node, ast.FunctionDef):
        return node.name in _ALLOWED_FUNCTIONS
    if isinstance(node, ast.Assign):
        return all(isinstance(t, ast.Name) and t.id in _ALLOWED_ASSIGNMENTS for t in node.targets)
    if isinstance(node, ast.Expr):
        value = node.value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return True  # the docstring
        return isinstance(value, ast.Call) and ast.unparse(value.func) == "publication.publish"
    return False
