"""Deleting an account: anonymised, signed out, cannot sign in, the email can register again."""

from sqlalchemy import select, text
from sqlmodel import col

from app.principal import Principal
from app.runtime import Runtime
from app.services import analytics_events, audit
from models.analytics import HelpEvent, RegistrationAttempt
from models.customer import Customer, Role
from tests.accounts.queries import LOGIN, ME, REGISTER
from tests.support import Api, Caller, Mailbox, assert_token_refused, login

ERRORS = "userErrors { field message code }"
DELETE = f"mutation($i: DeleteAccountInput!) {{ deleteAccount(input: $i) {{ deleted {ERRORS} }} }}"
ADMIN_DELETE = f"mutation($i: DeleteCustomerInput!) {{ deleteCustomer(input: $i) {{ deletedCustomerId {ERRORS} }} }}"
ADDRESS = "mutation($i: CreateAddressInput!) { createAddress(input: $i) { userErrors { code } } }"
PROFILE = "mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { userErrors { code } } }"


async def test_customer_deletes_their_account(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller, mailbox: Mailbox
) -> None:
    email = customer.customer.email
    await api.ok(
        PROFILE,
        {"i": {"lastName": "Private", "phone": "+14155550123", "dateOfBirth": "1990-01-01"}},
        token=customer.token,
    )
    await api.ok(
        ADDRESS,
        {"i": {"countryCode": "DE", "line1": "Unter den Linden 1", "city": "Berlin", "postalCode": "10115"}},
        token=customer.token,
    )
    other_session = await login(api, email, customer.password)

    wrong = (await api.ok(DELETE, {"i": {"password": "not my password"}}, token=customer.token))["deleteAccount"]
    assert (wrong["deleted"], [e["code"] for e in wrong["userErrors"]]) == (False, ["INCORRECT_PASSWORD"])
    assert (await api.ok(ME, token=customer.token))["me"] is not None

    done = (await api.ok(DELETE, {"i": {"password": customer.password}}, token=customer.token))["deleteAccount"]
    assert done == {"deleted": True, "userErrors": []}
    await assert_token_refused(api, customer.token)
    await assert_token_refused(api, other_session)
    refused = await api.ok(LOGIN, {"input": {"email": email, "password": customer.password}})
    assert [e["code"] for e in refused["login"]["userErrors"]] == ["INVALID_CREDENTIALS"]
    await mailbox.wait_for(email, "Your account was deleted")

    async with rt.db.read() as session:
        row = await session.get(Customer, customer.customer.id)
        assert row is not None
        assert (
            row.status.value,
            row.email,
            row.first_name,
            row.last_name,
            row.phone_encrypted,
            row.date_of_birth_encrypted,
            row.password_hash,
        ) == (
            "DELETED",
            f"deleted-{row.id.hex}@invalid",
            None,
            None,
            None,
            None,
            None,
        )
        leftovers = (await session.execute(text("SELECT count(*) FROM address"))).scalar_one()
        sessions = (await session.execute(text("SELECT count(*) FROM auth_session"))).scalar_one()
    assert leftovers == 0
    assert sessions == 1  # only the other customer's
    assert (await api.ok(ME, token=other_customer.token))["me"] is not None

    # The address is free to register again, as a new account.
    again = await api.ok(REGISTER, {"input": {"email": email, "password": "a fresh passphrase"}})
    assert again["register"] == {"activationMode": "EMAIL_LINK", "userErrors": []}
    await mailbox.wait_for(email, "Activate your account")
    async with rt.db.read() as session:
        owners = list((await session.execute(select(Customer).where(Customer.email == email))).scalars())  # type: ignore[arg-type]
    assert len(owners) == 1
    assert owners[0].id != customer.customer.id


async def test_administrators_delete_on_request(api: Api, admin: Caller, customer: Caller, staff: Caller) -> None:
    assert (
        await api(ADMIN_DELETE, {"i": {"customerId": customer.gid, "reason": "GDPR request #42"}}, token=staff.token)
    ).error_codes == ["FORBIDDEN"]
    no_reason = (await api.ok(ADMIN_DELETE, {"i": {"customerId": customer.gid, "reason": ""}}, token=admin.token))[
        "deleteCustomer"
    ]
    assert [e["code"] for e in no_reason["userErrors"]] == ["REQUIRED"]
    done = (
        await api.ok(ADMIN_DELETE, {"i": {"customerId": customer.gid, "reason": "GDPR request #42"}}, token=admin.token)
    )["deleteCustomer"]
    assert done["deletedCustomerId"] == customer.gid
    await assert_token_refused(api, customer.token)
    twice = (await api.ok(ADMIN_DELETE, {"i": {"customerId": customer.gid, "reason": "again"}}, token=admin.token))[
        "deleteCustomer"
    ]
    assert [e["code"] for e in twice["userErrors"]] == ["ACCOUNT_DELETED"]
    own = (await api.ok(ADMIN_DELETE, {"i": {"customerId": admin.gid, "reason": "x"}}, token=admin.token))[
        "deleteCustomer"
    ]
    assert [e["code"] for e in own["userErrors"]] == ["CANNOT_CHANGE_OWN_ACCOUNT"]
    log = await api.ok(
        "{ securityEvents(filter: {type: ACCOUNT_DELETED}) { edges { node { detail actor { id } } } } }",
        token=admin.token,
    )
    # One event for the deletion, with the reason given (not a second one without it).
    assert log["securityEvents"]["edges"] == [{"node": {"detail": "GDPR request #42", "actor": {"id": admin.gid}}}]


async def test_orders_are_kept_without_personal_details(api: Api, rt: Runtime, customer: Caller, staff: Caller) -> None:
    from tests.orders.helpers import order_input, order_key, push

    key = await order_key(rt)
    pushed = await push(api, key, order_input("kept-1", customer.customer.email))
    order_id = pushed["order"]["id"]
    done = (await api.ok(DELETE, {"i": {"password": customer.password}}, token=customer.token))["deleteAccount"]
    assert done["deleted"] is True
    query = f'{{ node(id: "{order_id}") {{ ... on Order {{ number total {{ amount }} lines {{ sku }} billingAddress {{ firstName line1 city postalCode countryCode }} }} }} }}'
    kept = (await api.ok(query, token=staff.token))["node"]
    assert kept["number"] == "#kept-1"
    assert kept["total"]["amount"] == pushed["order"]["total"]["amount"]
    assert [line["sku"] for line in kept["lines"]] == ["MUG-001", "TEE-1"]
    assert kept["billingAddress"] == {
        "firstName": None,
        "line1": None,
        "city": None,
        "postalCode": None,
        "countryCode": "DE",
    }


CUSTOMER_ONLY = frozenset({Role.CUSTOMER})


async def test_analytics_keep_their_counts_but_not_the_person(
    api: Api, rt: Runtime, customer: Caller, other_customer: Caller
) -> None:
    """The registration's keyed hash (which could confirm the address once registered) goes; help-centre
    visits stay counted but name nobody. Another customer's rows are untouched."""
    mixed_case = customer.customer.email.upper()
    await analytics_events.registration_attempted(rt, f"  {mixed_case} ", None)  # as typed at registration
    await analytics_events.registration_attempted(rt, other_customer.customer.email, None)
    for visitor in (customer, other_customer):
        await analytics_events.help_searched(rt, Principal(customer_id=visitor.customer.id, roles=CUSTOMER_ONLY))
    done = (await api.ok(DELETE, {"i": {"password": customer.password}}, token=customer.token))["deleteAccount"]
    assert done["userErrors"] == []
    async with rt.db.read() as session:
        attempts = list((await session.execute(select(col(RegistrationAttempt.identifier_hash)))).scalars())
        visits = list((await session.execute(select(col(HelpEvent.customer_id)))).scalars())
    assert attempts == [audit.identifier_hash(rt, other_customer.customer.email.lower())]
    assert sorted(visits, key=str) == sorted([None, other_customer.customer.id], key=str)
