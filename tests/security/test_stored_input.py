"""Input that must never be stored, attacked through the public API: card numbers however they are
written, bidi controls and noncharacters in names (refused) and free text (removed), unpaired surrogates."""

import json
from typing import Any

import pytest

from app.runtime import Runtime
from tests.accounts.queries import REGISTER
from tests.support import Api, Caller
from tests.tickets.helpers import OPEN, REPLY, call, open_ticket

ERRORS = "userErrors { field message code }"
UPDATE = f"mutation($i: UpdateProfileInput!) {{ updateProfile(input: $i) {{ customer {{ firstName lastName company }} {ERRORS} }} }}"
ADDRESS = (
    f"mutation($i: CreateAddressInput!) {{ createAddress(input: $i) {{ address {{ id line1 firstName }} {ERRORS} }} }}"
)
AFFILIATE = f"""mutation($i: RequestAffiliateStatusInput!) {{
  requestAffiliateStatus(input: $i) {{ affiliateRequest {{ message }} {ERRORS} }} }}"""
PROFILE = "{ me { firstName lastName company addresses { line1 } tickets(first: 50) { edges { node { subject } } } } }"
DE = {"countryCode": "DE", "line1": "Unter den Linden 1", "city": "Berlin", "postalCode": "10115"}

VISA = "4242424242424242"
HIDDEN_CARDS = [
    "\u200b".join(VISA),  # zero-width space between every digit
    "4242\u200c4242\u200c4242\u200c4242",  # zero-width non-joiner
    "4242\u00ad4242\u00ad4242\u00ad4242",  # soft hyphen
    "4242,4242,4242,4242",
    "4242    4242    4242    4242",  # four spaces
    "4242 ,\u200b 4242 ,\u200b 4242 ,\u200b 4242",
    "\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12\uff14\uff12",  # fullwidth
    "\u0664\u0662\u0664\u0662 \u0664\u0662\u0664\u0662 \u0664\u0662\u0664\u0662 \u0664\u0662\u0664\u0662",
    "\u2783\u2781\u2783\u2781" * 4,  # dingbat digits
    "my card: 4242\u20604242\u20604242\u20604242, please",
    "+4242 4242 4242 4242",
]
# Text that was accepted before and still is (the last: 16 digits joined by ", " that fail Luhn).
LEGIT_TEXT = [
    "Delivered 15.01.2024, 10:30; invoice of 1,299.00 EUR, second parcel 2,499.00 EUR.",
    "Call me on +49 30 1234567 or 0171 2345678 after 18:00",
    "Order 1234567 of 2024-05-06, 3 items at 19.99",
    "IBAN DE89 3704 0044 0532 0130 00 please",
    "Tracking 0034 0434 1610 9404 2557",
    "Delivered 2024-01-15, 2024-02-16",
]


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(e["field"][-1] if e["field"] else None, e["code"]) for e in payload["userErrors"]]


async def test_hidden_card_numbers_are_refused_in_names_tickets_and_addresses(api: Api, customer: Caller) -> None:
    before = await api.ok(PROFILE, token=customer.token)
    for text in HIDDEN_CARDS:
        attempts = [
            (UPDATE, {"firstName": text}),
            (UPDATE, {"company": f"ACME {text}"}),
            (OPEN, {"subject": "Card", "body": f"Please charge {text}", "category": "OTHER"}),
            (ADDRESS, {**DE, "line1": text}),
        ]
        for mutation, values in attempts:
            result = await api(mutation, {"i": values}, token=customer.token)
            assert result.error_codes == ["BAD_USER_INPUT"], (text, values)
            assert result.data is None
        literal = await api(
            "mutation { updateProfile(input: {lastName: " + json.dumps(text) + "}) { userErrors { code } } }",
            token=customer.token,
        )
        assert literal.error_codes == ["BAD_USER_INPUT"], text
    assert await api.ok(PROFILE, token=customer.token) == before


async def test_text_that_is_not_a_card_number_is_still_accepted(api: Api, customer: Caller) -> None:
    ticket = await open_ticket(api, customer.token, subject="Two parcels", body=LEGIT_TEXT[0])
    for text in LEGIT_TEXT:
        reply = await call(api, REPLY, customer.token, ticketId=ticket["id"], body=text)
        assert reply["userErrors"] == [], text
        assert reply["ticket"]["messages"][-1]["body"] == text
        profile = await api.ok(UPDATE, {"i": {"company": text[:100]}}, token=customer.token)
        assert profile["updateProfile"]["userErrors"] == [], text


BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
NONCHARACTERS = ["\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]
UNSAFE = BIDI + NONCHARACTERS


def placed(char: str) -> list[str]:
    """The character at the start, in the middle and at the end of a real name."""
    return [f"{char}Anna", f"An{char}na", f"Anna{char}", f"Anna {char}Lang{char}\u2069"]


async def test_bidi_controls_and_noncharacters_are_refused_in_profile_names(api: Api, customer: Caller) -> None:
    before = await api.ok(PROFILE, token=customer.token)
    for char in UNSAFE:
        for value in placed(char):
            for field in ("firstName", "lastName", "company"):
                result = await api.ok(UPDATE, {"i": {field: value}}, token=customer.token)
                assert codes(result["updateProfile"]) == [(field, "INVALID")], (field, repr(value))
    assert await api.ok(PROFILE, token=customer.token) == before
    # The marks that right-to-left names need stay allowed, and so do joiners.
    fine = await api.ok(
        UPDATE,
        {"i": {"firstName": "\u05d0\u05d1\u200f", "lastName": "\u0645\u0631\u064a\u0645\u200e"}},
        token=customer.token,
    )
    assert fine["updateProfile"]["userErrors"] == []
    persian = await api.ok(
        UPDATE, {"i": {"company": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}}, token=customer.token
    )
    assert persian["updateProfile"]["userErrors"] == []


@pytest.mark.parametrize("char", UNSAFE)
async def test_bidi_controls_and_noncharacters_are_refused_at_registration_and_in_addresses(
    api: Api, rt: Runtime, customer: Caller, char: str
) -> None:
    email = f"bidi-{ord(char):x}@example.com"
    registered = await api.ok(
        REGISTER, {"input": {"email": email, "password": "a perfectly fine passphrase", "firstName": f"Eve{char}"}}
    )
    assert codes(registered["register"]) == [("firstName", "INVALID")]
    for field in ("firstName", "lastName", "company", "line1", "line2", "city"):
        result = await api.ok(ADDRESS, {"i": {**DE, field: f"Unter{char} den Linden 1"}}, token=customer.token)
        assert codes(result["createAddress"]) == [(field, "INVALID")], field
    assert (await api.ok(PROFILE, token=customer.token))["me"]["addresses"] == []

    from app.services.errors import AccountError
    from app.services.setup import create_account

    with pytest.raises(AccountError) as refused:
        await create_account(rt, email=email, password="a perfectly fine passphrase", roles=[], last_name=f"Mal{char}")
    assert [(d.code.name, d.field) for d in refused.value.details] == [("INVALID", ("lastName",))]


async def test_bidi_controls_and_noncharacters_are_removed_from_free_text(api: Api, customer: Caller) -> None:
    hostile = "".join(f"{char}word" for char in UNSAFE)
    clean = "word" * len(UNSAFE)
    ticket = await open_ticket(api, customer.token, subject="\u202eHelp\u202c", body=f"\u2067It {hostile}\u2069")
    assert ticket["subject"] == "Help"
    assert ticket["messages"][0]["body"] == f"It {clean}"
    reply = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="more\u202e\ufffe text")
    assert reply["ticket"]["messages"][-1]["body"] == "more text"
    # Only unsafe characters: nothing left, so the body is missing.
    empty = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="\u202e\u2066\ufdd0")
    assert [e["code"] for e in empty["userErrors"]] == ["REQUIRED"]
    asked = await api.ok(AFFILIATE, {"i": {"message": "I run\u202e a blog\U0010ffff"}}, token=customer.token)
    assert asked["requestAffiliateStatus"]["affiliateRequest"]["message"] == "I run a blog"
    # Right-to-left marks in free text stay.
    rtl = await call(api, REPLY, customer.token, ticketId=ticket["id"], body="\u05e9\u05dc\u05d5\u05dd\u200f!")
    assert rtl["ticket"]["messages"][-1]["body"] == "\u05e9\u05dc\u05d5\u05dd\u200f!"


async def test_unpaired_surrogates_are_refused_before_any_resolver(api: Api, customer: Caller) -> None:
    before = await api.ok(PROFILE, token=customer.token)
    headers = {"content-type": "application/json", "authorization": f"Bearer {customer.token}"}
    for value in ("\ud800", "Ann\udfffa", "\ude00\ud83d", "x\ud83d"):
        for fields in ({"firstName": value}, {"firstName": "Ann", "company": value}):
            # json.dumps writes a lone surrogate as its escape, as a hostile client would send it.
            body = json.dumps({"query": UPDATE, "variables": {"i": fields}})
            response = await api.client.post("/graphql", content=body.encode(), headers=headers)
            answer = response.json()
            # The JSON parser refuses the body already (400 BAD_REQUEST); a GraphQL literal reaches the guard.
            assert response.status_code == 400, repr(value)
            assert [e["extensions"]["code"] for e in answer["errors"]] == ["BAD_REQUEST"], repr(value)
            assert answer.get("data") is None
    # A proper pair (an emoji written as two escapes) is one character and is fine.
    body = json.dumps({"query": UPDATE, "variables": {"i": {"company": "Fun \U0001f600"}}})
    assert "\\ud83d\\ude00" in body
    response = await api.client.post("/graphql", content=body.encode(), headers=headers)
    assert response.json()["data"]["updateProfile"]["customer"]["company"] == "Fun \U0001f600"
    after = await api.ok(PROFILE, token=customer.token)
    assert after["me"]["firstName"] == before["me"]["firstName"]


async def test_unpaired_surrogates_in_document_literals_are_refused(api: Api, customer: Caller) -> None:
    for escape in ("\\ud800", "Ann\\udfffa", "x\\ud83d"):
        document = f'mutation {{ updateProfile(input: {{company: "{escape}"}}) {{ userErrors {{ code }} }} }}'
        result = await api(document, token=customer.token)
        assert result.data is None
        assert result.error_codes in (["BAD_USER_INPUT"], ["GRAPHQL_VALIDATION_FAILED"]), escape
