"""The portal is the reference client of our API: every customer-facing query, mutation and subscription,
and every field of the signed-in customer, is used by some portal operation. What a customer never does
in "My Account" (staff, administrators, the order system, the storefront's product pages) is listed below
with the reason, and the list cannot go stale: an entry the portal uses, or the schema no longer has,
fails too."""

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

from tests.portal.test_operations import OPERATIONS, ROOT

SCHEMA = build_schema((ROOT / "schema.graphql").read_text(encoding="utf-8"))
STAFF = "staff and administrators work this side of the flow (the staff console)"
ADMIN = "administrators only (the staff console)"
INTEGRATION = "the order system, POS or returns integration sends it with an API key, never a customer"
STOREFRONT = "the storefront's product pages send it where the product is shown; the portal shows no products"

NOT_IN_THE_PORTAL: dict[str, str] = {
    # Query
    "Query.customers": STAFF,
    "Query.affiliateRequests": STAFF,
    "Query.securityEvents": ADMIN + "; customers read theirs as me.securityEvents",
    "Query.securityAlerts": ADMIN,
    "Query.creditLimitRequests": ADMIN + "; customers read theirs as me.creditLimitRequests",
    "Query.paymentStatistics": ADMIN,
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


USED = set().union(*(_used_fields(parse(text)) for text in OPERATIONS.values()))


def test_every_customer_facing_operation_is_used_by_the_portal() -> None:
    unused = sorted(_customer_facing() - USED - set(NOT_IN_THE_PORTAL))
    assert unused == [], f"customer-facing and used by no portal operation: {unused}"


def test_the_list_of_exceptions_is_not_stale() -> None:
    assert sorted(set(NOT_IN_THE_PORTAL) - _customer_facing()) == [], "no longer in the schema"
    assert sorted(set(NOT_IN_THE_PORTAL) & USED) == [], "used by the portal now: take it off the list"
    assert all(reason.strip() for reason in NOT_IN_THE_PORTAL.values())
