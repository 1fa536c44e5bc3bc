"""What a job run cost: the billed figures of GetJobRun times the rates of its region and architecture.

    cost = vCPUHour x vCPU rate(region, architecture)
         + memoryGBHour x memory rate(region, architecture)
         + storageGBHour x storage rate(region)

with the figures from `billedResourceUtilization`: AWS bills every worker at least one minute and
only the ephemeral storage beyond the 20 GB each worker gets free, and that field already has both.
Rates are the AWS Price List's on-demand prices (service ElasticMapReduce, usage types
`<region code>-EMR-SERVERLESS-{vCPUHours,MemoryGBHours,StorageGBHours}` and the `-ARM-` variants for
Graviton), or, from a rates file, negotiated ones: explicit rates per region and architecture, and a
discount off list prices for the rest. What the formula leaves out is in docs/metrics.md (idle
pre-initialised capacity, Savings Plans and credits, taxes). Pure: the price documents come in as text.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ARCHITECTURES = ("x86_64", "arm64")
_USAGE = re.compile(r"^[A-Z0-9]+-EMR-SERVERLESS-(?P<arm>ARM-)?(?P<what>vCPUHours|MemoryGBHours|StorageGBHours)$")


class PriceError(ValueError):
    """A price document or a rates file that cannot be used; names it and why."""


def architecture(value: object) -> str:
    """`X86_64`/`ARM64` as EMR Serverless spells them (absent means X86_64, its default) -> tag value."""
    text = str(value or "X86_64").lower()
    return "arm64" if text in ("arm64", "aarch64") else "x86_64" if text in ("x86_64", "amd64") else text


@dataclass(frozen=True)
class Billed:
    vcpu_hours: float
    memory_gb_hours: float
    storage_gb_hours: float


@dataclass(frozen=True)
class Rates:
    vcpu_hour: float
    memory_gb_hour: float
    storage_gb_hour: float
    source: str


def cost(billed: Billed, rates: Rates) -> float:
    return (
        billed.vcpu_hours * rates.vcpu_hour
        + billed.memory_gb_hours * rates.memory_gb_hour
        + billed.storage_gb_hours * rates.storage_gb_hour
    )


@dataclass
class RegionPrices:
    """List prices of one region, USD per unit; None where the price list has no product."""

    vcpu_hour: dict[str, float] = field(default_factory=dict)  # architecture -> rate
    memory_gb_hour: dict[str, float] = field(default_factory=dict)
    storage_gb_hour: float | None = None
    published: str = ""  # the newest publicationDate of the products used

    def to_json(self) -> dict[str, Any]:
        return {"vcpu_hour": self.vcpu_hour, "memory_gb_hour": self.memory_gb_hour,
                "storage_gb_hour": self.storage_gb_hour, "published": self.published}

    @staticmethod
    def from_json(doc: dict[str, Any]) -> RegionPrices:
        return RegionPrices(
            {str(k): float(v) for k, v in doc.get("vcpu_hour", {}).items()},
            {str(k): float(v) for k, v in doc.get("memory_gb_hour", {}).items()},
            None if doc.get("storage_gb_hour") is None else float(doc["storage_gb_hour"]),
            str(doc.get("published", "")),
        )


def _on_demand_usd(product: dict[str, Any], where: str) -> float:
    terms = product.get("terms", {}).get("OnDemand")
    if not isinstance(terms, dict) or not terms:
        raise PriceError(f"{where}: no OnDemand term")
    prices = [
        dim
        for term in terms.values()
        for dim in (term.get("priceDimensions") or {}).values()
        if isinstance(dim, dict) and str(dim.get("beginRange", "0")) == "0"
    ]
    if len(prices) != 1:
        raise PriceError(f"{where}: expected one on-demand price from 0 units, found {len(prices)}")
    try:
        return float(prices[0]["pricePerUnit"]["USD"])
    except (KeyError, TypeError, ValueError):
        raise PriceError(f"{where}: pricePerUnit has no USD amount") from None


def parse_price_list(documents: Iterable[str], region: str, where: str = "GetProducts") -> RegionPrices:
    """The EMR Serverless rates of `region` from GetProducts' PriceList entries (each a JSON text).
    Products of other regions or other usage types are ignored; one that cannot be read is an error."""
    prices = RegionPrices()
    for index, text in enumerate(documents):
        here = f"{where} PriceList[{index}]"
        try:
            product = json.loads(text)
            attributes = product["product"]["attributes"]
        except (ValueError, KeyError, TypeError):
            raise PriceError(f"{here} is not a price list product document") from None
        match = _USAGE.match(str(attributes.get("usagetype", "")))
        if not match or attributes.get("regionCode", region) != region:
            continue
        usd = _on_demand_usd(product, f"{here} ({attributes.get('usagetype')})")
        arch = "arm64" if match.group("arm") else "x86_64"
        what = match.group("what")
        if what == "vCPUHours":
            prices.vcpu_hour[arch] = usd
        elif what == "MemoryGBHours":
            prices.memory_gb_hour[arch] = usd
        else:
            prices.storage_gb_hour = usd
        prices.published = max(prices.published, str(product.get("publicationDate", "")))
    return prices


@dataclass(frozen=True)
class RatesFile:
    """Negotiated rates: explicit ones per region (and architecture), a discount off list prices."""

    path: str
    discount_percent: float = 0.0
    # region -> {"x86_64": {"vcpu_hour": .., "memory_gb_hour": ..}, "arm64": {...}, "storage_gb_hour": ..}
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)


_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def load_rates_file(path: str | Path) -> RatesFile:
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text("utf-8-sig"))
    except FileNotFoundError:
        raise PriceError(f"rates file {file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceError(f"rates file {file} cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PriceError(f"rates file {file} is not valid TOML: {exc}") from None
    unknown = set(data) - {"discount_percent", "regions"}
    if unknown:
        raise PriceError(f"rates file {file}: unknown key(s) {', '.join(sorted(unknown))}; known: discount_percent, "
                         "regions")
    discount = data.get("discount_percent", 0.0)
    if isinstance(discount, bool) or not isinstance(discount, (int, float)) or not 0 <= discount < 100:
        raise PriceError(f"rates file {file}: discount_percent must be a number from 0 to below 100")
    regions = data.get("regions", {})
    if not isinstance(regions, dict):
        raise PriceError(f"rates file {file}: [regions] must be a table of regions")
    for region, table in regions.items():
        where = f"rates file {file} [regions.{region}]"
        if not _REGION.match(region):
            raise PriceError(f"{where}: {region!r} is not an AWS region name such as eu-west-1")
        if not isinstance(table, dict):
            raise PriceError(f"{where} is not a table")
        for key, value in table.items():
            if key == "storage_gb_hour":
                _rate(value, f"{where} storage_gb_hour")
            elif key in ARCHITECTURES and isinstance(value, dict):
                for name, rate in value.items():
                    if name not in ("vcpu_hour", "memory_gb_hour"):
                        raise PriceError(f"{where}.{key}: unknown rate {name!r}; known: vcpu_hour, memory_gb_hour")
                    _rate(rate, f"{where}.{key} {name}")
            else:
                raise PriceError(f"{where}: unknown key {key!r}; known: storage_gb_hour, [x86_64], [arm64]")
    return RatesFile(str(file), float(discount), regions)


def _rate(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PriceError(f"{where} must be a non-negative number (USD per unit)")
    return float(value)


def resolve(
    region: str, arch: str, listed: RegionPrices | None, negotiated: RatesFile | None
) -> tuple[Rates | None, str | None]:
    """(rates, None), or (None, why there are none) for a region and architecture."""
    table = (negotiated.regions.get(region) if negotiated else None) or {}
    per_arch = table.get(arch) or {}
    factor = 1 - (negotiated.discount_percent / 100 if negotiated else 0.0)
    values: dict[str, float] = {}
    sources: set[str] = set()
    for name, explicit, listed_value in (
        ("vcpu_hour", per_arch.get("vcpu_hour"), listed.vcpu_hour.get(arch) if listed else None),
        ("memory_gb_hour", per_arch.get("memory_gb_hour"), listed.memory_gb_hour.get(arch) if listed else None),
        ("storage_gb_hour", table.get("storage_gb_hour"), listed.storage_gb_hour if listed else None),
    ):
        if explicit is not None:
            values[name] = float(explicit)
            sources.add("rates file")
        elif listed_value is not None:
            values[name] = listed_value * factor
            sources.add("price list" + (f" -{negotiated.discount_percent:g}%" if factor != 1 and negotiated else ""))
        else:
            return None, f"no {name.replace('_', ' ')} rate for {arch} in {region} in the price list or the rates file"
    return Rates(values["vcpu_hour"], values["memory_gb_hour"], values["storage_gb_hour"],
                 " + ".join(sorted(sources))), None
