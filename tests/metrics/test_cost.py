"""Rates from the Price List documents and the rates file, and the cost formula. Pure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from emrs_observe.metrics.cost import Billed, PriceError, load_rates_file, parse_price_list, resolve
from emrs_observe.metrics.cost import cost as cost_of
from tests.metrics.aws_answers import FIXTURES


def documents(region: str) -> list[str]:
    return [json.dumps(d) for d in json.loads((FIXTURES / f"{region}.json").read_text())]


def test_the_price_list_gives_rates_per_architecture_and_the_storage_rate() -> None:
    prices = parse_price_list(documents("ap-southeast-1") + documents("us-east-1"), "ap-southeast-1")
    assert prices.vcpu_hour == {"x86_64": 0.065728, "arm64": 0.052585}
    assert prices.memory_gb_hour == {"x86_64": 0.007189, "arm64": 0.005746}
    assert prices.storage_gb_hour == 0.000133  # us-east-1's products are ignored
    assert prices.published == "2025-11-01T00:00:00Z"


def test_cost_is_billed_hours_times_the_rates() -> None:
    prices = parse_price_list(documents("ap-southeast-1"), "ap-southeast-1")
    billed = Billed(vcpu_hours=12.5, memory_gb_hours=50.0, storage_gb_hours=7.25)
    arm, why = resolve("ap-southeast-1", "arm64", prices, None)
    assert why is None and arm is not None
    assert cost_of(billed, arm) == pytest.approx(12.5 * 0.052585 + 50.0 * 0.005746 + 7.25 * 0.000133, abs=1e-12)
    x86, _ = resolve("ap-southeast-1", "x86_64", prices, None)
    assert x86 is not None
    assert cost_of(billed, x86) == pytest.approx(12.5 * 0.065728 + 50.0 * 0.007189 + 7.25 * 0.000133, abs=1e-12)


def test_a_region_without_a_rate_says_which_one_is_missing() -> None:
    prices = parse_price_list(documents("us-east-1"), "us-east-1")
    rates, why = resolve("us-east-1", "arm64", prices, None)
    assert rates is None and why == "no vcpu hour rate for arm64 in us-east-1 in the price list or the rates file"
    assert resolve("eu-north-1", "x86_64", None, None)[0] is None


def test_negotiated_rates_win_and_the_discount_applies_to_the_rest(tmp_path: Path) -> None:
    file = tmp_path / "rates.toml"
    file.write_text(
        'discount_percent = 12.5\n[regions."us-east-1".arm64]\nvcpu_hour = 0.04\nmemory_gb_hour = 0.0045\n'
    )
    negotiated = load_rates_file(file)
    us = parse_price_list(documents("us-east-1"), "us-east-1")
    arm, _ = resolve("us-east-1", "arm64", us, negotiated)
    assert arm is not None and (arm.vcpu_hour, arm.memory_gb_hour) == (0.04, 0.0045)
    assert arm.storage_gb_hour == pytest.approx(0.000111 * 0.875)  # no explicit storage rate: list less 12.5 %
    x86, _ = resolve("us-east-1", "x86_64", us, negotiated)
    assert x86 is not None and x86.vcpu_hour == pytest.approx(0.052624 * 0.875)
    assert "rates file" in arm.source and "-12.5%" in x86.source


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("discount_percent = [", "is not valid TOML"),
        ("discount = 5", "unknown key(s) discount; known: discount_percent, regions"),
        ("discount_percent = 100", "discount_percent must be a number from 0 to below 100"),
        ('[regions."Ireland"]\nstorage_gb_hour = 0.1', "'Ireland' is not an AWS region name"),
        ('[regions."eu-west-1".x86_64]\nvcpu_hour = -1', "[regions.eu-west-1].x86_64 vcpu_hour must be a non-negative"),
        ('[regions."eu-west-1".x86_64]\ncpu = 1', "unknown rate 'cpu'; known: vcpu_hour, memory_gb_hour"),
        ('[regions."eu-west-1"]\narm = 1', "unknown key 'arm'; known: storage_gb_hour, [x86_64], [arm64]"),
    ],
)
def test_a_bad_rates_file_is_named_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "rates.toml"
    file.write_text(text)
    with pytest.raises(PriceError) as caught:
        load_rates_file(file)
    assert str(caught.value).startswith(f"rates file {file}") and message in str(caught.value)
    with pytest.raises(PriceError, match="does not exist"):
        load_rates_file(tmp_path / "missing.toml")


def test_a_price_document_that_is_not_one_is_named_by_its_place() -> None:
    with pytest.raises(PriceError, match=r"GetProducts PriceList\[1\] is not a price list product document"):
        parse_price_list([documents("us-east-1")[0], '{"sku": 1}'], "us-east-1")
    doc = json.loads(documents("us-east-1")[0])
    doc["terms"]["OnDemand"] = {}
    with pytest.raises(PriceError, match=r"PriceList\[0\] \(USE1-EMR-SERVERLESS-vCPUHours\): no OnDemand term"):
        parse_price_list([json.dumps(doc)], "us-east-1")
