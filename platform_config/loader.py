"""Load `config/<env>.yaml` files into PlatformConfig, reporting every problem of every file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from platform_config import checks
from platform_config.model import AccountConfig, AzurermState, LocalState, PlatformConfig

# Tags of discriminated unions, which pydantic puts in an error's location.
_UNION_TAGS: dict[str, type[BaseModel]] = {"local": LocalState, "azurerm": AzurermState}


class ConfigError(Exception):
    """Configuration problems, each naming the file, field, value and what is allowed."""

    subject = "configuration problem(s)"

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} {self.subject}; nothing was synthesized:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects a key given twice (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def shipped_environments(config_dir: Path) -> list[str]:
    return sorted(p.stem for p in config_dir.glob("*.yaml"))


def load_environments(config_dir: Path, names: Iterable[str] | None = None) -> list[PlatformConfig]:
    """Load the named environments (default: every `*.yaml` in config_dir), all or nothing.

    Every file in config_dir is validated, also when `names` narrows the result: rules across
    environments (one browser_authentication endpoint per region and zone, no overlap in a
    shared VNet) need all of them.
    """
    available = shipped_environments(config_dir)
    wanted = list(names) if names is not None else available
    problems: list[str] = []
    unknown = [n for n in wanted if n not in available]
    if unknown:
        problems.append(
            f"{config_dir}: no configuration for environment(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(available) or '(none: add config/<env>.yaml)'}"
        )
    if not wanted:
        problems.append(f"{config_dir}: no environment to synthesize; add config/<env>.yaml")
    loaded: dict[str, PlatformConfig] = {}
    for name in available:
        path = config_dir / f"{name}.yaml"
        try:
            loaded[str(path)] = load_environment(path)
        except ConfigError as err:
            problems += err.problems
    accounts: dict[str, AccountConfig] = {}
    for path in sorted((config_dir / ACCOUNTS_DIR).glob("*.yaml")):
        try:
            accounts[str(path)] = load_account(path)
        except ConfigError as err:
            problems += err.problems
    for file, issues in checks.check_across(loaded, accounts).items():
        problems += _issues(Path(file), issues)
    if problems:
        raise ConfigError(problems)
    by_name = {config.environment: config for config in loaded.values()}
    return [by_name[name] for name in wanted]


def _read(path: Path) -> dict[str, Any]:
    """A config file's YAML mapping; a ConfigError naming the file, line and column otherwise."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except OSError as err:
        raise ConfigError([f"{path}: cannot read: {err.strerror}"]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = getattr(err, "problem", None) or str(err)
        raise ConfigError([f"{where}: invalid YAML: {problem}"]) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            [
                f"{path}: the file must be a YAML mapping of fields (environment, location, ...); "
                f"got {type(raw).__name__}"
            ]
        )
    return raw


Model = TypeVar("Model", bound=BaseModel)


def _parse(
    path: Path,
    model: type[Model],
    when_invalid: Callable[[dict[str, Any]], list[str]] | None = None,
) -> tuple[Model, list[str]]:
    """The file as `model`, with the template-marker problems found so far; a ConfigError
    with every problem when it does not validate (when_invalid adds more from the raw file)."""
    raw = _read(path)
    markers = checks.template_marker_issues(raw)
    problems = _issues(path, markers)
    try:
        return model.model_validate(raw), problems
    except ValidationError as err:
        # One error per problem: a value already reported for its template marker is not
        # reported again by the field's own rule (a name pattern that rejects '$', say).
        marked = {issue.path for issue in markers}
        problems += [
            _describe(path, e, model) for e in err.errors() if _dotted(e["loc"]) not in marked
        ]
        if when_invalid is not None:
            problems += when_invalid(raw)
        raise ConfigError(problems) from None


def load_environment(path: Path) -> PlatformConfig:
    """One file, checked on its own (check_environments adds the rules across files)."""
    config, problems = _parse(
        path,
        PlatformConfig,
        # Report the cross-field rules of the parts that did parse in the same run.
        when_invalid=lambda raw: _issues(path, checks.check_parts(raw, file_stem=path.stem)),
    )
    problems += _issues(path, checks.check(config, file_stem=path.stem))
    if problems:
        raise ConfigError(problems)
    return config


ACCOUNTS_DIR = "accounts"
"""config/accounts/<account>.yaml: the account scopes (AccountConfig)."""


def load_account(path: Path) -> AccountConfig:
    """One account scope's file (config/accounts/<account>.yaml)."""
    account, problems = _parse(path, AccountConfig)
    regions = [m.region for m in account.metastores]
    for index, region in enumerate(regions):
        if regions.count(region) > 1:
            problems += _issues(
                path,
                [
                    checks.Issue(
                        f"metastores[{index}].region", region, "has two metastores; one each"
                    )
                ],
            )
    if account.account != path.stem:
        problems += _issues(
            path,
            [checks.Issue("account", account.account, f"must match the file name {path.stem!r}")],
        )
    if problems:
        raise ConfigError(problems)
    return account


def load_accounts(config_dir: Path) -> list[AccountConfig]:
    """Every account scope of config_dir/accounts/, sorted by name (none when it is absent)."""
    problems: list[str] = []
    found: list[AccountConfig] = []
    for path in sorted((config_dir / ACCOUNTS_DIR).glob("*.yaml")):
        try:
            found.append(load_account(path))
        except ConfigError as err:
            problems += err.problems
    if problems:
        raise ConfigError(problems)
    return found


def _issues(path: Path, issues: list[checks.Issue]) -> list[str]:
    return [f"{path}: {i.path} = {i.value!r}: {i.message}" for i in issues]


def _describe(path: Path, error: Any, model: type[BaseModel] = PlatformConfig) -> str:
    loc = error["loc"]
    field = _dotted(loc)
    kind = error["type"]
    if kind == "missing":
        return f"{path}: {field}: required field is missing"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        hint = f"; allowed here: {', '.join(allowed)}" if allowed else ""
        return f"{path}: {field}: unknown field{hint}"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_type":
        message = 'must be a string; quote it in YAML (e.g. "01", "10.0.0.0/24")'
    return f"{path}: {field} = {error.get('input')!r}: {message}"


def _dotted(loc: tuple[Any, ...]) -> str:
    # A discriminated union's tag is in pydantic's location, not in what the user wrote.
    return checks.field_path(part for part in loc if part not in _UNION_TAGS)


def _fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        if isinstance(part, int) or not (
            isinstance(current, type) and issubclass(current, BaseModel)
        ):
            continue
        if part in _UNION_TAGS:
            current = _UNION_TAGS[part]
            continue
        if part not in current.model_fields:
            return []
        annotation = current.model_fields[part].annotation
        current = _model_in(annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return sorted(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
