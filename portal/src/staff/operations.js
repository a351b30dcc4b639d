// Every GraphQL operation the staff console sends, and nothing else: the same rules as ../operations.js
// (tests/portal/test_operations.py validates each constant against schema.graphql and the production limits;
// tests/portal/test_api_coverage.py fails when a staff query or mutation is used by none of them).
// Plain template literals without interpolation; one operation per page's data.

export const STAFF_HOME_PAGE = /* GraphQL */ `
  query StaffHome {
    me { id firstName lastName roles settings { language timezone } }
    pendingApprovals { count oldestWaitingSince }
    tickets(first: 5, filter: { unassigned: true, state: OPEN }) {
      edges { node { id number subject category lastMessageAt customer { id email firstName lastName } } }
    }
  }
`;

// ── queue ──

export const STAFF_TICKETS_PAGE = /* GraphQL */ `
  query StaffTickets($first: Int, $after: String, $filter: TicketFilter) {
    me { id roles settings { language timezone } }
    tickets(first: $first, after: $after, filter: $filter, order: LAST_ACTIVITY) {
      edges {
        node {
          id number subject category state lastMessageAt
          customer { id email firstName lastName }
          assignee { id email firstName lastName }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
    colleagues: customers(first: 100, filter: { roles: [SUPPORT, ADMIN] }) {
      edges { node { id email firstName lastName } }
    }
  }
`;

export const STAFF_TICKETS_LIVE = /* GraphQL */ `
  subscription StaffTicketsLive {
    ticketUpdated {
      change
      ticket {
        id number subject category state lastMessageAt
        customer { id email firstName lastName }
        assignee { id email firstName lastName }
      }
    }
  }
`;

export const STAFF_TICKET_PAGE = /* GraphQL */ `
  query StaffTicket($number: String!) {
    me { id email firstName lastName roles settings { language timezone } }
    ticket(number: $number) {
      id number subject category state createdAt lastMessageAt
      rating { rating comment }
      order { id number }
      return { id number }
      assignee { id email firstName lastName }
      messages { id authorKind authorName body createdAt internal }
      customer {
        id email firstName lastName
        orders(first: 5) { edges { node { id number status placedAt total { amount currencyCode } } } }
        returns(first: 5) { edges { node { id number status } } }
        securityEvents(first: 5, staffWork: false) { edges { node { id type outcome createdAt } } }
      }
    }
    colleagues: customers(first: 100, filter: { roles: [SUPPORT, ADMIN], status: ACTIVE }) {
      edges { node { id email firstName lastName } }
    }
  }
`;

export const STAFF_TICKET_LIVE = /* GraphQL */ `
  subscription StaffTicketLive($ticketId: ID!) {
    ticketUpdated(ticketId: $ticketId) {
      change
      state
      message { id authorKind authorName body createdAt internal }
      ticket { id state lastMessageAt rating { rating comment } assignee { id email firstName lastName } }
    }
  }
`;

export const STAFF_TICKET_STATE = /* GraphQL */ `
  query StaffTicketState($number: String!) {
    ticket(number: $number) {
      id state lastMessageAt
      rating { rating comment }
      assignee { id email firstName lastName }
      messages { id authorKind authorName body createdAt internal }
    }
  }
`;

export const STAFF_REPLY_TO_TICKET = /* GraphQL */ `
  mutation StaffReplyToTicket($input: ReplyToTicketInput!) {
    replyToTicket(input: $input) {
      ticket {
        id state lastMessageAt
        assignee { id email firstName lastName }
        messages { id authorKind authorName body createdAt internal }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_ADD_TICKET_NOTE = /* GraphQL */ `
  mutation StaffAddTicketNote($input: AddTicketNoteInput!) {
    addTicketNote(input: $input) {
      ticket {
        id state lastMessageAt
        assignee { id email firstName lastName }
        messages { id authorKind authorName body createdAt internal }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_ASSIGN_TICKET = /* GraphQL */ `
  mutation StaffAssignTicket($input: AssignTicketInput!) {
    assignTicket(input: $input) {
      ticket { id state lastMessageAt assignee { id email firstName lastName } }
      userErrors { field message code }
    }
  }
`;

export const STAFF_SET_TICKET_STATE = /* GraphQL */ `
  mutation StaffSetTicketState($input: SetTicketStateInput!) {
    setTicketState(input: $input) {
      ticket { id state lastMessageAt assignee { id email firstName lastName } }
      userErrors { field message code }
    }
  }
`;

// ── returns-offers ──
// The returns list (?status=…, REQUESTED first by default: the ones waiting for a decision) and its next pages.
export const STAFF_RETURNS_PAGE = /* GraphQL */ `
  query StaffReturns($status: ReturnStatus, $after: String) {
    me { id roles settings { language timezone } }
    returns(first: 20, after: $after, filter: { status: $status }) {
      edges {
        node {
          id number status decisionReason createdAt refundTotal { amount currencyCode }
          customer { id email firstName lastName }
          order { id number }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_RETURN_PAGE = /* GraphQL */ `
  query StaffReturn($number: String!) {
    me { id roles settings { language timezone } }
    return(number: $number) {
      id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
      createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      restockingFee { amount currencyCode }
      shippingDeduction { amount currencyCode }
      refundTotal { amount currencyCode }
      refundedAmount { amount currencyCode }
      lines { orderLineId sku name quantity reason amount { amount currencyCode } }
      refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
      refundFailure { code message }
      customer { id email firstName lastName }
      order { id number placedAt total { amount currencyCode } payments { id status source method } }
    }
  }
`;

export const STAFF_APPROVE_RETURN = /* GraphQL */ `
  mutation StaffApproveReturn($input: ApproveReturnInput!) {
    approveReturn(input: $input) {
      return {
        id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
        createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        refundedAmount { amount currencyCode }
        lines { orderLineId sku name quantity reason amount { amount currencyCode } }
        refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
        refundFailure { code message }
        customer { id email firstName lastName }
        order { id number placedAt total { amount currencyCode } payments { id status source method } }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_REJECT_RETURN = /* GraphQL */ `
  mutation StaffRejectReturn($input: RejectReturnInput!) {
    rejectReturn(input: $input) {
      return {
        id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
        createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        refundedAmount { amount currencyCode }
        lines { orderLineId sku name quantity reason amount { amount currencyCode } }
        refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
        refundFailure { code message }
        customer { id email firstName lastName }
        order { id number placedAt total { amount currencyCode } payments { id status source method } }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_RECEIVE_RETURN = /* GraphQL */ `
  mutation StaffReceiveReturn($input: MarkReturnReceivedInput!) {
    markReturnReceived(input: $input) {
      return {
        id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
        createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        refundedAmount { amount currencyCode }
        lines { orderLineId sku name quantity reason amount { amount currencyCode } }
        refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
        refundFailure { code message }
        customer { id email firstName lastName }
        order { id number placedAt total { amount currencyCode } payments { id status source method } }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_RETRY_RETURN_REFUND = /* GraphQL */ `
  mutation StaffRetryReturnRefund($input: RetryReturnRefundInput!) {
    retryReturnRefund(input: $input) {
      return {
        id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
        createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        refundedAmount { amount currencyCode }
        lines { orderLineId sku name quantity reason amount { amount currencyCode } }
        refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
        refundFailure { code message }
        customer { id email firstName lastName }
        order { id number placedAt total { amount currencyCode } payments { id status source method } }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_CLOSE_RETURN = /* GraphQL */ `
  mutation StaffCloseReturn($input: ReturnIdInput!) {
    closeReturn(input: $input) {
      return {
        id number status resolution decisionReason refundDestination currencyCode note staffNote rejectionReason
        createdAt updatedAt approvedAt rejectedAt receivedAt refundedAt closedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        refundedAmount { amount currencyCode }
        lines { orderLineId sku name quantity reason amount { amount currencyCode } }
        refunds { destination status method failureCode amount { amount currencyCode } createdAt completedAt }
        refundFailure { code message }
        customer { id email firstName lastName }
        order { id number placedAt total { amount currencyCode } payments { id status source method } }
      }
      userErrors { field message code }
    }
  }
`;

// The offers list (?state=…) and its next pages.
export const STAFF_OFFERS_PAGE = /* GraphQL */ `
  query StaffOffers($state: OfferState, $after: String) {
    me { id roles settings { language timezone } }
    offers(first: 20, after: $after, filter: { state: $state }) {
      edges {
        node {
          id number state revision validUntil createdAt total { amount currencyCode }
          customer { id email firstName lastName }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_OFFER_PAGE = /* GraphQL */ `
  query StaffOffer($number: String!) {
    me { id roles settings { language timezone } }
    offer(number: $number) {
      id number state currencyCode validUntil note createdAt updatedAt acceptedAt rejectedAt rejectionReason
      expiredAt paidAt withdrawnAt revision revisedAt
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      total { amount currencyCode }
      lines { sku name quantity taxRateBp taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode } total { amount currencyCode } }
      revisions {
        number createdAt revisedAt validUntil note
        total { amount currencyCode }
        lines { sku name quantity taxRate unitPrice { amount currencyCode } total { amount currencyCode } }
      }
      customer { id email firstName lastName }
      order { id number status }
    }
  }
`;

// "Write an offer": on its own, or for the customer named by ?customer=<id> (the customer page links so).
export const STAFF_NEW_OFFER_PAGE = /* GraphQL */ `
  query StaffNewOffer {
    me { id roles settings { language timezone currency } }
  }
`;

export const STAFF_NEW_OFFER_FOR_CUSTOMER_PAGE = /* GraphQL */ `
  query StaffNewOfferForCustomer($customerId: ID!) {
    me { id roles settings { language timezone currency } }
    node(id: $customerId) {
      ... on Customer { id email firstName lastName settings { currency } }
    }
  }
`;

export const STAFF_OFFER_CUSTOMER_SEARCH = /* GraphQL */ `
  query StaffOfferCustomerSearch($query: String!) {
    customers(first: 10, filter: { query: $query }) {
      edges { node { id email firstName lastName settings { currency } } }
    }
  }
`;

export const STAFF_PRODUCT_LOOKUP = /* GraphQL */ `
  query StaffProductLookup($sku: String!) {
    product(sku: $sku) { id sku name active price { amount currencyCode } }
  }
`;

export const STAFF_CREATE_OFFER = /* GraphQL */ `
  mutation StaffCreateOffer($input: CreateOfferInput!) {
    createOffer(input: $input) {
      offer {
        id number state currencyCode validUntil note createdAt updatedAt acceptedAt rejectedAt rejectionReason
        expiredAt paidAt withdrawnAt revision revisedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        total { amount currencyCode }
        lines { sku name quantity taxRateBp taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode } total { amount currencyCode } }
        revisions {
          number createdAt revisedAt validUntil note
          total { amount currencyCode }
          lines { sku name quantity taxRate unitPrice { amount currencyCode } total { amount currencyCode } }
        }
        customer { id email firstName lastName }
        order { id number status }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_REVISE_OFFER = /* GraphQL */ `
  mutation StaffReviseOffer($input: ReviseOfferInput!) {
    reviseOffer(input: $input) {
      offer {
        id number state currencyCode validUntil note createdAt updatedAt acceptedAt rejectedAt rejectionReason
        expiredAt paidAt withdrawnAt revision revisedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        total { amount currencyCode }
        lines { sku name quantity taxRateBp taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode } total { amount currencyCode } }
        revisions {
          number createdAt revisedAt validUntil note
          total { amount currencyCode }
          lines { sku name quantity taxRate unitPrice { amount currencyCode } total { amount currencyCode } }
        }
        customer { id email firstName lastName }
        order { id number status }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_WITHDRAW_OFFER = /* GraphQL */ `
  mutation StaffWithdrawOffer($input: WithdrawOfferInput!) {
    withdrawOffer(input: $input) {
      offer {
        id number state currencyCode validUntil note createdAt updatedAt acceptedAt rejectedAt rejectionReason
        expiredAt paidAt withdrawnAt revision revisedAt
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        total { amount currencyCode }
        lines { sku name quantity taxRateBp taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode } total { amount currencyCode } }
        revisions {
          number createdAt revisedAt validUntil note
          total { amount currencyCode }
          lines { sku name quantity taxRate unitPrice { amount currencyCode } total { amount currencyCode } }
        }
        customer { id email firstName lastName }
        order { id number status }
      }
      userErrors { field message code }
    }
  }
`;

// ── customers ──
export const STAFF_CUSTOMERS_PAGE = /* GraphQL */ `
  query StaffCustomers($filter: CustomerFilterInput) {
    me { id roles settings { language timezone } }
    customers(first: 20, filter: $filter) {
      edges { node { id email firstName lastName status createdAt roles group { id name } } }
      pageInfo { hasNextPage endCursor }
    }
    affiliateRequests(first: 20, status: PENDING) {
      edges { node { id message createdAt customer { id email firstName lastName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_CUSTOMERS_MORE = /* GraphQL */ `
  query StaffCustomersMore($filter: CustomerFilterInput, $after: String) {
    customers(first: 20, after: $after, filter: $filter) {
      edges { node { id email firstName lastName status createdAt roles group { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_AFFILIATE_REQUESTS_MORE = /* GraphQL */ `
  query StaffAffiliateRequestsMore($after: String) {
    affiliateRequests(first: 20, after: $after, status: PENDING) {
      edges { node { id message createdAt customer { id email firstName lastName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_CREDIT_LIMIT_REQUESTS = /* GraphQL */ `
  query StaffCreditLimitRequests($after: String) {
    creditLimitRequests(first: 20, after: $after, status: PENDING) {
      edges { node { id amount { amount currencyCode } reason createdAt customer { id email firstName lastName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

// ── groups (customerGroups; creating and editing are administrators', the API refuses SUPPORT) ──
export const STAFF_GROUPS_PAGE = /* GraphQL */ `
  query StaffGroups {
    me { id roles settings { language timezone currency } }
    customerGroups {
      id code name activationMode selfRegistration paymentTermsDays updatedAt
      defaultCreditLimit { amount currencyCode }
    }
  }
`;

export const STAFF_CREATE_CUSTOMER_GROUP = /* GraphQL */ `
  mutation StaffCreateCustomerGroup($input: CreateCustomerGroupInput!) {
    createCustomerGroup(input: $input) {
      customerGroup {
        id code name activationMode selfRegistration paymentTermsDays updatedAt
        defaultCreditLimit { amount currencyCode }
      }
      userErrors { field message code }
    }
  }
`;

export const STAFF_UPDATE_CUSTOMER_GROUP = /* GraphQL */ `
  mutation StaffUpdateCustomerGroup($input: UpdateCustomerGroupInput!) {
    updateCustomerGroup(input: $input) {
      customerGroup {
        id code name activationMode selfRegistration paymentTermsDays updatedAt
        defaultCreditLimit { amount currencyCode }
      }
      userErrors { field message code }
    }
  }
`;

// ── privacy policy (administrators publish; privacyPolicy is public, so the page reads me.roles to refuse
// SUPPORT as the router words an administrators' page; the API refuses them publishPrivacyPolicy anyway) ──
export const STAFF_PRIVACY_PAGE = /* GraphQL */ `
  query StaffPrivacy {
    me { id roles settings { language timezone } }
    privacyPolicy { version text effectiveFrom }
  }
`;

export const STAFF_PUBLISH_PRIVACY_POLICY = /* GraphQL */ `
  mutation StaffPublishPrivacyPolicy($input: PublishPrivacyPolicyInput!) {
    publishPrivacyPolicy(input: $input) {
      privacyPolicy { version text effectiveFrom }
      userErrors { field message code }
    }
  }
`;

export const STAFF_CUSTOMER_PAGE = /* GraphQL */ `
  query StaffCustomer($id: ID!) {
    me { id roles settings { language timezone } }
    customerGroups { id name code activationMode }
    node(id: $id) {
      ... on Customer {
        id email firstName lastName company phone status emailVerified phoneVerified createdAt activatedAt
        group { id name code activationMode }
        roles
        settings { language currency timezone }
        addresses {
          id firstName lastName company line1 line2 city region postalCode countryCode isDefaultBilling isDefaultShipping
        }
        orders(first: 10) {
          edges { node { id number status placedAt total { amount currencyCode } } }
          pageInfo { hasNextPage }
        }
        returns(first: 10) {
          edges { node { id number status createdAt refundTotal { amount currencyCode } } }
          pageInfo { hasNextPage }
        }
        tickets(first: 10) {
          edges { node { id number subject state lastMessageAt } }
          pageInfo { hasNextPage }
        }
        storeCredit { balance { amount currencyCode } creditLimit { amount currencyCode } available { amount currencyCode } }
        storeCreditCurrencies
        creditTransactions(first: 10) {
          edges { node { id amount { amount currencyCode } balanceAfter { amount currencyCode } reason reference note createdAt } }
        }
        creditLimitRequests {
          id status reason createdAt decidedAt decisionReason
          amount { amount currencyCode }
          approvedAmount { amount currencyCode }
        }
        affiliateRequests { id status message createdAt decisionReason }
        roleChanges { role action reason createdAt actor { id email firstName lastName } }
        groupHistory { reason createdAt fromGroup { id name } toGroup { id name } actor { id email firstName lastName } }
        securityEvents(first: 20) {
          edges { node { id type outcome createdAt reason detail ipAddress actor { id email firstName lastName } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

export const STAFF_CUSTOMER_EVENTS_MORE = /* GraphQL */ `
  query StaffCustomerEventsMore($id: ID!, $after: String) {
    node(id: $id) {
      ... on Customer {
        id
        securityEvents(first: 20, after: $after) {
          edges { node { id type outcome createdAt reason detail ipAddress actor { id email firstName lastName } } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`;

export const STAFF_SECURITY_LOG = /* GraphQL */ `
  query StaffSecurityLog($filter: SecurityEventFilterInput, $after: String) {
    securityEvents(first: 20, after: $after, filter: $filter) {
      edges { node { id type outcome createdAt reason detail ipAddress actor { id email firstName lastName } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export const STAFF_APPROVE_CUSTOMER = /* GraphQL */ `
  mutation StaffApproveCustomer($input: ApproveCustomerInput!) {
    approveCustomer(input: $input) { customer { id status } userErrors { field message code } }
  }
`;

export const STAFF_SUSPEND_CUSTOMER = /* GraphQL */ `
  mutation StaffSuspendCustomer($input: SuspendCustomerInput!) {
    suspendCustomer(input: $input) { customer { id status } userErrors { field message code } }
  }
`;

export const STAFF_REACTIVATE_CUSTOMER = /* GraphQL */ `
  mutation StaffReactivateCustomer($input: ReactivateCustomerInput!) {
    reactivateCustomer(input: $input) { customer { id status } userErrors { field message code } }
  }
`;

export const STAFF_GRANT_ROLE = /* GraphQL */ `
  mutation StaffGrantRole($input: GrantRoleInput!) {
    grantRole(input: $input) { customer { id roles } userErrors { field message code } }
  }
`;

export const STAFF_REVOKE_ROLE = /* GraphQL */ `
  mutation StaffRevokeRole($input: RevokeRoleInput!) {
    revokeRole(input: $input) { customer { id roles } userErrors { field message code } }
  }
`;

export const STAFF_REJECT_AFFILIATE_REQUEST = /* GraphQL */ `
  mutation StaffRejectAffiliateRequest($input: RejectAffiliateRequestInput!) {
    rejectAffiliateRequest(input: $input) { affiliateRequest { id status } userErrors { field message code } }
  }
`;

export const STAFF_MOVE_CUSTOMER_TO_GROUP = /* GraphQL */ `
  mutation StaffMoveCustomerToGroup($input: MoveCustomerToGroupInput!) {
    moveCustomerToGroup(input: $input) { customer { id group { id name } } userErrors { field message code } }
  }
`;

export const STAFF_ADJUST_STORE_CREDIT = /* GraphQL */ `
  mutation StaffAdjustStoreCredit($input: AdjustStoreCreditInput!) {
    adjustStoreCredit(input: $input) {
      storeCredit { balance { amount currencyCode } creditLimit { amount currencyCode } }
      userErrors { field message code }
    }
  }
`;

export const STAFF_RECORD_ACCOUNT_PAYMENT = /* GraphQL */ `
  mutation StaffRecordAccountPayment($input: RecordAccountPaymentInput!) {
    recordAccountPayment(input: $input) {
      storeCredit { balance { amount currencyCode } creditLimit { amount currencyCode } }
      userErrors { field message code }
    }
  }
`;

export const STAFF_DECIDE_CREDIT_LIMIT_REQUEST = /* GraphQL */ `
  mutation StaffDecideCreditLimitRequest($input: DecideCreditLimitRequestInput!) {
    decideCreditLimitRequest(input: $input) { request { id status } userErrors { field message code } }
  }
`;

export const STAFF_DELETE_CUSTOMER = /* GraphQL */ `
  mutation StaffDeleteCustomer($input: DeleteCustomerInput!) {
    deleteCustomer(input: $input) { deletedCustomerId userErrors { field message code } }
  }
`;

export const STAFF_RESET_TWO_FACTOR = /* GraphQL */ `
  mutation StaffResetTwoFactor($input: ResetTwoFactorInput!) {
    resetTwoFactor(input: $input) { customer { id } coolDownEndsAt userErrors { field message code } }
  }
`;

export const STAFF_CUSTOMER_NEW_PAGE = /* GraphQL */ `
  query StaffCustomerNew {
    me { id roles settings { language timezone } }
    customerGroups { id name code activationMode }
  }
`;

export const STAFF_CREATE_CUSTOMER_ACCOUNT = /* GraphQL */ `
  mutation StaffCreateCustomerAccount($input: CreateCustomerAccountInput!) {
    createCustomerAccount(input: $input) {
      customer { id email firstName lastName status }
      userErrors { field message code }
    }
  }
`;

// ── help-audit ──

// The help centre's articles, drafts too (includeUnpublished is staff-only: customers are refused here).
export const STAFF_HELP_PAGE = /* GraphQL */ `
  query StaffHelp($query: String, $category: String, $first: Int!) {
    me { id roles settings { language timezone } }
    helpArticles(query: $query, category: $category, includeUnpublished: true, first: $first) {
      pageInfo { hasNextPage endCursor }
      edges { node { id slug title category published publishedAt updatedAt } }
    }
    helpCategories { name articleCount }
  }
`;

export const STAFF_HELP_MORE = /* GraphQL */ `
  query StaffHelpMore($query: String, $category: String, $first: Int!, $after: String) {
    helpArticles(query: $query, category: $category, includeUnpublished: true, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id slug title category published publishedAt updatedAt } }
    }
  }
`;

// The editor of a new article: the categories in use, drafts' too (staff-only), to suggest one.
export const STAFF_HELP_NEW_PAGE = /* GraphQL */ `
  query StaffHelpNew {
    me { id roles settings { language timezone } }
    helpArticles(includeUnpublished: true, first: 50) { edges { node { id category } } }
  }
`;

// The editor of an existing article: the article by its global id (drafts are visible to staff) and the
// categories in use.
export const STAFF_HELP_ARTICLE_PAGE = /* GraphQL */ `
  query StaffHelpArticle($id: ID!) {
    me { id roles settings { language timezone } }
    node(id: $id) {
      id
      ... on HelpArticle { slug title body category published publishedAt createdAt updatedAt }
    }
    helpArticles(includeUnpublished: true, first: 50) { edges { node { id category } } }
  }
`;

export const STAFF_CREATE_HELP_ARTICLE = /* GraphQL */ `
  mutation StaffCreateHelpArticle($input: CreateHelpArticleInput!) {
    createHelpArticle(input: $input) {
      article { id slug title body category published publishedAt createdAt updatedAt }
      userErrors { field message code }
    }
  }
`;

export const STAFF_UPDATE_HELP_ARTICLE = /* GraphQL */ `
  mutation StaffUpdateHelpArticle($input: UpdateHelpArticleInput!) {
    updateHelpArticle(input: $input) {
      article { id slug title body category published publishedAt createdAt updatedAt }
      userErrors { field message code }
    }
  }
`;

export const STAFF_DELETE_HELP_ARTICLE = /* GraphQL */ `
  mutation StaffDeleteHelpArticle($input: DeleteHelpArticleInput!) {
    deleteHelpArticle(input: $input) { deletedArticleId userErrors { field message code } }
  }
`;

// The audit log of staff actions: every staff member's for administrators, their own for SUPPORT (the API
// decides); me.roles only decides whether the link to the security alerts is shown.
export const STAFF_AUDIT_PAGE = /* GraphQL */ `
  query StaffAudit($first: Int!, $filter: StaffActionFilterInput) {
    me { id roles settings { language timezone } }
    staffActions(first: $first, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id type outcome createdAt reason detail integration
          actor { id email firstName lastName }
          customer { id email firstName lastName }
        }
      }
    }
  }
`;

export const STAFF_AUDIT_MORE = /* GraphQL */ `
  query StaffAuditMore($first: Int!, $after: String, $filter: StaffActionFilterInput) {
    staffActions(first: $first, after: $after, filter: $filter) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id type outcome createdAt reason detail integration
          actor { id email firstName lastName }
          customer { id email firstName lastName }
        }
      }
    }
  }
`;

// ── webhooks ──
// Administrators' webhook endpoints (README "Webhooks"; the API refuses them to SUPPORT: the router then says
// the page is for administrators). A secret is answered by create and rotate only, never read back.
export const STAFF_WEBHOOKS_PAGE = /* GraphQL */ `
  query StaffWebhooks($first: Int!) {
    me { id roles settings { language timezone } }
    webhookEndpoints(first: $first) {
      pageInfo { hasNextPage endCursor }
      edges { node { id url description eventTypes enabled disabledAt disabledReason consecutiveFailures createdAt } }
    }
  }
`;

export const STAFF_WEBHOOKS_MORE = /* GraphQL */ `
  query StaffWebhooksMore($first: Int!, $after: String) {
    webhookEndpoints(first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id url description eventTypes enabled disabledAt disabledReason consecutiveFailures createdAt } }
    }
  }
`;

// One endpoint with its delivery log (each delivery's latest attempts) and its latest attempts, tests included.
export const STAFF_WEBHOOK_PAGE = /* GraphQL */ `
  query StaffWebhook($id: ID!, $first: Int!) {
    me { id roles settings { language timezone } }
    node(id: $id) {
      id
      ... on WebhookEndpoint {
        url description eventTypes enabled disabledAt disabledReason secretRotatedAt previousSecretExpiresAt
        consecutiveFailures failingSince createdAt updatedAt
        deliveries(first: $first) {
          pageInfo { hasNextPage endCursor }
          edges {
            node {
              id webhookId eventType status attemptCount nextAttemptAt lastAttemptAt deliveredAt createdAt
              attempts(first: 3) {
                edges { node { id startedAt statusCode latencyMs succeeded errorKind responseExcerpt responseTruncated } }
              }
            }
          }
        }
        attempts(first: 10) {
          edges { node { id webhookId eventType test startedAt statusCode latencyMs succeeded errorKind responseExcerpt } }
        }
      }
    }
  }
`;

// The delivery log again (after a redelivery or a test, or the next page of it).
export const STAFF_WEBHOOK_LOG = /* GraphQL */ `
  query StaffWebhookLog($id: ID!, $first: Int!, $after: String) {
    node(id: $id) {
      id
      ... on WebhookEndpoint {
        deliveries(first: $first, after: $after) {
          pageInfo { hasNextPage endCursor }
          edges {
            node {
              id webhookId eventType status attemptCount nextAttemptAt lastAttemptAt deliveredAt createdAt
              attempts(first: 3) {
                edges { node { id startedAt statusCode latencyMs succeeded errorKind responseExcerpt responseTruncated } }
              }
            }
          }
        }
        attempts(first: 10) {
          edges { node { id webhookId eventType test startedAt statusCode latencyMs succeeded errorKind responseExcerpt } }
        }
      }
    }
  }
`;

export const STAFF_CREATE_WEBHOOK_ENDPOINT = /* GraphQL */ `
  mutation StaffCreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      endpoint { id url description eventTypes enabled disabledAt disabledReason consecutiveFailures createdAt }
      secret
      userErrors { field message code }
    }
  }
`;

export const STAFF_UPDATE_WEBHOOK_ENDPOINT = /* GraphQL */ `
  mutation StaffUpdateWebhookEndpoint($input: UpdateWebhookEndpointInput!) {
    updateWebhookEndpoint(input: $input) {
      endpoint { id url description eventTypes updatedAt }
      userErrors { field message code }
    }
  }
`;

export const STAFF_ROTATE_WEBHOOK_SECRET = /* GraphQL */ `
  mutation StaffRotateWebhookSecret($input: RotateWebhookSecretInput!) {
    rotateWebhookSecret(input: $input) {
      endpoint { id secretRotatedAt previousSecretExpiresAt }
      secret
      userErrors { field message code }
    }
  }
`;

export const STAFF_DISABLE_WEBHOOK_ENDPOINT = /* GraphQL */ `
  mutation StaffDisableWebhookEndpoint($input: DisableWebhookEndpointInput!) {
    disableWebhookEndpoint(input: $input) {
      endpoint { id enabled disabledAt disabledReason consecutiveFailures failingSince }
      userErrors { field message code }
    }
  }
`;

export const STAFF_ENABLE_WEBHOOK_ENDPOINT = /* GraphQL */ `
  mutation StaffEnableWebhookEndpoint($input: EnableWebhookEndpointInput!) {
    enableWebhookEndpoint(input: $input) {
      endpoint { id enabled disabledAt disabledReason consecutiveFailures failingSince }
      userErrors { field message code }
    }
  }
`;

export const STAFF_REDELIVER_WEBHOOK = /* GraphQL */ `
  mutation StaffRedeliverWebhook($input: RedeliverWebhookInput!) {
    redeliverWebhook(input: $input) { delivery { id status } userErrors { field message code } }
  }
`;

export const STAFF_REDELIVER_WEBHOOK_EVENTS = /* GraphQL */ `
  mutation StaffRedeliverWebhookEvents($input: RedeliverWebhookEventsInput!) {
    redeliverWebhookEvents(input: $input) { queued userErrors { field message code } }
  }
`;

export const STAFF_TEST_WEBHOOK_ENDPOINT = /* GraphQL */ `
  mutation StaffTestWebhookEndpoint($input: TestWebhookEndpointInput!) {
    testWebhookEndpoint(input: $input) {
      attempt { id webhookId eventType test startedAt statusCode latencyMs succeeded errorKind errorDetail responseExcerpt }
      userErrors { field message code }
    }
  }
`;

// Administrators' security alerts (the API refuses them to SUPPORT: the page then says the area is not theirs).
export const STAFF_ALERTS_PAGE = /* GraphQL */ `
  query StaffAlerts($first: Int!, $acknowledged: Boolean) {
    me { id roles settings { language timezone } }
    securityAlerts(first: $first, acknowledged: $acknowledged) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id kind detail eventCount ipAddress windowStart windowEnd createdAt acknowledgedAt
          customer { id email firstName lastName }
        }
      }
    }
  }
`;

export const STAFF_ALERTS_MORE = /* GraphQL */ `
  query StaffAlertsMore($first: Int!, $after: String, $acknowledged: Boolean) {
    securityAlerts(first: $first, after: $after, acknowledged: $acknowledged) {
      pageInfo { hasNextPage endCursor }
      edges {
        node {
          id kind detail eventCount ipAddress windowStart windowEnd createdAt acknowledgedAt
          customer { id email firstName lastName }
        }
      }
    }
  }
`;

export const STAFF_ACKNOWLEDGE_SECURITY_ALERT = /* GraphQL */ `
  mutation StaffAcknowledgeSecurityAlert($input: AcknowledgeSecurityAlertInput!) {
    acknowledgeSecurityAlert(input: $input) { alert { id acknowledgedAt } userErrors { field message code } }
  }
`;

// ── analytics ──
// The figures README "Analytics" defines, for the chosen days, granularity, group and channel, with the
// customer groups to choose from (one request).
export const STAFF_ANALYTICS_PAGE = /* GraphQL */ `
  query StaffAnalytics($input: AnalyticsInput!) {
    me { id roles settings { language timezone } }
    customerGroups { id name }
    analytics(input: $input) {
      report {
        from to granularity channel countedUntil csvUrl
        group { id name }
        series { figure unit byChannel points { periodStart periodEnd numerator denominator value } }
      }
      userErrors { field message code }
    }
  }
`;
