"""The scanner's structured settings from the `[compliance.scan]` table of the TOML config.

Flags (`--state`, `--concurrency`, …) come through click; the accounts and the allow-list can only
live in the file. Every problem names the file and the entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from emrs_observe.compliance.allowlist import AllowEntry, AllowListError, parse_entries
from emrs_observe.compliance.rules import rule_ids


class SettingsError(ValueError):
    """The `[compliance.scan]` table is unusable; the message names the file and the entry."""


_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Secrets are never read from the config file (it is often committed or shared).
_FORBIDDEN = ("routing_key", "pagerduty_routing_key", "datadog_api_key", "api_key", "vault_token")


@dataclass(frozen=True)
class AccountTarget:
    account_id: str
    regions: tuple[str, ...]
    role_arn: str | None = None
    external_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ScanSettings:
    accounts: tuple[AccountTarget, ...] = ()
    allow: tuple[AllowEntry, ...] = field(default_factory=tuple)


STRUCTURED_KEYS = frozenset({"accounts", "allow", "regions"})


def parse_settings(
    table: dict[str, Any] | None, source: str, option_keys: frozenset[str] | None = None
) -> ScanSettings:
    """`option_keys`: the scan command's option names; any other key is a typo and refused."""
    table = table or {}
    where = f"{source} [compliance.scan]"
    for key in _FORBIDDEN:
        if key in table:
            raise SettingsError(
                f"{where}: `{key}` must not be in the config file; secrets come from environment "
                "variables only (EMRS_OBSERVE_PAGERDUTY_ROUTING_KEY, DD_API_KEY)"
            )
    if option_keys is not None:
        unknown = sorted(set(table) - option_keys - STRUCTURED_KEYS)
        if unknown:
            known = ", ".join(sorted(option_keys | STRUCTURED_KEYS))
            raise SettingsError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {known}")
    default_regions = table.get("regions")
    accounts = table.get("accounts", [])
    if not isinstance(accounts, list):
        raise SettingsError(f"{where}: `accounts` must be an array of tables ([[compliance.scan.accounts]])")
    targets = [_account(item, f"{where} accounts[{i}]", default_regions) for i, item in enumerate(accounts)]
    seen: set[str] = set()
    for target in targets:
        if target.account_id in seen:
            raise SettingsError(f"{where}: account {target.account_id} is listed twice")
        seen.add(target.account_id)
    try:
        allow = parse_entries(table.get("allow"), where, rule_ids())
    except AllowListError as exc:
        raise SettingsError(str(exc)) from None
    return ScanSettings(tuple(targets), tuple(allow))


def _account(item: Any, where: str, default_regions: Any) -> AccountTarget:
    if not isinstance(item, dict):
        raise SettingsError(f"{where} is not a table")
    unknown = set(item) - {"id", "account_id", "role_arn", "external_id", "regions", "name"}
    if unknown:
        raise SettingsError(f"{where} has unknown field(s) {', '.join(sorted(unknown))}")
    role_arn = item.get("role_arn")
    account_id = item.get("id", item.get("account_id"))
    if role_arn is not None:
        match = _ROLE_ARN.match(str(role_arn))
        if not match:
            raise SettingsError(f"{where}: role_arn {role_arn!r} is not arn:aws:iam::<12 digits>:role/<name>")
        if account_id is None:
            account_id = match.group(1)
        elif str(account_id) != match.group(1):
            raise SettingsError(f"{where}: id {account_id} does not match the account in role_arn {role_arn}")
    if account_id is None or not _ACCOUNT_ID.match(str(account_id)):
        raise SettingsError(f"{where}: `id` must be a 12-digit account id (or give role_arn)")
    regions = item.get("regions", default_regions)
    if not isinstance(regions, list) or not regions:
        raise SettingsError(f"{where}: `regions` must be a non-empty list (here or in [compliance.scan])")
    for region in regions:
        if not isinstance(region, str) or not _REGION.match(region):
            raise SettingsError(f"{where}: {region!r} is not an AWS region name such as eu-west-1")
    external_id = item.get("external_id")
    if external_id is not None and not isinstance(external_id, str):
        raise SettingsError(f"{where}: external_id must be a string")
    name = item.get("name")
    return AccountTarget(
        str(account_id), tuple(dict.fromkeys(regions)), role_arn, external_id, str(name) if name else None
    )
