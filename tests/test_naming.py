"""The naming helper: prefix + environment + purpose, CAF abbreviations, Azure's name rules."""

from __future__ import annotations

import pytest

from platform_config import Naming, NamingError, PlatformNames
from platform_config.naming import ABBREVIATIONS

DEV = Naming(prefix="mdp", environment="dev", suffix="01")


def test_caf_abbreviations_are_all_known():
    assert set(ABBREVIATIONS) == {
        "rg",
        "vnet",
        "snet",
        "nsg",
        "st",
        "kv",
        "dbw",
        "dbac",
        "adf",
        "pview",
        "id",
        "cmk",  # not CAF's: a Key Vault key, named like the rest
        "log",
        "pep",
        "ng",
        "pip",
        "afw",
        "afwp",
        "rt",
        "ag",
        "alert",  # not CAF's: alert rules, named like the rest
        "budget",
    }


@pytest.mark.parametrize(
    ("abbreviation", "purpose", "expected"),
    [
        ("rg", "dbw-managed", "rg-mdp-dev-dbw-managed"),
        ("vnet", "", "vnet-mdp-dev"),
        ("snet", "dbw-host", "snet-mdp-dev-dbw-host"),
        ("nsg", "dbw", "nsg-mdp-dev-dbw"),
        ("dbw", "", "dbw-mdp-dev"),
        ("dbac", "", "dbac-mdp-dev"),
        ("adf", "", "adf-mdp-dev"),
        ("pview", "", "pview-mdp-dev"),
        ("log", "", "log-mdp-dev"),
        ("pep", "lake-dfs", "pep-mdp-dev-lake-dfs"),
    ],
)
def test_names_follow_abbreviation_prefix_environment_purpose(abbreviation, purpose, expected):
    assert DEV.name(abbreviation, purpose) == expected


def test_storage_account_has_no_hyphens_and_carries_the_suffix():
    assert DEV.storage_account("lake") == "stmdpdevlake01"


def test_key_vault_carries_the_suffix():
    assert DEV.key_vault("dbw") == "kv-mdp-dev-dbw-01"


def test_suffix_is_left_out_when_empty():
    assert Naming(prefix="mdp", environment="dev").key_vault("dbw") == "kv-mdp-dev-dbw"


def test_fails_if_abbreviation_is_unknown():
    with pytest.raises(NamingError, match="unknown resource abbreviation 'sa'; allowed: rg, vnet"):
        DEV.name("sa")


def test_fails_if_storage_account_name_is_longer_than_24():
    naming = Naming(prefix="platform01", environment="staging1", suffix="0001")
    with pytest.raises(NamingError, match="must be 3-24 characters.*shorten 'prefix'"):
        naming.storage_account("lake")


def test_fails_if_key_vault_name_is_longer_than_24():
    naming = Naming(prefix="platform01", environment="staging1")
    with pytest.raises(NamingError, match=r"kv name: Key Vault name 'kv-platform01-staging1-dbw'"):
        naming.key_vault("dbw")


def test_fails_if_name_has_characters_the_type_forbids():
    with pytest.raises(NamingError, match="contains '!'"):
        DEV.name("dbw", "bad!")


def test_fails_if_name_is_longer_than_the_type_allows():
    with pytest.raises(NamingError, match="allowed 3-63"):
        DEV.name("adf", "x" * 60)


def test_platform_names_are_derived_once_for_every_resource():
    names = PlatformNames.derive(DEV)
    assert names.storage_lake == "stmdpdevlake01"
    assert names.key_vault_platform == "kv-mdp-dev-plat-01"
    assert names.key_vault_databricks == "kv-mdp-dev-dbw-01"
    assert names.databricks_workspace == "dbw-mdp-dev"
    assert names.databricks_access_connector == "dbac-mdp-dev"
    assert names.uc_storage_credential == "mdp-dev-lake"
    assert dict(names.uc_external_locations)["landing"] == "mdp-dev-landing"
    values = [value for _, value in names.items()]
    assert len(values) == len(set(values)), "two resources share a name"


def test_catalog_securables_carry_prefix_and_environment_without_suffix():
    assert DEV.catalog_securable("lake") == "mdp-dev-lake"
    assert DEV.catalog_securable("unity-catalog") == "mdp-dev-unity-catalog"


def test_fails_if_a_catalog_securable_name_has_a_period():
    with pytest.raises(NamingError, match=r"uc name 'mdp-dev-a\.b' contains '\.'"):
        DEV.catalog_securable("a.b")
