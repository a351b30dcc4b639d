"""The catalogue of business events sent to the shop's other systems: each type's payload version, what it
means, its `data` fields and a sample (what a dry run sends).

A type's version changes only when a field is removed or changes meaning; adding a field does not change
it (receivers ignore fields they do not know). The README's "Events" section is written from this.

Conventions of every `data`: camelCase keys; `…Id` fields are our public GraphQL global ids (what `node(id:)`
and the integration API take), next to the numbers people and other systems use (order, invoice, return,
ticket and receipt numbers, SKUs, the customer's externalReference); money is {"amount": integer minor units,
"currencyCode": ISO 4217}; times are ISO 8601 in UTC ("2026-11-20T10:00:00Z"); enums are their GraphQL names.
No payload carries a secret, a card number (brand and last four digits only), a phone number or a date of birth.
"""

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class EventSpec:
    version: int
    summary: str
    # Field name → what it holds; the fields of `data`, documented.
    fields: dict[str, str] = field(default_factory=dict)
    sample: dict[str, Any] = field(default_factory=dict)


# --- sample values (one story: customer 7b1e…, order #10042 with two lines at 19 % and 7 %) -----------

_CUSTOMER_ID = "Q3VzdG9tZXI6N2IxZTRmNTItM2MxYS00ZjBlLTlhNTUtMmY3ZDBjNmI4ZTEx"
_ORDER_ID = "T3JkZXI6MGY2YTJkOGUtNWI3Yy00ZTNhLThkMjEtOWM0YjdlMWYzYTYw"
_LINE_1 = "T3JkZXJMaW5lOmEzYzVlN2Y5LTFiMmQtNGY2YS04YzBlLTJkNGY2YThjMGUxYg=="
_LINE_2 = "T3JkZXJMaW5lOmI0ZDZmOGEwLTJjM2UtNGE3Yi05ZDFmLTNlNWE3YjlkMWYyYw=="
_INVOICE_ID = "SW52b2ljZTo1ZThjMWEzZi03ZDJiLTRjNmUtOWYwYS0xYjNkNWY3YTljMmU="
_PAYMENT_ID = "UGF5bWVudDpjOWUxYTNiNS00ZDZmLTRhOGMtOGUwYS02YjhkMGYyYTRjNmU="
_RETURN_ID = "UmV0dXJuOmQyZjRhNmM4LTllMWItNGQzZi1hNWM3LThlMGEyYzRlNmE4Yg=="
_TRANSACTION_ID = "Q3JlZGl0VHJhbnNhY3Rpb246ZTdhOWMxZTMtNWY3Yi00ZDlmLWIxZDMtNWY3YjlkMWYzYjVk"
_REQUEST_ID = "Q3JlZGl0TGltaXRSZXF1ZXN0OmYxYjNkNWY3LTlhMmMtNGU2YS04YzBlLTRhNmM4ZTBhMmM0ZQ=="
_TICKET_ID = "U3VwcG9ydFRpY2tldDoxYTNjNWU3YS0yYjRkLTRmNmItOGQwZi02YjhkMGYyYjRkNmY="


def _eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currencyCode": "EUR"}


_MONEY = "Money: {amount (integer minor units), currencyCode}"

# --- shared field groups ----------------------------------------------------------------------------

_CUSTOMER_REF_FIELDS = {
    "customerId": "The Customer's global id (as upsertOrder and customerRecord(customerId:) take it); null for a "
    "guest order.",
    "customerExternalReference": "The customer's id in your system (upsertCustomer's externalReference); null "
    "when none is set.",
}
_CUSTOMER_REF_SAMPLE = {"customerId": _CUSTOMER_ID, "customerExternalReference": "POS-000731"}

_CUSTOMER_FIELDS = {
    "customerId": "The Customer's global id.",
    "externalReference": "The customer's id in your system (upsertCustomer's externalReference); null if none.",
    "email": "The email address (signs in with it).",
    "emailVerified": "Whether the customer proved the address.",
    "firstName": "First name, or null.",
    "lastName": "Last name, or null.",
    "company": "Company, or null.",
    "status": "PENDING_ACTIVATION | PENDING_APPROVAL | ACTIVE | SUSPENDED | DELETED.",
    "groupCode": "The code of the customer's group (e.g. shop, wholesale).",
    "language": "Preferred language (BCP 47), or null.",
    "currency": "Preferred currency (ISO 4217), or null.",
    "timezone": "Time zone (IANA), or null.",
    "emailNotifications": "Whether the customer wants account notifications by email.",
    "smsNotifications": "Whether the customer wants account notifications by SMS.",
}
_CUSTOMER_SAMPLE = {
    "customerId": _CUSTOMER_ID,
    "externalReference": "POS-000731",
    "email": "casey.jones@example.com",
    "emailVerified": True,
    "firstName": "Casey",
    "lastName": "Jones",
    "company": None,
    "status": "ACTIVE",
    "groupCode": "shop",
    "language": "de-DE",
    "currency": "EUR",
    "timezone": "Europe/Berlin",
    "emailNotifications": True,
    "smsNotifications": False,
}

_LINE_FIELD = (
    "The order lines: [{lineId (OrderLine global id), position, sku, name, quantity, unitPrice, net (quantity x "
    'unit price), taxRate (percent as a decimal string, "19"), taxRateBasisPoints (1900), tax, gross (net + tax)}]; '
    "amounts are Money."
)
_LINES_SAMPLE = [
    {
        "lineId": _LINE_1,
        "position": 0,
        "sku": "MUG-001",
        "name": "Enamel camping mug",
        "quantity": 2,
        "unitPrice": _eur(1450),
        "net": _eur(2900),
        "taxRate": "19",
        "taxRateBasisPoints": 1900,
        "tax": _eur(551),
        "gross": _eur(3451),
    },
    {
        "lineId": _LINE_2,
        "position": 1,
        "sku": "TEE-BLK-M",
        "name": "Organic cotton T-shirt, black, M",
        "quantity": 1,
        "unitPrice": _eur(2900),
        "net": _eur(2900),
        "taxRate": "7",
        "taxRateBasisPoints": 700,
        "tax": _eur(203),
        "gross": _eur(3103),
    },
]

_ORDER_REF_FIELDS = {
    "orderId": "The Order's global id.",
    "orderNumber": "The order's number as customers see it (e.g. #10042).",
    **_CUSTOMER_REF_FIELDS,
}
_ORDER_REF_SAMPLE = {"orderId": _ORDER_ID, "orderNumber": "#10042", **_CUSTOMER_REF_SAMPLE}

_ORDER_STATUSES = "PENDING_PAYMENT | PAID | PROCESSING | PARTIALLY_SHIPPED | SHIPPED | DELIVERED | CANCELLED | REFUNDED"

_INVOICE_FIELDS = {
    "invoiceId": "The Invoice's global id.",
    "invoiceNumber": "The invoice number (numbered without gaps per year, e.g. 2026-000042).",
    "status": "OPEN | PAID | VOID | REFUNDED, as it is now.",
    **_ORDER_REF_FIELDS,
    "buyerName": "The buyer as printed on the invoice (the billing address's name, else the customer's).",
    "buyerEmail": "The buyer's email as printed on the invoice.",
    "currencyCode": "The invoice's currency (ISO 4217).",
    "lines": _LINE_FIELD,
    "taxBreakdown": "One row per tax rate, lowest first: [{rate (percent, decimal string), rateBasisPoints, net, "
    "tax, gross}] (Money); the rows' tax adds up to taxTotal, their gross to subtotal + taxTotal. Taxes are on the "
    "undiscounted nets: total = Σ gross - discountTotal + shippingTotal.",
    "subtotal": f"Net of all lines ({_MONEY}).",
    "discountTotal": "The order's discount, taken off the gross total (Money).",
    "shippingTotal": "Shipping (Money).",
    "taxTotal": "Tax of all lines (Money).",
    "total": "What the invoice asks for (Money).",
    "amountPaid": "Paid so far (Money).",
    "amountDue": "Still to pay (Money); 0 once paid, voided or refunded.",
    "issuedAt": "When it was issued.",
    "paidAt": "When it was paid in full, or null.",
    "voidReason": "invoice.voided: ORDER_CANCELLED (status VOID) or ORDER_REFUNDED (status REFUNDED); null otherwise.",
    "voidedAt": "invoice.voided: when; null otherwise.",
}
_INVOICE_SAMPLE = {
    "invoiceId": _INVOICE_ID,
    "invoiceNumber": "2026-000042",
    "status": "OPEN",
    **_ORDER_REF_SAMPLE,
    "buyerName": "Casey Jones",
    "buyerEmail": "casey.jones@example.com",
    "currencyCode": "EUR",
    "lines": _LINES_SAMPLE,
    "taxBreakdown": [
        {"rate": "7", "rateBasisPoints": 700, "net": _eur(2900), "tax": _eur(203), "gross": _eur(3103)},
        {"rate": "19", "rateBasisPoints": 1900, "net": _eur(2900), "tax": _eur(551), "gross": _eur(3451)},
    ],
    "subtotal": _eur(5800),
    "discountTotal": _eur(300),
    "shippingTotal": _eur(490),
    "taxTotal": _eur(754),
    "total": _eur(6744),
    "amountPaid": _eur(0),
    "amountDue": _eur(6744),
    "issuedAt": "2026-11-20T10:00:01Z",
    "paidAt": None,
    "voidReason": None,
    "voidedAt": None,
}

_PAYMENT_FIELDS = {
    "paymentId": "The Payment's global id (Order.payments lists it).",
    "status": "SUCCEEDED | DECLINED | REFUND_DUE | REFUNDED, as it is now.",
    "purpose": "INVOICE (an order's invoice, payOrder / payInvoice / payOffer) or ACCOUNT_BALANCE (payAccountBalance).",
    **_CUSTOMER_REF_FIELDS,
    "orderId": "The Order's global id; null for a balance payment.",
    "orderNumber": "The order's number; null for a balance payment.",
    "invoiceId": "The Invoice's global id; null for a balance payment.",
    "invoiceNumber": "The invoice number; null for a balance payment.",
    "amount": f"The amount of the payment ({_MONEY}).",
    "source": "CARD (a saved card or bank account through the gateway) or STORE_CREDIT.",
    "method": 'How it was paid, as receipts name it: "Visa •••• 4242", "SEPA Direct Debit •••• 3000", "Store credit".',
    "methodKind": "CARD | SEPA_DEBIT; null for store credit.",
    "brand": "The card brand (VISA, MASTERCARD, …) or SEPA; null for store credit.",
    "last4": "The last four digits of the card or IBAN; null for store credit.",
    "receiptNumber": "The receipt number of a successful payment, else null.",
    "failureCode": "payment.failed: the gateway's or our reason (card_declined, insufficient_funds, "
    "INSUFFICIENT_CREDIT, authentication_abandoned, …); else null.",
    "failureMessage": "payment.failed: the reason in words; else null.",
    "createdAt": "When the attempt started.",
    "completedAt": "When its outcome was known, or null.",
    "refund": "payment.refunded: {amount (Money, this refund), reason (ORDER_CANCELLED | ORDER_REFUNDED | "
    "NOT_PAYABLE | RETURN | GATEWAY: refunded in the gateway's own dashboard), returnId, returnNumber (a return's "
    "refund), refundedAt}; null for the other types.",
}
_PAYMENT_SAMPLE = {
    "paymentId": _PAYMENT_ID,
    "status": "SUCCEEDED",
    "purpose": "INVOICE",
    **_CUSTOMER_REF_SAMPLE,
    "orderId": _ORDER_ID,
    "orderNumber": "#10042",
    "invoiceId": _INVOICE_ID,
    "invoiceNumber": "2026-000042",
    "amount": _eur(6744),
    "source": "CARD",
    "method": "Visa •••• 4242",
    "methodKind": "CARD",
    "brand": "VISA",
    "last4": "4242",
    "receiptNumber": "PAY-2026-000042-1",
    "failureCode": None,
    "failureMessage": None,
    "createdAt": "2026-11-20T10:05:00Z",
    "completedAt": "2026-11-20T10:05:02Z",
    "refund": None,
}

_RETURN_FIELDS = {
    "returnId": "The Return's global id.",
    "returnNumber": "The return's number (R-…).",
    "status": "REQUESTED | APPROVED | REJECTED | RECEIVED | REFUNDED | CLOSED, as it is now.",
    **_ORDER_REF_FIELDS,
    "resolution": "REFUND | STORE_CREDIT | EXCHANGE.",
    "decisionReason": "AUTO_APPROVED | ABOVE_AUTO_APPROVE_LIMIT | NOT_IN_GOOD_STANDING | TOO_MANY_RECENT_RETURNS | "
    "STAFF_APPROVED | STAFF_REJECTED.",
    "refundDestination": "ORIGINAL_PAYMENT | STORE_CREDIT | NONE.",
    "lines": "[{orderLineId, sku, name, quantity, reason (DAMAGED, SIZE_OR_FIT, …), amount (gross, Money), tax "
    "(the tax in amount, Money)}].",
    "subtotal": f"What the lines are worth, tax included ({_MONEY}).",
    "taxTotal": "The tax in subtotal (Money).",
    "restockingFee": "Deducted (Money).",
    "shippingDeduction": "Deducted for return shipping (Money).",
    "refundTotal": "What is paid back: subtotal less the deductions (Money).",
    "refundedAmount": "Paid back so far (Money).",
    "refunds": "The refunds that went through: [{destination (ORIGINAL_PAYMENT | STORE_CREDIT), amount (Money), "
    "method, paymentId (the Payment refunded, or null)}].",
    "restocked": "return.received: whether the goods went back to stock; null for the other types.",
    "rejectionReason": "return.rejected: staff's reason; else null.",
    "requestedAt": "When it was requested.",
    "approvedAt": "When it was approved, or null.",
    "rejectedAt": "When it was rejected, or null.",
    "receivedAt": "When the goods arrived, or null.",
    "refundedAt": "When it was refunded in full, or null.",
}
_RETURN_SAMPLE = {
    "returnId": _RETURN_ID,
    "returnNumber": "R-04711234",
    "status": "REFUNDED",
    **_ORDER_REF_SAMPLE,
    "resolution": "REFUND",
    "decisionReason": "AUTO_APPROVED",
    "refundDestination": "ORIGINAL_PAYMENT",
    "lines": [
        {
            "orderLineId": _LINE_1,
            "sku": "MUG-001",
            "name": "Enamel camping mug",
            "quantity": 1,
            "reason": "DAMAGED",
            "amount": _eur(1726),
            "tax": _eur(276),
        }
    ],
    "subtotal": _eur(1726),
    "taxTotal": _eur(276),
    "restockingFee": _eur(0),
    "shippingDeduction": _eur(0),
    "refundTotal": _eur(1726),
    "refundedAmount": _eur(1726),
    "refunds": [
        {"destination": "ORIGINAL_PAYMENT", "amount": _eur(1726), "method": "Visa •••• 4242", "paymentId": _PAYMENT_ID}
    ],
    "restocked": None,
    "rejectionReason": None,
    "requestedAt": "2026-11-25T08:30:00Z",
    "approvedAt": "2026-11-25T08:30:00Z",
    "rejectedAt": None,
    "receivedAt": "2026-11-28T14:02:11Z",
    "refundedAt": "2026-11-28T14:02:12Z",
}

_TICKET_FIELDS = {
    "ticketId": "The SupportTicket's global id.",
    "ticketNumber": "The ticket's number (T-…).",
    **_CUSTOMER_REF_FIELDS,
    "subject": "The subject the customer gave.",
    "category": "ORDER | PAYMENT | RETURN | ACCOUNT | PRODUCT | OTHER.",
    "state": "OPEN | PENDING_CUSTOMER | RESOLVED | CLOSED, as it is now.",
    "orderId": "The Order it is about (global id), or null.",
    "orderNumber": "That order's number, or null.",
    "returnId": "The Return it is about (global id), or null.",
    "returnNumber": "That return's number, or null.",
    "openedAt": "When it was opened.",
}
_TICKET_SAMPLE = {
    "ticketId": _TICKET_ID,
    "ticketNumber": "T-20931144",
    **_CUSTOMER_REF_SAMPLE,
    "subject": "Parcel arrived damaged",
    "category": "ORDER",
    "state": "OPEN",
    "orderId": _ORDER_ID,
    "orderNumber": "#10042",
    "returnId": None,
    "returnNumber": None,
    "openedAt": "2026-11-24T09:12:00Z",
}


def _with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


# --- the catalogue -----------------------------------------------------------------------------------

CATALOGUE: dict[str, EventSpec] = {
    "customer.created": EventSpec(
        1,
        "An account was opened (registration, an integration's upsertCustomer, or the command line).",
        {
            **_CUSTOMER_FIELDS,
            "origin": "REGISTRATION | INTEGRATION | STAFF (createCustomerAccount) | COMMAND_LINE (create-admin, create-customer, seed-demo).",
            "createdAt": "When it was opened.",
        },
        {**_CUSTOMER_SAMPLE, "emailVerified": False, "origin": "INTEGRATION", "createdAt": "2026-11-02T16:40:00Z"},
    ),
    "customer.updated": EventSpec(
        1,
        "A customer's contact details, settings, status or group changed (never on a mere sign-in).",
        {
            **_CUSTOMER_FIELDS,
            "changedFields": "What changed, sorted: email, firstName, lastName, company, phone, dateOfBirth, language, "
            "currency, timezone, emailNotifications, smsNotifications, status, groupCode. The phone and date of birth "
            "are named, never sent (customerRecord gives the phone to a key with customers:read).",
            "updatedAt": "When it changed.",
        },
        {**_CUSTOMER_SAMPLE, "changedFields": ["email", "lastName"], "updatedAt": "2026-11-21T12:00:00Z"},
    ),
    "customer.activated": EventSpec(
        1,
        "An account was activated (email link, SMS code, an administrator, a password reset, or at once).",
        {
            "customerId": "The Customer's global id.",
            "externalReference": "The customer's id in your system, or null.",
            "email": "The email address.",
            "method": "EMAIL_LINK | SMS_CODE | ADMIN_APPROVAL | PASSWORD_RESET (the reset link proved the address) | "
            "AT_CREATION (the group activates at once, or the command line made it active).",
            "activatedAt": "When.",
        },
        {
            "customerId": _CUSTOMER_ID,
            "externalReference": "POS-000731",
            "email": "casey.jones@example.com",
            "method": "EMAIL_LINK",
            "activatedAt": "2026-11-02T16:45:12Z",
        },
    ),
    "customer.deleted": EventSpec(
        1,
        "An account was deleted; forget what you hold about the customer. Only ids: its personal data is gone.",
        {
            "customerId": "The Customer's global id (it stays, anonymised, for orders and invoices).",
            "externalReference": "The customer's id in your system, or null.",
            "deletedBy": "CUSTOMER (deleteAccount) or ADMINISTRATOR (deleteCustomer, on the customer's request).",
            "deletedAt": "When.",
        },
        {
            "customerId": _CUSTOMER_ID,
            "externalReference": "POS-000731",
            "deletedBy": "CUSTOMER",
            "deletedAt": "2026-12-01T09:00:00Z",
        },
    ),
    "customer.consent_changed": EventSpec(
        1,
        "A customer gave or withdrew a privacy consent (or confirmed it under a new policy version).",
        {
            "customerId": "The Customer's global id.",
            "externalReference": "The customer's id in your system, or null.",
            "email": "The email address (a mailing system's key).",
            "purpose": "MARKETING_EMAIL | MARKETING_SMS | DATA_SHARING | PERSONALISATION.",
            "granted": "true: given (or confirmed); false: withdrawn.",
            "policyVersion": "The privacy policy version it was given under.",
            "source": "Where it was given (the client's word, e.g. portal; privacy-review for a confirmation).",
            "changedAt": "When.",
        },
        {
            "customerId": _CUSTOMER_ID,
            "externalReference": "POS-000731",
            "email": "casey.jones@example.com",
            "purpose": "MARKETING_EMAIL",
            "granted": True,
            "policyVersion": "2026-11",
            "source": "portal",
            "changedAt": "2026-11-21T12:03:00Z",
        },
    ),
    "order.placed": EventSpec(
        1,
        "An order was placed (upsertOrder's first push, or an accepted offer), with its lines and totals.",
        {
            **_ORDER_REF_FIELDS,
            "source": "The system that pushed it (upsertOrder's source; offer for an accepted offer).",
            "externalId": "Its id in that system.",
            "channel": "ONLINE | POS.",
            "status": f"The status it was placed in: {_ORDER_STATUSES}.",
            "guestOrder": "true when no account holds it yet (it waits to be claimed).",
            "email": "The customer's (or the guest's) email.",
            "currencyCode": "The order's currency (ISO 4217).",
            "lines": _LINE_FIELD,
            "subtotal": f"Net of all lines ({_MONEY}).",
            "discountTotal": "Discount (Money).",
            "shippingTotal": "Shipping (Money).",
            "taxTotal": "Tax of all lines (Money).",
            "total": "subtotal - discountTotal + shippingTotal + taxTotal (Money).",
            "billingCountryCode": "The billing address's country (ISO 3166), or null.",
            "shippingCountryCode": "The shipping address's country, or null.",
            "placedAt": "When it was placed.",
        },
        {
            **_ORDER_REF_SAMPLE,
            "source": "webshop",
            "externalId": "10042",
            "channel": "ONLINE",
            "status": "PENDING_PAYMENT",
            "guestOrder": False,
            "email": "casey.jones@example.com",
            "currencyCode": "EUR",
            "lines": _LINES_SAMPLE,
            "subtotal": _eur(5800),
            "discountTotal": _eur(300),
            "shippingTotal": _eur(490),
            "taxTotal": _eur(754),
            "total": _eur(6744),
            "billingCountryCode": "DE",
            "shippingCountryCode": "DE",
            "placedAt": "2026-11-20T10:00:00Z",
        },
    ),
    "order.status_changed": EventSpec(
        1,
        "An order moved to another status (paid, shipped, delivered, cancelled, refunded, …).",
        {
            **_ORDER_REF_FIELDS,
            "previousStatus": f"The status before: {_ORDER_STATUSES}.",
            "status": "The status now.",
            "reason": "Why, when this server moved it: PAID_ONLINE, PAID_WITH_STORE_CREDIT, SHIPPING_STARTED, "
            "SHIPMENT_ADDED, DELIVERED; null when the order system did.",
            "note": "The order system's note, or this server's English sentence; may be null.",
            "changedAt": "When.",
        },
        {
            **_ORDER_REF_SAMPLE,
            "previousStatus": "PENDING_PAYMENT",
            "status": "PAID",
            "reason": "PAID_ONLINE",
            "note": "paid online (Visa •••• 4242)",
            "changedAt": "2026-11-20T10:05:02Z",
        },
    ),
    "order.cancelled": EventSpec(
        1,
        "An order was cancelled (also sent as order.status_changed); its stock comes back (inventory.moved).",
        {
            **_ORDER_REF_FIELDS,
            "previousStatus": "The status it was cancelled from.",
            "note": "The order system's note, or null.",
            "total": f"The order's total ({_MONEY}); money paid here is refunded (payment.refunded).",
            "lines": "[{sku, quantity}]: what goes back to stock.",
            "cancelledAt": "When.",
        },
        {
            **_ORDER_REF_SAMPLE,
            "previousStatus": "PAID",
            "note": "customer changed their mind",
            "total": _eur(6744),
            "lines": [{"sku": "MUG-001", "quantity": 2}, {"sku": "TEE-BLK-M", "quantity": 1}],
            "cancelledAt": "2026-11-20T15:30:00Z",
        },
    ),
    "payment.succeeded": EventSpec(
        1,
        "A payment was taken: an invoice (payOrder, payInvoice, payOffer) or the on-account balance, by card at "
        "once, after 3-D Secure or when a direct debit settles, or on store credit.",
        _PAYMENT_FIELDS,
        _PAYMENT_SAMPLE,
    ),
    "payment.failed": EventSpec(
        1,
        "A payment was refused: declined, not enough store credit, never authenticated, or a debit that bounced. "
        "An attempt whose outcome is unknown (the gateway did not answer) is retried, not failed.",
        _PAYMENT_FIELDS,
        _with(
            _PAYMENT_SAMPLE,
            status="DECLINED",
            receiptNumber=None,
            failureCode="card_declined",
            failureMessage="Your card was declined.",
        ),
    ),
    "payment.refunded": EventSpec(
        1,
        "All or part of a payment was given back: the order was cancelled or refunded, a return was refunded to it, "
        "the invoice could no longer take it, or staff refunded it in the gateway's dashboard.",
        _PAYMENT_FIELDS,
        _with(
            _PAYMENT_SAMPLE,
            refund={
                "amount": _eur(1726),
                "reason": "RETURN",
                "returnId": _RETURN_ID,
                "returnNumber": "R-04711234",
                "refundedAt": "2026-11-28T14:02:12Z",
            },
        ),
    ),
    "invoice.issued": EventSpec(
        1,
        "An invoice was issued with its order, with its lines and tax breakdown per rate.",
        _INVOICE_FIELDS,
        _INVOICE_SAMPLE,
    ),
    "invoice.paid": EventSpec(
        1,
        "An invoice was paid in full (here, or elsewhere as the order system reports), with its tax breakdown.",
        _INVOICE_FIELDS,
        _with(_INVOICE_SAMPLE, status="PAID", amountPaid=_eur(6744), amountDue=_eur(0), paidAt="2026-11-20T10:05:02Z"),
    ),
    "invoice.voided": EventSpec(
        1,
        "An invoice was voided (its order was cancelled) or refunded (its order was refunded): book the reversal "
        "from its tax breakdown.",
        _INVOICE_FIELDS,
        _with(
            _INVOICE_SAMPLE,
            status="VOID",
            amountDue=_eur(0),
            voidReason="ORDER_CANCELLED",
            voidedAt="2026-11-20T15:30:00Z",
        ),
    ),
    "return.requested": EventSpec(
        1,
        "A customer requested a return (an automatically approved one is sent as return.approved too).",
        _RETURN_FIELDS,
        _with(
            _RETURN_SAMPLE,
            status="REQUESTED",
            decisionReason="ABOVE_AUTO_APPROVE_LIMIT",
            refundedAmount=_eur(0),
            refunds=[],
            approvedAt=None,
            receivedAt=None,
            refundedAt=None,
        ),
    ),
    "return.approved": EventSpec(
        1,
        "A return was approved (automatically or by staff): the goods may be sent.",
        _RETURN_FIELDS,
        _with(_RETURN_SAMPLE, status="APPROVED", refundedAmount=_eur(0), refunds=[], receivedAt=None, refundedAt=None),
    ),
    "return.rejected": EventSpec(
        1,
        "Staff rejected a return.",
        _RETURN_FIELDS,
        _with(
            _RETURN_SAMPLE,
            status="REJECTED",
            decisionReason="STAFF_REJECTED",
            refundedAmount=_eur(0),
            refunds=[],
            rejectionReason="The mug shows signs of use.",
            approvedAt=None,
            rejectedAt="2026-11-25T11:00:00Z",
            receivedAt=None,
            refundedAt=None,
        ),
    ),
    "return.received": EventSpec(
        1,
        "The returned goods arrived (staff or the warehouse); restocked ones come back to stock (inventory.moved).",
        _RETURN_FIELDS,
        _with(_RETURN_SAMPLE, status="RECEIVED", refundedAmount=_eur(0), refunds=[], restocked=True, refundedAt=None),
    ),
    "return.refunded": EventSpec(
        1, "A return was refunded in full (to the original payment or as store credit).", _RETURN_FIELDS, _RETURN_SAMPLE
    ),
    "store_credit.moved": EventSpec(
        1,
        "A customer's store-credit balance moved: one event per ledger entry (payment, refund, adjustment, money "
        "received).",
        {
            "transactionId": "The CreditTransaction's global id.",
            **_CUSTOMER_REF_FIELDS,
            "amount": f"Signed: credit positive, spending negative ({_MONEY}).",
            "balanceAfter": "The balance after it (Money; below zero: owed on account).",
            "creditLimit": "The account's credit limit (Money).",
            "reason": "PAYMENT | REFUND | ADJUSTMENT | PAYMENT_RECEIVED.",
            "reference": "What it is for (invoice 2026-000042, return R-…, a receipt or the payer's reference), or null.",
            "note": "Staff's note, or null.",
            "createdAt": "When.",
        },
        {
            "transactionId": _TRANSACTION_ID,
            **_CUSTOMER_REF_SAMPLE,
            "amount": _eur(-6744),
            "balanceAfter": _eur(-1744),
            "creditLimit": _eur(50000),
            "reason": "PAYMENT",
            "reference": "invoice 2026-000042",
            "note": None,
            "createdAt": "2026-11-20T10:05:00Z",
        },
    ),
    "credit_limit.decided": EventSpec(
        1,
        "An administrator granted or refused a customer's credit-limit request.",
        {
            "requestId": "The CreditLimitRequest's global id.",
            **_CUSTOMER_REF_FIELDS,
            "decision": "GRANTED | REFUSED.",
            "requestedLimit": f"The limit asked for ({_MONEY}).",
            "grantedLimit": "The limit granted, now the account's (Money); null when refused.",
            "reason": "The administrator's reason (always given for a refusal), or null.",
            "decidedAt": "When.",
        },
        {
            "requestId": _REQUEST_ID,
            **_CUSTOMER_REF_SAMPLE,
            "decision": "GRANTED",
            "requestedLimit": _eur(100000),
            "grantedLimit": _eur(50000),
            "reason": "Half for the first six months.",
            "decidedAt": "2026-11-03T09:00:00Z",
        },
    ),
    "ticket.opened": EventSpec(1, "A customer opened a support ticket.", _TICKET_FIELDS, _TICKET_SAMPLE),
    "ticket.answered": EventSpec(
        1,
        "Staff answered a support ticket (the customer's own messages are not sent).",
        {
            **_TICKET_FIELDS,
            "answeredAt": "When.",
            "firstResponse": "true for the ticket's first staff answer (first-response time: answeredAt - openedAt).",
        },
        {**_TICKET_SAMPLE, "state": "PENDING_CUSTOMER", "answeredAt": "2026-11-24T10:02:00Z", "firstResponse": True},
    ),
    "ticket.closed": EventSpec(
        1,
        "A support ticket was closed (by its customer or staff).",
        {
            **_TICKET_FIELDS,
            "closedBy": "CUSTOMER | STAFF.",
            "closedAt": "When.",
        },
        {**_TICKET_SAMPLE, "state": "CLOSED", "closedBy": "CUSTOMER", "closedAt": "2026-11-26T17:20:00Z"},
    ),
    "inventory.moved": EventSpec(
        1,
        "Stock of one SKU moved: one event per order line sold (placed), given back (cancelled) or returned to "
        "stock (a restocked return), and per SKU when an order is pushed again with other quantities.",
        {
            "sku": "The SKU.",
            "productName": "The line's product name.",
            "quantityChange": "Signed units: negative left the stock (sold), positive came back.",
            "reason": "SOLD | ORDER_CANCELLED | ORDER_CHANGED | RETURNED.",
            "channel": "ONLINE | POS: the order's channel.",
            "orderId": "The Order's global id.",
            "orderNumber": "The order's number.",
            "orderLineId": "The OrderLine's global id (null for ORDER_CHANGED, which is per SKU).",
            "returnId": "RETURNED: the Return's global id; else null.",
            "returnNumber": "RETURNED: the return's number; else null.",
            "movedAt": "When.",
        },
        {
            "sku": "MUG-001",
            "productName": "Enamel camping mug",
            "quantityChange": -2,
            "reason": "SOLD",
            "channel": "ONLINE",
            "orderId": _ORDER_ID,
            "orderNumber": "#10042",
            "orderLineId": _LINE_1,
            "returnId": None,
            "returnNumber": None,
            "movedAt": "2026-11-20T10:00:01Z",
        },
    ),
}
