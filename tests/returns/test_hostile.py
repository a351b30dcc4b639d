"""Junk in every string field of the return operations gets typed answers, never a server error, and
nothing stored changes."""

from typing import Any

import pytest

from app.runtime import Runtime
from tests.returns.helpers import RETURN_NODE, delivered_order, request_input, requested
from tests.support import Api, Caller
from tests.test_hostile_input import JUNK

# (mutation or query, input type, junk fields, the rest of the input, caller)
OPERATIONS: list[tuple[str, str, list[str], dict[str, Any], str]] = [
    ("requestReturn", "RequestReturnInput", ["orderId", "note"], {"resolution": "REFUND", "lines": []}, "customer"),
    (
        "requestReturn",
        "RequestReturnInput",
        ["note"],
        {"resolution": "REFUND", "orderId": None, "lines": None},
        "customer",
    ),
    ("returnCalculate", "RequestReturnInput", ["orderId", "note"], {"resolution": "REFUND", "lines": []}, "customer"),
    ("approveReturn", "ApproveReturnInput", ["returnId", "note"], {}, "staff"),
    ("approveReturn", "ApproveReturnInput", ["note"], {"returnId": None}, "staff"),
    ("rejectReturn", "RejectReturnInput", ["returnId", "reason"], {}, "staff"),
    ("rejectReturn", "RejectReturnInput", ["reason"], {"returnId": None}, "staff"),
    ("markReturnReceived", "MarkReturnReceivedInput", ["returnId", "note"], {}, "staff"),
    ("retryReturnRefund", "RetryReturnRefundInput", ["returnId"], {}, "staff"),
    ("closeReturn", "ReturnIdInput", ["returnId"], {}, "staff"),
]


@pytest.mark.parametrize(
    ("name", "input_type", "fields", "extras", "caller"),
    OPERATIONS,
    ids=[f"{o[0]}-{'-'.join(o[2])}" for o in OPERATIONS],
)
async def test_junk_in_every_return_field_gets_typed_answers(
    api: Api,
    rt: Runtime,
    customer: Caller,
    staff: Caller,
    name: str,
    input_type: str,
    fields: list[str],
    extras: dict[str, Any],
    caller: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rt.settings, "return_auto_approve_limit", 0)  # keep it REQUESTED: nothing may move it
    token = {"customer": customer.token, "staff": staff.token}[caller]
    order = await delivered_order(api, rt, customer)
    waiting = await requested(api, customer, request_input(order, 1))
    defaults = {"returnId": waiting["id"], "orderId": order["id"], "lines": request_input(order, 0, 1)["lines"]}
    kind = "query" if name == "returnCalculate" else "mutation"
    query = f"{kind}($input: {input_type}!) {{ {name}(input: $input) {{ userErrors {{ field message code }} }} }}"
    for junk in JUNK:
        data = dict.fromkeys(fields, junk) | {key: value or defaults[key] for key, value in extras.items()}
        result = await api(query, {"input": data}, token=token)
        assert "INTERNAL_SERVER_ERROR" not in result.error_codes, (name, junk[:20], result.errors)
        if result.errors is None:
            for error in result.data[name]["userErrors"]:
                assert error["code"]
                assert error["message"]
    after = (await api.ok(RETURN_NODE, {"id": waiting["id"]}, token=staff.token))["node"]
    assert after["status"] in ("REQUESTED", "APPROVED", "REJECTED")
    assert after["lines"] == waiting["lines"]


async def test_junk_in_the_staff_filter_gets_typed_answers(api: Api, staff: Caller) -> None:
    query = "query($f: ReturnFilter) { returns(filter: $f) { edges { node { number } } } }"
    for junk in JUNK:
        for key in ("customerId", "orderId"):
            result = await api(query, {"f": {key: junk}}, token=staff.token)
            if "\u0000" in junk:  # refused before any resolver runs, as everywhere
                assert result.error_codes == ["BAD_USER_INPUT"]
                continue
            assert result.errors is None, (key, junk[:20], result.errors)
            assert result.data["returns"]["edges"] == []
