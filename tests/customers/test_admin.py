"""Administrators approve, suspend and reactivate accounts and grant roles; nobody else can."""

import asyncio

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from app.runtime import Runtime
from models.customer import ActivationMode, CustomerStatus, Role
from models.security import SecurityEvent, SecurityEventType
from tests.accounts.queries import LOGIN
from tests.support import (
    Api,
    Caller,
    Mailbox,
    assert_token_refused,
    global_id,
    login,
    make_caller,
    make_customer,
    make_group,
)

ERRORS = "userErrors { field message code }"
APPROVE = f"mutation($input: ApproveCustomerInput!) {{ approveCustomer(input: $input) {{ customer {{ id status }} {ERRORS} }} }}"
SUSPEND = f"mutation($input: SuspendCustomerInput!) {{ suspendCustomer(input: $input) {{ customer {{ id status }} {ERRORS} }} }}"
REACTIVATE = f"mutation($input: ReactivateCustomerInput!) {{ reactivateCustomer(input: $input) {{ customer {{ id status }} {ERRORS} }} }}"
GRANT = f"mutation($input: GrantRoleInput!) {{ grantRole(input: $input) {{ customer {{ id roles }} {ERRORS} }} }}"
REVOKE = f"mutation($input: RevokeRoleInput!) {{ revokeRole(input: $input) {{ customer {{ id roles }} {ERRORS} }} }}"
REQUEST_AFFILIATE = f"""mutation($input: RequestAffiliateStatusInput!) {{
  requestAffiliateStatus(input: $input) {{ affiliateRequest {{ id status message customer {{ id }} }} {ERRORS} }}
}}"""
REJECT_AFFILIATE = f"""mutation($input: RejectAffiliateRequestInput!) {{
  rejectAffiliateRequest(input: $input) {{ affiliateRequest {{ id status decisionReason }} {ERRORS} }}
}}"""
ROLE_HISTORY = """query($id: ID!) { node(id: $id) { ... on Customer {
  roles roleChanges { role action reason createdAt actor { id } } affiliateRequests { status decisionReason }
} } }"""
CUSTOMERS = """query($first: Int, $after: String, $filter: CustomerFilterInput) {
  customers(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id email status } } pageInfo { hasNextPage endCursor hasPreviousPage startCursor }
  }
}"""


async def test_admin_approves_a_pending_account(api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox) -> None:
    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    pending = await make_customer(rt, status=CustomerStatus.PENDING_APPROVAL, group_code="wholesale")
    result = await api.ok(APPROVE, {"input": {"customerId": global_id("Customer", pending.id)}}, token=admin.token)
    assert result["approveCustomer"]["customer"]["status"] == "ACTIVE"
    await mailbox.wait_for(pending.email, "Your account is approved")
    await login(api, pending.email, "a perfectly fine passphrase")
    again = await api.ok(APPROVE, {"input": {"customerId": global_id("Customer", pending.id)}}, token=admin.token)
    assert [e["code"] for e in again["approveCustomer"]["userErrors"]] == ["INVALID_STATUS"]


async def test_suspension_signs_the_customer_out_and_reactivation_lets_them_back(
    api: Api, admin: Caller, customer: Caller, mailbox: Mailbox
) -> None:
    target = {"customerId": customer.gid}
    no_reason = await api.ok(SUSPEND, {"input": {**target, "reason": "  "}}, token=admin.token)
    assert no_reason["suspendCustomer"]["userErrors"] == [
        {"field": ["input", "reason"], "message": "Reason is required.", "code": "REQUIRED"}
    ]
    suspended = await api.ok(SUSPEND, {"input": {**target, "reason": "chargeback fraud"}}, token=admin.token)
    assert suspended["suspendCustomer"]["customer"]["status"] == "SUSPENDED"
    await assert_token_refused(api, customer.token)
    refused = await api.ok(LOGIN, {"input": {"email": customer.customer.email, "password": customer.password}})
    assert [e["code"] for e in refused["login"]["userErrors"]] == ["ACCOUNT_SUSPENDED"]
    await mailbox.wait_for(customer.customer.email, "suspended")

    twice = await api.ok(SUSPEND, {"input": {**target, "reason": "again"}}, token=admin.token)
    assert [e["code"] for e in twice["suspendCustomer"]["userErrors"]] == ["INVALID_STATUS"]
    back = await api.ok(REACTIVATE, {"input": target}, token=admin.token)
    assert back["reactivateCustomer"]["customer"]["status"] == "ACTIVE"
    await login(api, customer.customer.email, customer.password)
    not_suspended = await api.ok(REACTIVATE, {"input": target}, token=admin.token)
    assert [e["code"] for e in not_suspended["reactivateCustomer"]["userErrors"]] == ["INVALID_STATUS"]


AUDIT_OF = """query($id: ID!) { node(id: $id) { ... on Customer {
  securityEvents(first: 10) { edges { node { type detail actor { id } } } }
} } }"""


async def test_approval_and_reactivation_record_their_reason(
    api: Api, rt: Runtime, admin: Caller, mailbox: Mailbox
) -> None:
    """The console always asks why an account is approved or reactivated: the reason is the audit event's
    detail, next to who did it (as for a suspension); a blank reason is recorded as none."""
    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    pending = await make_customer(rt, status=CustomerStatus.PENDING_APPROVAL, group_code="wholesale")
    target = {"customerId": global_id("Customer", pending.id)}
    approved = await api.ok(APPROVE, {"input": {**target, "reason": "VAT number checked"}}, token=admin.token)
    assert approved["approveCustomer"]["customer"]["status"] == "ACTIVE"
    await api.ok(SUSPEND, {"input": {**target, "reason": "unpaid invoices"}}, token=admin.token)
    back = await api.ok(REACTIVATE, {"input": {**target, "reason": "paid by transfer"}}, token=admin.token)
    assert back["reactivateCustomer"]["customer"]["status"] == "ACTIVE"
    history = await api.ok(AUDIT_OF, {"id": target["customerId"]}, token=admin.token)
    events = [edge["node"] for edge in history["node"]["securityEvents"]["edges"]]
    staff_events = [(e["type"], e["detail"], e["actor"]) for e in events if e["actor"]]
    assert staff_events == [
        ("ACCOUNT_REACTIVATED", "paid by transfer", {"id": admin.gid}),
        ("ACCOUNT_SUSPENDED", "unpaid invoices", {"id": admin.gid}),
        ("ACCOUNT_APPROVED", "VAT number checked", {"id": admin.gid}),
    ]

    other = await make_customer(rt, status=CustomerStatus.PENDING_APPROVAL, group_code="wholesale")
    blank = {"customerId": global_id("Customer", other.id), "reason": "   "}
    assert (await api.ok(APPROVE, {"input": blank}, token=admin.token))["approveCustomer"]["userErrors"] == []
    history = await api.ok(AUDIT_OF, {"id": blank["customerId"]}, token=admin.token)
    assert [(e["node"]["type"], e["node"]["detail"]) for e in history["node"]["securityEvents"]["edges"]][:1] == [
        ("ACCOUNT_APPROVED", None)
    ]
    too_long = {"customerId": global_id("Customer", other.id), "reason": "x" * 5000}
    await api.ok(SUSPEND, {"input": {**too_long, "reason": "check"}}, token=admin.token)
    refused = await api.ok(REACTIVATE, {"input": too_long}, token=admin.token)
    assert [e["field"] for e in refused["reactivateCustomer"]["userErrors"]] == [["input", "reason"]]


async def test_admin_cannot_suspend_themselves(api: Api, admin: Caller) -> None:
    result = await api.ok(SUSPEND, {"input": {"customerId": admin.gid, "reason": "oops"}}, token=admin.token)
    assert [e["code"] for e in result["suspendCustomer"]["userErrors"]] == ["CANNOT_CHANGE_OWN_ACCOUNT"]


async def test_unknown_or_malformed_customer_ids(api: Api, admin: Caller, customer: Caller) -> None:
    import uuid

    for bad in ("garbage", global_id("Customer", uuid.uuid4()), global_id("Session", customer.customer.id), ""):
        result = await api.ok(SUSPEND, {"input": {"customerId": bad, "reason": "x"}}, token=admin.token)
        assert result["suspendCustomer"]["userErrors"] == [
            {"field": ["input", "customerId"], "message": "No such customer.", "code": "NOT_FOUND"}
        ]


async def test_roles_are_granted_and_revoked_with_a_recorded_reason(api: Api, admin: Caller, customer: Caller) -> None:
    granted = await api.ok(
        GRANT,
        {"input": {"customerId": customer.gid, "role": "SUPPORT", "reason": "joined the help desk"}},
        token=admin.token,
    )
    assert granted["grantRole"]["customer"]["roles"] == ["CUSTOMER", "SUPPORT"]
    dup = await api.ok(
        GRANT, {"input": {"customerId": customer.gid, "role": "SUPPORT", "reason": "again"}}, token=admin.token
    )
    assert [e["code"] for e in dup["grantRole"]["userErrors"]] == ["ROLE_ALREADY_GRANTED"]

    revoked = await api.ok(
        REVOKE, {"input": {"customerId": customer.gid, "role": "SUPPORT", "reason": "left the team"}}, token=admin.token
    )
    assert revoked["revokeRole"]["customer"]["roles"] == ["CUSTOMER"]
    missing = await api.ok(
        REVOKE, {"input": {"customerId": customer.gid, "role": "SUPPORT", "reason": "x"}}, token=admin.token
    )
    assert [e["code"] for e in missing["revokeRole"]["userErrors"]] == ["ROLE_NOT_GRANTED"]

    history = (await api.ok(ROLE_HISTORY, {"id": customer.gid}, token=admin.token))["node"]["roleChanges"]
    assert [(h["role"], h["action"], h["reason"]) for h in history[:2]] == [
        ("SUPPORT", "REVOKED", "left the team"),
        ("SUPPORT", "GRANTED", "joined the help desk"),
    ]
    assert history[0]["actor"] == {"id": admin.gid}
    # The customer sees their own history, but not the administrator's account.
    own = (await api.ok(ROLE_HISTORY, {"id": customer.gid}, token=customer.token))["node"]["roleChanges"]
    assert own[0]["actor"] is None


async def test_the_last_administrator_keeps_the_role(api: Api, rt: Runtime, admin: Caller) -> None:
    own = await api.ok(REVOKE, {"input": {"customerId": admin.gid, "role": "ADMIN", "reason": "x"}}, token=admin.token)
    assert [e["code"] for e in own["revokeRole"]["userErrors"]] == ["CANNOT_CHANGE_OWN_ACCOUNT"]
    second = await make_caller(api, rt, roles=(Role.ADMIN,))
    removed = await api.ok(
        REVOKE, {"input": {"customerId": second.gid, "role": "ADMIN", "reason": "x"}}, token=admin.token
    )
    assert removed["revokeRole"]["userErrors"] == []


async def test_affiliate_request_is_approved_by_granting_the_role(api: Api, admin: Caller, customer: Caller) -> None:
    asked = await api.ok(REQUEST_AFFILIATE, {"input": {"message": "I run a cycling blog"}}, token=customer.token)
    request = asked["requestAffiliateStatus"]["affiliateRequest"]
    assert request["status"] == "PENDING"
    assert request["customer"] == {"id": customer.gid}
    again = await api.ok(REQUEST_AFFILIATE, {"input": {}}, token=customer.token)
    assert [e["code"] for e in again["requestAffiliateStatus"]["userErrors"]] == ["REQUEST_ALREADY_PENDING"]

    await api.ok(
        GRANT, {"input": {"customerId": customer.gid, "role": "AFFILIATE", "reason": "good fit"}}, token=admin.token
    )
    mine = (await api.ok(ROLE_HISTORY, {"id": customer.gid}, token=customer.token))["node"]
    assert "AFFILIATE" in mine["roles"]
    assert mine["affiliateRequests"] == [{"status": "APPROVED", "decisionReason": "good fit"}]
    token = await login(api, customer.customer.email, customer.password)
    already = await api.ok(REQUEST_AFFILIATE, {"input": {}}, token=token)
    assert [e["code"] for e in already["requestAffiliateStatus"]["userErrors"]] == ["ALREADY_AFFILIATE"]


async def test_affiliate_request_can_be_rejected(api: Api, admin: Caller, customer: Caller, mailbox: Mailbox) -> None:
    asked = await api.ok(REQUEST_AFFILIATE, {"input": {}}, token=customer.token)
    request_id = asked["requestAffiliateStatus"]["affiliateRequest"]["id"]
    rejected = await api.ok(
        REJECT_AFFILIATE, {"input": {"requestId": request_id, "reason": "no audience"}}, token=admin.token
    )
    assert rejected["rejectAffiliateRequest"]["affiliateRequest"] == {
        "id": request_id,
        "status": "REJECTED",
        "decisionReason": "no audience",
    }
    await mailbox.wait_for(customer.customer.email, "affiliate")
    twice = await api.ok(REJECT_AFFILIATE, {"input": {"requestId": request_id, "reason": "x"}}, token=admin.token)
    assert [e["code"] for e in twice["rejectAffiliateRequest"]["userErrors"]] == ["INVALID_STATUS"]
    # A new request is possible after a decision.
    new = await api.ok(REQUEST_AFFILIATE, {"input": {}}, token=customer.token)
    assert new["requestAffiliateStatus"]["userErrors"] == []
    too_long = await api.ok(REQUEST_AFFILIATE, {"input": {"message": "x" * 2001}}, token=customer.token)
    assert [e["code"] for e in too_long["requestAffiliateStatus"]["userErrors"]] == ["TOO_LONG"]


async def test_staff_list_customers_newest_first_with_keyset_pages(api: Api, rt: Runtime, staff: Caller) -> None:
    made = [await make_customer(rt, email_address=f"list-{i}@example.com") for i in range(5)]
    first = (await api.ok(CUSTOMERS, {"first": 3, "filter": {"query": "list-"}}, token=staff.token))["customers"]
    emails = [edge["node"]["email"] for edge in first["edges"]]
    assert emails == [c.email for c in reversed(made)][:3]
    assert first["pageInfo"]["hasNextPage"] is True
    second = (
        await api.ok(
            CUSTOMERS,
            {"first": 3, "after": first["pageInfo"]["endCursor"], "filter": {"query": "LIST-"}},
            token=staff.token,
        )
    )["customers"]
    assert [edge["node"]["email"] for edge in second["edges"]] == [c.email for c in reversed(made)][3:]
    assert second["pageInfo"]["hasNextPage"] is False
    suspended = await api.ok(CUSTOMERS, {"filter": {"status": "SUSPENDED"}}, token=staff.token)
    assert suspended["customers"]["edges"] == []
    wildcard = await api.ok(CUSTOMERS, {"filter": {"query": "%"}}, token=staff.token)
    assert wildcard["customers"]["edges"] == []


async def test_staff_list_the_accounts_holding_roles(api: Api, rt: Runtime, staff: Caller, admin: Caller) -> None:
    """The console's assignee choice: who holds SUPPORT or ADMIN; combined with the other criteria."""
    await make_customer(rt, email_address="plain@example.com")
    affiliate = await make_customer(rt, email_address="partner@example.com", roles=(Role.CUSTOMER, Role.AFFILIATE))
    gone = await make_customer(rt, email_address="left@example.com", roles=(Role.SUPPORT,))
    await api.ok(
        "mutation($i: SuspendCustomerInput!) { suspendCustomer(input: $i) { userErrors { code } } }",
        {"i": {"customerId": global_id("Customer", gone.id), "reason": "left the company"}},
        token=admin.token,
    )

    async def emails(**filter: object) -> set[str]:
        found = await api.ok(CUSTOMERS, {"first": 100, "filter": filter}, token=staff.token)
        return {edge["node"]["email"] for edge in found["customers"]["edges"]}

    everyone_staff = await emails(roles=["SUPPORT", "ADMIN"])
    assert everyone_staff == {staff.customer.email, admin.customer.email, gone.email}
    assert await emails(roles=["SUPPORT", "ADMIN"], status="ACTIVE") == {staff.customer.email, admin.customer.email}
    assert await emails(roles=["AFFILIATE"]) == {affiliate.email}
    assert await emails(roles=["ADMIN"], query="nobody-by-that-name") == set()
    assert "plain@example.com" in await emails(roles=[])  # an empty list restricts nothing
    refused = await api(CUSTOMERS, {"filter": {"roles": ["OWNER"]}}, token=staff.token)
    assert refused.error_codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("args", [{"first": 101}, {"first": -1}, {"after": "not-a-cursor"}])
async def test_bad_pagination_arguments_are_bad_user_input(api: Api, staff: Caller, args: dict[str, object]) -> None:
    result = await api(CUSTOMERS, args, token=staff.token)
    assert result.error_codes == ["BAD_USER_INPUT"]
    assert result.data == {"customers": None}  # the error stays on the field; other root fields survive


PERMISSION_MATRIX = [
    # (operation, variables, who may run it)
    (CUSTOMERS, {}, "staff"),
    ("{ affiliateRequests { edges { cursor } } }", {}, "staff"),
    (APPROVE, {"input": {"customerId": "x"}}, "admin"),
    (SUSPEND, {"input": {"customerId": "x", "reason": "r"}}, "admin"),
    (REACTIVATE, {"input": {"customerId": "x"}}, "admin"),
    (GRANT, {"input": {"customerId": "x", "role": "ADMIN", "reason": "r"}}, "admin"),
    (REVOKE, {"input": {"customerId": "x", "role": "ADMIN", "reason": "r"}}, "admin"),
    (REJECT_AFFILIATE, {"input": {"requestId": "x", "reason": "r"}}, "admin"),
    (REQUEST_AFFILIATE, {"input": {}}, "customer"),
    (
        'mutation { createCustomerGroup(input: {code: "x", name: "x", activationMode: NONE, '
        "selfRegistration: true}) { userErrors { code } } }",
        {},
        "admin",
    ),
    ('mutation { updateCustomerGroup(input: {groupId: "x"}) { userErrors { code } } }', {}, "admin"),
    (
        'mutation { moveCustomerToGroup(input: {customerId: "x", groupId: "x", reason: "r"}) { userErrors { code } } }',
        {},
        "admin",
    ),
    ("{ securityEvents { edges { cursor } } }", {}, "admin"),
    ("{ securityAlerts { edges { cursor } } }", {}, "admin"),
    ('mutation { acknowledgeSecurityAlert(input: {alertId: "x"}) { userErrors { code } } }', {}, "admin"),
    ("{ twoFactor { enabled } }", {}, "customer"),
    ('mutation { deleteCustomer(input: {customerId: "x", reason: "r"}) { userErrors { code } } }', {}, "admin"),
    ('mutation { updateSettings(input: {language: "en"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { deleteAddress(input: {addressId: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { requestEmailChange(input: {newEmail: "x@example.com"}) { userErrors { code } } }', {}, "customer"),
    ("mutation { enableTotp { userErrors { code } } }", {}, "customer"),
    ('mutation { stepUp(input: {password: "x"}) { userErrors { code } } }', {}, "customer"),
    ("{ sessions { id } }", {}, "customer"),
    ("mutation { logout { userErrors { code } } }", {}, "customer"),
    ('mutation { addToWishlist(input: {sku: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { removeFromWishlist(input: {sku: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { recordProductView(input: {sku: "x"}) { userErrors { code } } }', {}, "customer"),
    ('{ product(sku: "x") { id } }', {}, "anonymous"),
    ('mutation { addPaymentMethod(input: {gatewayToken: "tok_x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { removePaymentMethod(input: {paymentMethodId: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { setDefaultPaymentMethod(input: {paymentMethodId: "x"}) { userErrors { code } } }', {}, "customer"),
    (
        'mutation { payOrder(input: {orderId: "x", useStoreCredit: true, idempotencyKey: "k-12345678"}) '
        "{ userErrors { code } } }",
        {},
        "customer",
    ),
    (
        'mutation { payInvoice(input: {invoiceId: "x", useStoreCredit: true, idempotencyKey: "k-12345678"}) '
        "{ userErrors { code } } }",
        {},
        "customer",
    ),
    ('mutation { requestCreditLimit(input: {amount: "10", reason: "r"}) { userErrors { code } } }', {}, "customer"),
    (
        'mutation { payAccountBalance(input: {currencyCode: EUR, amount: "1", paymentMethodId: "x", '
        'idempotencyKey: "k-12345678"}) { userErrors { code } } }',
        {},
        "customer",
    ),
    ("{ creditLimitRequests { edges { cursor } } }", {}, "admin"),
    ("{ paymentStatistics { attempts } }", {}, "admin"),
    ('{ analytics(input: {from: "2026-01-01", to: "2026-01-31"}) { userErrors { code } } }', {}, "staff"),
    ("{ pendingApprovals { count } }", {}, "staff"),
    (
        'mutation { resetTwoFactor(input: {customerId: "x", identityChecks: [ID_DOCUMENT]}) { userErrors { code } } }',
        {},
        "staff",
    ),
    (
        'mutation { createCustomerAccount(input: {email: "x", reason: "r"}) { userErrors { code } } }',
        {},
        "staff",
    ),
    (
        'mutation { decideCreditLimitRequest(input: {requestId: "x", approve: true}) { userErrors { code } } }',
        {},
        "admin",
    ),
    (
        'mutation { adjustStoreCredit(input: {customerId: "x", amount: "1", note: "n"}) { userErrors { code } } }',
        {},
        "admin",
    ),
    ("{ offers { edges { cursor } } }", {}, "staff"),
    (
        'mutation { createOffer(input: {customerId: "x", currency: EUR, validUntil: "2030-01-01T00:00:00+00:00", '
        'lines: [{sku: "s", name: "n", quantity: 1, unitPrice: "1"}]}) { userErrors { code } } }',
        {},
        "staff",
    ),
    ('mutation { acceptOffer(input: {offerId: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { rejectOffer(input: {offerId: "x", reason: "r"}) { userErrors { code } } }', {}, "customer"),
    (
        'mutation { payOffer(input: {offerId: "x", useStoreCredit: true, idempotencyKey: "k-12345678"}) '
        "{ userErrors { code } } }",
        {},
        "customer",
    ),
    (
        'mutation { openTicket(input: {subject: "s", body: "b", category: OTHER}) { userErrors { code } } }',
        {},
        "customer",
    ),
    ('mutation { replyToTicket(input: {ticketId: "x", body: "b"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { closeTicket(input: {ticketId: "x"}) { userErrors { code } } }', {}, "customer"),
    ('mutation { rateTicket(input: {ticketId: "x", rating: 5}) { userErrors { code } } }', {}, "customer"),
    ("{ tickets { edges { cursor } } }", {}, "staff"),
    ('mutation { assignTicket(input: {ticketId: "x", staffId: "y"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { setTicketState(input: {ticketId: "x", state: CLOSED}) { userErrors { code } } }', {}, "staff"),
    (
        '{ helpArticles(query: "x") { edges { cursor } } helpCategories { name } helpArticle(slug: "x") { id } }',
        {},
        "anonymous",
    ),
    ("{ helpArticles(includeUnpublished: true) { edges { cursor } } }", {}, "staff"),
    (
        'mutation { createHelpArticle(input: {title: "t", body: "b", category: "c"}) { userErrors { code } } }',
        {},
        "staff",
    ),
    ('mutation { updateHelpArticle(input: {articleId: "x", title: "t"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { deleteHelpArticle(input: {articleId: "x"}) { userErrors { code } } }', {}, "staff"),
    ("{ returnReasons { code } }", {}, "anonymous"),
    (
        'query { returnCalculate(input: {orderId: "x", resolution: REFUND, lines: []}) { userErrors { code } } }',
        {},
        "customer",
    ),
    (
        'mutation { requestReturn(input: {orderId: "x", resolution: REFUND, lines: []}) { userErrors { code } } }',
        {},
        "customer",
    ),
    ("{ returns { edges { cursor } } }", {}, "staff"),
    ('mutation { approveReturn(input: {returnId: "x"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { rejectReturn(input: {returnId: "x", reason: "r"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { markReturnReceived(input: {returnId: "x"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { retryReturnRefund(input: {returnId: "x"}) { userErrors { code } } }', {}, "staff"),
    ('mutation { closeReturn(input: {returnId: "x"}) { userErrors { code } } }', {}, "staff"),
    ('{ ticket(number: "T-1") { id } }', {}, "customer"),
    ('{ offer(number: "Q-1") { id } }', {}, "customer"),
    ('{ return(number: "R-1") { id } }', {}, "customer"),
    ("{ privacyPolicy { version } }", {}, "anonymous"),
    ('mutation { publishPrivacyPolicy(input: {version: "", text: ""}) { userErrors { code } } }', {}, "admin"),
    ('mutation { confirmConsents(input: {policyVersion: "x"}) { userErrors { code } } }', {}, "customer"),
]
RANK = {"anonymous": 0, "customer": 1, "staff": 2, "admin": 3}


@pytest.mark.parametrize(("operation", "variables", "needs"), PERMISSION_MATRIX)
async def test_permission_matrix(
    api: Api, customer: Caller, staff: Caller, admin: Caller, operation: str, variables: dict[str, object], needs: str
) -> None:
    callers = {"anonymous": None, "customer": customer.token, "staff": staff.token, "admin": admin.token}
    for who, token in callers.items():
        result = await api(operation, variables, token=token)
        if RANK[who] >= RANK[needs]:
            assert not any(code in ("UNAUTHENTICATED", "FORBIDDEN") for code in result.error_codes), (
                who,
                result.errors,
            )
        else:
            assert result.error_codes == ["FORBIDDEN" if token else "UNAUTHENTICATED"], (who, result.errors)


async def test_two_administrators_revoking_each_other_leave_one(api: Api, rt: Runtime, admin: Caller) -> None:
    """If the actor's own ADMIN role went away meanwhile (a concurrent revocation), the last one stays."""
    from app.principal import Principal
    from app.runtime import RequestMeta
    from app.services import customers
    from app.services.errors import AccountError

    second = await make_caller(api, rt, roles=(Role.ADMIN,))
    meta = RequestMeta()
    await customers.revoke_role(
        rt,
        Principal(customer_id=admin.customer.id, roles=frozenset({Role.ADMIN})),
        meta,
        second.customer.id,
        Role.ADMIN,
        "r",
    )
    stale = Principal(customer_id=second.customer.id, roles=frozenset({Role.ADMIN}))
    with pytest.raises(AccountError) as raised:
        await customers.revoke_role(rt, stale, meta, admin.customer.id, Role.ADMIN, "r")
    assert [d.code.value for d in raised.value.details] == ["LAST_ADMIN"]


async def test_two_administrators_suspending_each_other_leave_one(api: Api, rt: Runtime, admin: Caller) -> None:
    from app.principal import Principal
    from app.runtime import RequestMeta
    from app.services import customers
    from app.services.errors import AccountError

    second = await make_caller(api, rt, roles=(Role.ADMIN,))
    meta = RequestMeta()
    await customers.suspend_customer(
        rt, Principal(customer_id=admin.customer.id, roles=frozenset({Role.ADMIN})), meta, second.customer.id, "r"
    )
    stale = Principal(customer_id=second.customer.id, roles=frozenset({Role.ADMIN}))  # suspended meanwhile
    with pytest.raises(AccountError) as raised:
        await customers.suspend_customer(rt, stale, meta, admin.customer.id, "r")
    assert [d.code.value for d in raised.value.details] == ["LAST_ADMIN"]


async def test_the_same_status_change_sent_at_once_happens_once(api: Api, rt: Runtime, admin: Caller) -> None:
    await make_group(rt, "wholesale", ActivationMode.ADMIN_APPROVAL)
    pending = await make_customer(rt, status=CustomerStatus.PENDING_APPROVAL, group_code="wholesale")
    target = {"customerId": global_id("Customer", pending.id), "reason": "checked by phone"}
    for query, name, event in (
        (APPROVE, "approveCustomer", SecurityEventType.ACCOUNT_APPROVED),
        (SUSPEND, "suspendCustomer", SecurityEventType.ACCOUNT_SUSPENDED),
        (REACTIVATE, "reactivateCustomer", SecurityEventType.ACCOUNT_REACTIVATED),
    ):
        sent = [api.ok(query, {"input": target}, token=admin.token) for _ in range(4)]
        answers = [data[name]["userErrors"] for data in await asyncio.gather(*sent)]
        assert sorted(len(errors) for errors in answers) == [0, 1, 1, 1], (name, answers)
        assert {e["code"] for errors in answers for e in errors} == {"INVALID_STATUS"}
        async with rt.db.read() as session:
            recorded = await session.scalar(
                select(func.count())
                .select_from(SecurityEvent)
                .where(col(SecurityEvent.customer_id) == pending.id, col(SecurityEvent.type) == event)
            )
        assert recorded == 1, name
