"""The platform's configuration: one validated YAML file per environment."""

from platform_config.loader import ConfigError, load_environment, load_environments
from platform_config.model import PlatformConfig
from platform_config.naming import Naming, NamingError, PlatformNames

__all__ = [
    "ConfigError",
    "Naming",
    "NamingError",
    "PlatformConfig",
    "PlatformNames",
    "load_environment",
    "load_environments",
]
