"""The portal is the reference client of our API: every customer-facing query, mutation and subscription,
and every field of the signed-in customer, is used by some portal operation. What a customer never does
in "My Account" (staff, administrators, the order system, the storefront's product pages) is listed below
with the reason, and the list cannot go stale: an entry the portal uses, or the schema no longer has,
fails too.

The staff console is the reference client of the staff side: every entry listed for staff or administrators
is used by a console operation (portal/src/staff/operations.js), or named in STAFF_CONSOLE_EXCEPTIONS with
the reason the console leaves it out."""

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLObjectType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    parse,
    visit,
)

from tests.portal.test_operations import CUSTOMER_OPERATIONS, ROOT, STAFF_OPERATIONS

SCHEMA = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
STAFF = "staff and administrators work this side of the flow (the staff console)"
ADMIN = "administrators only (the staff console)"
INTEGRATION = "the order system, POS or returns integration sends it with an API key, never a customer"
STOREFRONT = "the storefront's product pages send it where the product is shown; the portal shows no products"

NOT_IN_THE_PORTAL: dict[str, str] = {
    # Query
    "Query.customers": STAFF,
    "Mutation.resetTwoFactor": STAFF,
    "Mutation.createCustomerAccount": STAFF,
    "Query.pendingApprovals": STAFF,
    "Query.customerRecord": INTEGRATION + " (customers:read: a mailing system)",
    "Query.customerRecords": INTEGRATION + " (customers:read: a mailing system)",
    "Mutation.upsertCustomer": INTEGRATION + " (customers:write: a POS)",
    "Mutation.createCustomerGroup": ADMIN,
    "Mutation.updateCustomerGroup": ADMIN,
    "Mutation.moveCustomerToGroup": ADMIN,
    "Customer.groupHistory": STAFF + " (empty for customers: the reasons are internal notes)",
    "Query.affiliateRequests": STAFF,
    "Query.securityEvents": ADMIN + "; customers read theirs as me.securityEvents",
    "Query.securityAlerts": ADMIN,
    "Query.creditLimitRequests": ADMIN + "; customers read theirs as me.creditLimitRequests",
    "Query.paymentStatistics": ADMIN,
    "Query.analytics": STAFF,
    "Query.offers": STAFF + "; customers read theirs as me.offers",
    "Query.returns": STAFF + "; customers read theirs as me.returns",
    "Query.tickets": STAFF + "; customers read theirs as me.tickets",
    "Query.product": STOREFRONT,
    "Query.nodes": "a batch form of node(id:); each portal page asks for its objects in its one request",
    # Mutation
    "Mutation.approveCustomer": STAFF,
    "Mutation.suspendCustomer": STAFF,
    "Mutation.reactivateCustomer": STAFF,
    "Mutation.grantRole": ADMIN,
    "Mutation.revokeRole": ADMIN,
    "Mutation.rejectAffiliateRequest": ADMIN,
    "Mutation.acknowledgeSecurityAlert": ADMIN,
    "Mutation.deleteCustomer": ADMIN,
    "Mutation.publishPrivacyPolicy": ADMIN,
    "Query.webhookEndpoints": ADMIN + " (outbound webhooks)",
    "Mutation.createWebhookEndpoint": ADMIN + " (outbound webhooks)",
    "Mutation.updateWebhookEndpoint": ADMIN + " (outbound webhooks)",
    "Mutation.rotateWebhookSecret": ADMIN + " (outbound webhooks)",
    "Mutation.disableWebhookEndpoint": ADMIN + " (outbound webhooks)",
    "Mutation.enableWebhookEndpoint": ADMIN + " (outbound webhooks)",
    "Mutation.redeliverWebhook": ADMIN + " (outbound webhooks)",
    "Mutation.redeliverWebhookEvents": ADMIN + " (outbound webhooks)",
    "Mutation.testWebhookEndpoint": ADMIN + " (outbound webhooks)",
    "Mutation.upsertProducts": INTEGRATION,
    "Mutation.upsertOrder": INTEGRATION,
    "Mutation.updateOrderStatus": INTEGRATION,
    "Mutation.addShipment": INTEGRATION,
    "Mutation.addTrackingEvent": INTEGRATION,
    "Mutation.decideCreditLimitRequest": ADMIN,
    "Mutation.adjustStoreCredit": ADMIN,
    "Mutation.recordAccountPayment": ADMIN,
    "Mutation.createOffer": STAFF,
    "Mutation.approveReturn": STAFF,
    "Mutation.rejectReturn": STAFF,
    "Mutation.markReturnReceived": STAFF + " or the returns integration",
    "Mutation.retryReturnRefund": STAFF,
    "Mutation.closeReturn": STAFF,
    "Mutation.assignTicket": STAFF,
    "Mutation.addTicketNote": STAFF,
    "Mutation.reviseOffer": STAFF,
    "Mutation.withdrawOffer": STAFF,
    "Query.staffActions": STAFF,
    "Mutation.setTicketState": STAFF,
    "Mutation.createHelpArticle": STAFF,
    "Mutation.updateHelpArticle": STAFF,
    "Mutation.deleteHelpArticle": STAFF,
    "Mutation.recordProductView": STOREFRONT,
    "Mutation.addToWishlist": STOREFRONT + " (the wishlist page removes)",
    # Customer: what staff read about a customer, not the customer about themselves
    "Customer.roleChanges": STAFF,
    "Customer.defaultBillingAddress": "the addresses page reads the same as each address's isDefaultBilling",
    "Customer.defaultShippingAddress": "the addresses page reads the same as each address's isDefaultShipping",
}


def _used_fields(document: DocumentNode) -> set[str]:
    """Every `Type.field` the document selects, the type being the one the field is defined on."""
    used: set[str] = set()
    type_info = TypeInfo(SCHEMA)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = type_info.get_parent_type()
            if parent is not None:
                used.add(f"{get_named_type(parent).name}.{node.name.value}")

    visit(document, TypeInfoVisitor(type_info, Collect()))
    return used


def _customer_facing() -> set[str]:
    names: set[str] = set()
    for root in (SCHEMA.query_type, SCHEMA.mutation_type, SCHEMA.subscription_type):
        assert root is not None
        names |= {f"{root.name}.{field}" for field in root.fields}
    customer = SCHEMA.get_type("Customer")
    assert isinstance(customer, GraphQLObjectType)
    names |= {f"Customer.{field}" for field in customer.fields}
    return names


def _used(operations: dict[str, str]) -> set[str]:
    return set().union(*(_used_fields(parse(text)) for text in operations.values()))


USED = _used(CUSTOMER_OPERATIONS)
USED_BY_THE_CONSOLE = _used(STAFF_OPERATIONS)
STAFF_SIDE = {name for name, reason in NOT_IN_THE_PORTAL.items() if reason.startswith((STAFF, ADMIN))}

# Staff-side entries the console does not use, each with its reason.
CONSOLE_LATER = "administrators use GraphiQL or the command line for it; a console page is a later issue"
STAFF_CONSOLE_EXCEPTIONS: dict[str, str] = {
    "Query.paymentStatistics": "part of the analytics dashboard; " + CONSOLE_LATER,
}


def test_every_customer_facing_operation_is_used_by_the_portal() -> None:
    unused = sorted(_customer_facing() - USED - set(NOT_IN_THE_PORTAL))
    assert unused == [], f"customer-facing and used by no portal operation: {unused}"


def test_the_list_of_exceptions_is_not_stale() -> None:
    assert sorted(set(NOT_IN_THE_PORTAL) - _customer_facing()) == [], "no longer in the schema"
    assert sorted(set(NOT_IN_THE_PORTAL) & USED) == [], "used by the portal now: take it off the list"
    assert all(reason.strip() for reason in NOT_IN_THE_PORTAL.values())


def test_every_staff_query_and_mutation_is_used_by_the_console() -> None:
    unused = sorted(STAFF_SIDE - USED_BY_THE_CONSOLE - set(STAFF_CONSOLE_EXCEPTIONS))
    assert unused == [], f"staff side and used by no console operation: {unused}"


def test_the_console_exceptions_are_not_stale() -> None:
    assert sorted(set(STAFF_CONSOLE_EXCEPTIONS) - STAFF_SIDE) == [], "not a staff-side entry (any more)"
    assert sorted(set(STAFF_CONSOLE_EXCEPTIONS) & USED_BY_THE_CONSOLE) == [], "the console uses it now"
    assert all(reason.strip() for reason in STAFF_CONSOLE_EXCEPTIONS.values())


def test_the_console_uses_no_integration_operation() -> None:
    """Console operations select only schema fields (the operations test validates them); none reaches the
    integration side (API-key scopes), which staff accounts do not hold."""
    integration = {name for name, reason in NOT_IN_THE_PORTAL.items() if reason.startswith(INTEGRATION)}
    assert sorted(integration & USED_BY_THE_CONSOLE) == []
