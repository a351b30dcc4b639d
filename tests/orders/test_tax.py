"""upsertOrder checks each line's tax against its rate instead of taking it on trust.

Tolerance: quantity x unit price x rate, before the order discount, rounded once per line (within one minor
unit) or once per unit (the quantity times a unit tax rounded either way); net prices derived from gross
ones fall within both. Nothing in between.
"""

from typing import Any

import pytest

from app.runtime import Runtime
from tests.orders.helpers import UPSERT_ORDER, order_input, order_key, push
from tests.support import Api, Caller

ORDER_TOTALS = (
    "query($id: ID!) { node(id: $id) { ... on Order { taxTotal { amount } lines { taxAmount { amount } } } } }"
)


def line(quantity: int, unit_price: str, rate: str, tax: str, **extra: Any) -> dict[str, Any]:
    return {
        "sku": "SKU-1",
        "name": "Thing",
        "quantity": quantity,
        "unitPrice": unit_price,
        "taxRate": rate,
        "taxAmount": tax,
        **extra,
    }


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def tax_amount(index: int) -> list[str]:
    return ["input", "lines", str(index), "taxAmount"]


def tax_rate(index: int) -> list[str]:
    return ["input", "lines", str(index), "taxRate"]


@pytest.fixture
async def key(rt: Runtime) -> str:
    return await order_key(rt)


ACCEPTED = [
    pytest.param([line(1, "10.00", "19", "1.90")], id="exact"),
    pytest.param([line(1, "10.00", "19.00", "1.89"), line(1, "10.00", "1.9e1", "1.91")], id="one minor unit off"),
    pytest.param([line(3, "0.99", "19", "0.57")], id="per-unit rounding up (3 x 0.19)"),
    pytest.param([line(3, "0.99", "19", "0.54")], id="per-unit rounding down (3 x 0.18)"),
    pytest.param([line(3, "0.99", "19", "0.56")], id="per-line rounding"),
    pytest.param([line(1, "8.39", "19", "1.60")], id="net derived from a gross 9.99"),
    pytest.param(
        [line(1000, "0.01", "19", "10.00"), line(1000, "0.01", "19", "0.00"), line(1000, "0.01", "19", "1.90")],
        id="sub-cent unit tax, per unit or per line",
    ),
    pytest.param([line(1, "10.00", "0", "0"), line(2, "5.00", "100", "10.00")], id="0 and 100 percent"),
    pytest.param([line(1, "10.00", "7.7", "0.77"), line(1, "10.00", "2.5", "0.25")], id="decimal rates"),
    pytest.param([line(1, "10.00", "1", "0.10")], id="1 percent"),
]


@pytest.mark.parametrize("lines", ACCEPTED)
async def test_taxes_within_rounding_are_accepted(api: Api, key: str, customer: Caller, lines: list[Any]) -> None:
    payload = await push(api, key, order_input("ok", customer.customer.email, lines=lines, discountTotal="0"))
    assert payload["userErrors"] == []
    assert [line["taxAmount"]["amount"] for line in payload["order"]["lines"]] == [
        f"{float(line['taxAmount']):.2f}" for line in lines
    ]


async def test_yen_has_no_minor_unit_to_spare(api: Api, key: str, customer: Caller) -> None:
    lines = [line(1, "1000", "10", "100"), line(1, "1000", "10", "99"), line(1, "1000", "10", "98")]
    payload = await push(
        api,
        key,
        order_input(
            "jpy", customer.customer.email, lines=lines, currencyCode="JPY", discountTotal="0", shippingTotal="0"
        ),
    )
    assert errors(payload) == [("TAX_MISMATCH", tax_amount(2))]


REFUSED = [
    pytest.param([line(1, "10.00", "19", "99.00")], [("TAX_MISMATCH", tax_amount(0))], id="the issue's 99.00"),
    pytest.param([line(1, "10.00", "19", "1.88")], [("TAX_MISMATCH", tax_amount(0))], id="two minor units short"),
    pytest.param([line(3, "0.99", "19", "0.60")], [("TAX_MISMATCH", tax_amount(0))], id="more than one per unit"),
    pytest.param([line(1000, "0.01", "19", "11.91")], [("TAX_MISMATCH", tax_amount(0))], id="over 1 per unit"),
    pytest.param([line(1000, "0.01", "19", "1.19")], [("TAX_MISMATCH", tax_amount(0))], id="bulk: neither rounding"),
    pytest.param([line(1000, "0.01", "19", "5.00")], [("TAX_MISMATCH", tax_amount(0))], id="bulk: half-way"),
    pytest.param([line(3, "0.99", "19", "0.55")], [("TAX_MISMATCH", tax_amount(0))], id="between the roundings"),
    pytest.param([line(1, "10.00", "0", "0.01")], [("TAX_MISMATCH", tax_amount(0))], id="tax at rate 0"),
    pytest.param([line(1, "10.00", "19", "0")], [("TAX_MISMATCH", tax_amount(0))], id="no tax at 19 percent"),
    pytest.param(
        [line(1, "10.00", "19", "1.90"), line(2, "5.00", "7", "7.00"), line(1, "1.00", "7", "0.07")],
        [("TAX_MISMATCH", tax_amount(1))],
        id="the path names the line",
    ),
    # A fraction where a percent is meant, whatever tax comes with it.
    pytest.param([line(1, "10.00", "0.19", "1.90")], [("INVALID", tax_rate(0))], id="0.19 with 19 percent tax"),
    pytest.param([line(1, "10.00", "0.19", "0")], [("INVALID", tax_rate(0))], id="0.19 with no tax"),
    pytest.param([line(1, "10.00", "0.19", "0.02")], [("INVALID", tax_rate(0))], id="0.19 with its own tax"),
    pytest.param([line(1, "10.00", "0.07", "0.01")], [("INVALID", tax_rate(0))], id="0.07"),
    pytest.param([line(1, "10.00", "0.99", "0.10")], [("INVALID", tax_rate(0))], id="0.99"),
    pytest.param(
        [line(1, "10.00", "-19", "-1.90")], [("INVALID_AMOUNT", tax_amount(0)), ("INVALID", tax_rate(0))], id="negative"
    ),
    pytest.param([line(1, "10.00", "-19", "1.90")], [("INVALID", tax_rate(0))], id="negative rate"),
    pytest.param([line(1, "10.00", "100.01", "10.00")], [("INVALID", tax_rate(0))], id="over 100"),
    pytest.param([line(1, "10.00", "1900", "190.00")], [("INVALID", tax_rate(0))], id="basis points"),
    pytest.param([line(1, "10.00", "19.001", "1.90")], [("INVALID", tax_rate(0))], id="three decimals"),
]


@pytest.mark.parametrize(("lines", "expected"), REFUSED)
async def test_taxes_that_do_not_match_are_refused(
    api: Api, key: str, customer: Caller, lines: list[Any], expected: list[Any]
) -> None:
    payload = await push(api, key, order_input("bad", customer.customer.email, lines=lines, discountTotal="0"))
    assert payload["order"] is None
    assert sorted(errors(payload)) == sorted(expected)


@pytest.mark.parametrize("rate", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1e-999999", "1e-30"])
async def test_rates_that_are_not_numbers_are_refused(api: Api, key: str, customer: Caller, rate: str) -> None:
    payload = await push(api, key, order_input("nan", customer.customer.email, lines=[line(1, "10.00", rate, "1.90")]))
    assert errors(payload) == [("INVALID", tax_rate(0))]


@pytest.mark.parametrize("tax", ["NaN", "sNaN", "Infinity", "1e999999", "0.001"])
async def test_tax_amounts_that_are_not_amounts_are_refused(api: Api, key: str, customer: Caller, tax: str) -> None:
    payload = await push(api, key, order_input("nan", customer.customer.email, lines=[line(1, "10.00", "19", tax)]))
    assert errors(payload) == [("INVALID_AMOUNT", tax_amount(0))]


async def test_the_mismatch_message_says_what_was_expected(api: Api, key: str, customer: Caller) -> None:
    payload = await push(
        api,
        key,
        order_input("msg", customer.customer.email, lines=[line(1, "10.00", "19", "99.00")], discountTotal="0"),
    )
    [error] = payload["userErrors"]
    assert error["message"] == (
        "At 19 % this line's tax is 1.90 EUR (rounded once per line, or once per unit); 99.00 EUR was sent. "
        "Rates are percents (19 for 19 %)."
    )


async def test_tax_is_on_the_line_before_the_order_discount(api: Api, key: str, customer: Caller) -> None:
    discounted = order_input(
        "disc", customer.customer.email, lines=[line(1, "100.00", "19", "17.10")], discountTotal="10.00"
    )
    assert errors(await push(api, key, discounted)) == [("TAX_MISMATCH", tax_amount(0))]
    full = order_input("disc", customer.customer.email, lines=[line(1, "100.00", "19", "19.00")], discountTotal="10.00")
    assert (await push(api, key, full))["userErrors"] == []


async def test_a_refused_update_leaves_the_order_as_it_was(api: Api, key: str, customer: Caller) -> None:
    created = await push(api, key, order_input("keep", customer.customer.email))
    assert created["userErrors"] == []
    order = created["order"]
    changed = order_input("keep", customer.customer.email, lines=[line(1, "10.00", "19", "99.00")])
    assert errors(await push(api, key, changed)) == [("TAX_MISMATCH", tax_amount(0))]
    staff_view = await api.ok(ORDER_TOTALS, {"id": order["id"]}, token=customer.token)
    assert staff_view["node"] == {
        "taxTotal": order["taxTotal"],
        "lines": [{"taxAmount": line["taxAmount"]} for line in order["lines"]],
    }


async def test_no_mismatch_ever_answers_an_internal_error(api: Api, key: str, customer: Caller) -> None:
    hostile = [
        line(1, "10.00", rate, tax) for rate in ("NaN", "0.19", "19", "-0", "1e2") for tax in ("1.90", "sNaN", "-0")
    ]
    result = await api(UPSERT_ORDER, {"i": order_input("many", customer.customer.email, lines=hostile)}, token=key)
    assert result.errors is None
    assert result.data["upsertOrder"]["order"] is None
    assert {e["code"] for e in result.data["upsertOrder"]["userErrors"]} <= {
        "INVALID",
        "INVALID_AMOUNT",
        "TAX_MISMATCH",
    }
