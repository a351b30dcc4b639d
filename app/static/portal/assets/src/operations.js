// Every GraphQL operation the portal sends, and nothing else: tests/portal/test_operations.py reads each
// exported constant below as text and validates it against schema.graphql and the production depth, cost
// and token limits. Keep them plain template literals, without interpolation: the test reads them as text.
// One operation per page: a page asks for all of its data in one request.

export const LOGIN = /* GraphQL */ `
  mutation PortalLogin($input: LoginInput!) {
    login(input: $input) {
      token
      customer { id settings { language } }
      twoFactorChallenge { id methods expiresAt }
      userErrors { field message code }
    }
  }
`;

export const LOGOUT = /* GraphQL */ `
  mutation PortalLogout {
    logout { userErrors { field message code } }
  }
`;

export const HOME_PAGE = /* GraphQL */ `
  query PortalHome {
    me { id email firstName lastName roles privacyReviewRequired settings { language timezone } }
  }
`;

export const REGISTER_PAGE = /* GraphQL */ `
  query PortalRegisterPage {
    customerGroups { id code name activationMode selfRegistration }
  }
`;

export const REGISTER = /* GraphQL */ `
  mutation PortalRegister($input: RegisterInput!) {
    register(input: $input) {
      activationMode
      userErrors { field message code }
    }
  }
`;

export const ACTIVATE_ACCOUNT = /* GraphQL */ `
  mutation PortalActivateAccount($input: ActivateAccountInput!) {
    activateAccount(input: $input) {
      activated
      userErrors { field message code }
    }
  }
`;

export const RESEND_ACTIVATION = /* GraphQL */ `
  mutation PortalResendActivation($input: ResendActivationInput!) {
    resendActivation(input: $input) {
      userErrors { field message code }
    }
  }
`;

export const REQUEST_PASSWORD_RESET = /* GraphQL */ `
  mutation PortalRequestPasswordReset($input: RequestPasswordResetInput!) {
    requestPasswordReset(input: $input) { userErrors { field message code } }
  }
`;

export const RESET_PASSWORD = /* GraphQL */ `
  mutation PortalResetPassword($input: ResetPasswordInput!) {
    resetPassword(input: $input) { userErrors { field message code } }
  }
`;

export const PROFILE_PAGE = /* GraphQL */ `
  query PortalProfile {
    me {
      id email emailVerified firstName lastName company phone phoneVerified dateOfBirth
      status createdAt activatedAt roles
      group { id name }
      affiliateRequests { id status message decisionReason decidedAt createdAt }
      settings { language timezone }
    }
  }
`;

export const UPDATE_PROFILE = /* GraphQL */ `
  mutation PortalUpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      customer { id firstName lastName company phone phoneVerified dateOfBirth }
      userErrors { field message code }
    }
  }
`;

export const REQUEST_AFFILIATE_STATUS = /* GraphQL */ `
  mutation PortalRequestAffiliateStatus($input: RequestAffiliateStatusInput!) {
    requestAffiliateStatus(input: $input) {
      affiliateRequest { id status message decisionReason decidedAt createdAt }
      userErrors { field message code }
    }
  }
`;

export const SETTINGS_PAGE = /* GraphQL */ `
  query PortalSettings {
    me { id phoneVerified settings { language currency timezone emailNotifications smsNotifications } }
  }
`;

export const UPDATE_SETTINGS = /* GraphQL */ `
  mutation PortalUpdateSettings($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      settings { language currency timezone emailNotifications smsNotifications }
      userErrors { field message code }
    }
  }
`;

export const ADDRESSES_PAGE = /* GraphQL */ `
  query PortalAddresses($countryCode: String!) {
    me {
      id
      settings { language timezone }
      addresses {
        id firstName lastName company line1 line2 city region postalCode countryCode phone
        isBilling isShipping isDefaultBilling isDefaultShipping
      }
    }
    addressValidationRules(countryCode: $countryCode) {
      countryCode countryName requiredFields allowedFields regions { code name } regionType postalCodeType
      postalCodeExamples
    }
  }
`;

export const ADDRESS_RULES = /* GraphQL */ `
  query PortalAddressRules($countryCode: String!) {
    addressValidationRules(countryCode: $countryCode) {
      countryCode countryName requiredFields allowedFields regions { code name } regionType postalCodeType
      postalCodeExamples
    }
  }
`;

export const CREATE_ADDRESS = /* GraphQL */ `
  mutation PortalCreateAddress($input: CreateAddressInput!) {
    createAddress(input: $input) {
      address { id }
      userErrors { field message code }
    }
  }
`;

export const UPDATE_ADDRESS = /* GraphQL */ `
  mutation PortalUpdateAddress($input: UpdateAddressInput!) {
    updateAddress(input: $input) {
      address { id }
      userErrors { field message code }
    }
  }
`;

export const DELETE_ADDRESS = /* GraphQL */ `
  mutation PortalDeleteAddress($input: DeleteAddressInput!) {
    deleteAddress(input: $input) {
      deletedAddressId
      userErrors { field message code }
    }
  }
`;

export const SET_DEFAULT_ADDRESS = /* GraphQL */ `
  mutation PortalSetDefaultAddress($input: SetDefaultAddressInput!) {
    setDefaultAddress(input: $input) {
      address { id }
      userErrors { field message code }
    }
  }
`;

export const CONFIRM_EMAIL_CHANGE = /* GraphQL */ `
  mutation PortalConfirmEmailChange($input: ConfirmEmailChangeInput!) {
    confirmEmailChange(input: $input) {
      status
      userErrors { field message code }
    }
  }
`;

export const UNDO_EMAIL_CHANGE = /* GraphQL */ `
  mutation PortalUndoEmailChange($input: UndoEmailChangeInput!) {
    undoEmailChange(input: $input) { userErrors { field message code } }
  }
`;

export const CONFIRM_GUEST_ORDER_CLAIM = /* GraphQL */ `
  mutation PortalConfirmGuestOrderClaim($input: ConfirmGuestOrderClaimInput!) {
    confirmGuestOrderClaim(input: $input) {
      claimedOrders
      userErrors { field message code }
    }
  }
`;

// ── offers-returns: offers and returns ──

export const OFFERS_PAGE = /* GraphQL */ `
  query PortalOffers($first: Int = 20, $after: String) {
    me {
      id
      settings { language timezone }
      offers(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id number state validUntil createdAt total { amount currencyCode } } }
      }
    }
  }
`;

export const OFFER_PAGE = /* GraphQL */ `
  query PortalOffer($number: String!) {
    me {
      id
      settings { language timezone }
      paymentMethods { id kind brand last4 expMonth expYear isDefault isExpired }
      storeCredit { available { amount currencyCode } }
    }
    paymentOptions { gateway publishableKey }
    offer(number: $number) {
      id number state currencyCode validUntil note createdAt acceptedAt rejectedAt rejectionReason expiredAt paidAt
      withdrawnAt revision revisedAt revisions { number total { amount currencyCode } }
      pdfUrl
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      total { amount currencyCode }
      lines {
        sku name quantity taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode }
        total { amount currencyCode }
      }
      order {
        id number status
        invoice { id number status amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptUrl completedAt }
      }
    }
  }
`;

export const OFFER_PDF_LINK = /* GraphQL */ `
  query PortalOfferPdfLink($number: String!) {
    offer(number: $number) { id pdfUrl }
  }
`;

export const ACCEPT_OFFER = /* GraphQL */ `
  mutation PortalAcceptOffer($input: AcceptOfferInput!) {
    acceptOffer(input: $input) {
      offer {
      id number state currencyCode validUntil note createdAt acceptedAt rejectedAt rejectionReason expiredAt paidAt
      withdrawnAt revision revisedAt revisions { number total { amount currencyCode } }
      pdfUrl
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      total { amount currencyCode }
      lines {
        sku name quantity taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode }
        total { amount currencyCode }
      }
      order {
        id number status
        invoice { id number status amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptUrl completedAt }
      }
      }
      userErrors { field message code }
    }
  }
`;

export const REJECT_OFFER = /* GraphQL */ `
  mutation PortalRejectOffer($input: RejectOfferInput!) {
    rejectOffer(input: $input) {
      offer {
      id number state currencyCode validUntil note createdAt acceptedAt rejectedAt rejectionReason expiredAt paidAt
      withdrawnAt revision revisedAt revisions { number total { amount currencyCode } }
      pdfUrl
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      total { amount currencyCode }
      lines {
        sku name quantity taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode }
        total { amount currencyCode }
      }
      order {
        id number status
        invoice { id number status amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptUrl completedAt }
      }
      }
      userErrors { field message code }
    }
  }
`;

export const PAY_OFFER = /* GraphQL */ `
  mutation PortalPayOffer($input: PayOfferInput!) {
    payOffer(input: $input) {
      replayed
      payment { id status method amount { amount currencyCode } receiptUrl failureMessage }
      nextAction { clientSecret redirectUrl }
      offer {
      id number state currencyCode validUntil note createdAt acceptedAt rejectedAt rejectionReason expiredAt paidAt
      withdrawnAt revision revisedAt revisions { number total { amount currencyCode } }
      pdfUrl
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      total { amount currencyCode }
      lines {
        sku name quantity taxRate unitPrice { amount currencyCode } taxAmount { amount currencyCode }
        total { amount currencyCode }
      }
      order {
        id number status
        invoice { id number status amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptUrl completedAt }
      }
      }
      userErrors { field message code }
    }
  }
`;

export const RETURNS_PAGE = /* GraphQL */ `
  query PortalReturns($first: Int = 20, $after: String) {
    me {
      id
      settings { language timezone }
      returns(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges {
          node {
            id number status resolution createdAt
            refundTotal { amount currencyCode }
            order { id number }
            lines { quantity }
          }
        }
      }
    }
  }
`;

export const RETURN_PAGE = /* GraphQL */ `
  query PortalReturn($number: String!) {
    me { id settings { language timezone } }
    return(number: $number) {
      id number status resolution refundDestination currencyCode note rejectionReason slipUrl
      createdAt approvedAt rejectedAt receivedAt refundedAt closedAt
      subtotal { amount currencyCode }
      taxTotal { amount currencyCode }
      restockingFee { amount currencyCode }
      shippingDeduction { amount currencyCode }
      refundTotal { amount currencyCode }
      refundedAmount { amount currencyCode }
      lines { orderLineId sku name quantity reason amount { amount currencyCode } taxAmount { amount currencyCode } }
      refunds { destination status method amount { amount currencyCode } createdAt completedAt }
      refundFailure { code message }
      order { id number }
    }
  }
`;

export const RETURN_SLIP_LINK = /* GraphQL */ `
  query PortalReturnSlipLink($number: String!) {
    return(number: $number) { id slipUrl }
  }
`;

export const NEW_RETURN_PAGE = /* GraphQL */ `
  query PortalNewReturn($orderId: ID!) {
    me { id settings { language timezone } }
    returnReasons { code label deductionsApply }
    node(id: $orderId) {
      ... on Order {
        id number status placedAt currencyCode
        lines { id sku name quantity unitPrice { amount currencyCode } }
        returns { id number status lines { orderLineId quantity } }
      }
    }
  }
`;

export const RETURN_CALCULATE = /* GraphQL */ `
  query PortalReturnCalculate($input: RequestReturnInput!) {
    returnCalculate(input: $input) {
      calculation {
        currencyCode refundDestination returnableUntil
        subtotal { amount currencyCode }
        taxTotal { amount currencyCode }
        restockingFee { amount currencyCode }
        shippingDeduction { amount currencyCode }
        refundTotal { amount currencyCode }
        lines { orderLineId quantity returnableQuantity amount { amount currencyCode } }
      }
      userErrors { field message code }
    }
  }
`;

export const REQUEST_RETURN = /* GraphQL */ `
  mutation PortalRequestReturn($input: RequestReturnInput!) {
    requestReturn(input: $input) {
      return { id number status }
      userErrors { field message code }
    }
  }
`;

// ── orders-tickets: order detail, live updates, support tickets and the help centre ──

export const ORDER_LIST_PAGE = /* GraphQL */ `
  query PortalOrderList($first: Int = 10, $after: String, $filter: OrderFilter) {
    me {
      id
      email
      settings { language timezone }
      orders(first: $first, after: $after, filter: $filter) {
        pageInfo { hasNextPage endCursor }
        edges { node { id number status placedAt total { amount currencyCode } } }
      }
    }
  }
`;

export const CLAIM_GUEST_ORDERS = /* GraphQL */ `
  mutation PortalClaimGuestOrders {
    claimGuestOrders {
      pendingOrders
      userErrors { field message code }
    }
  }
`;

export const ORDER_DETAIL_PAGE = /* GraphQL */ `
  query PortalOrderDetail($id: ID!) {
    me { id settings { language timezone } }
    node(id: $id) {
      ... on Order {
        id
        number
        status
        placedAt
        lines { id sku name quantity unitPrice { amount currencyCode } total { amount currencyCode } }
        subtotal { amount currencyCode }
        discountTotal { amount currencyCode }
        shippingTotal { amount currencyCode }
        taxTotal { amount currencyCode }
        total { amount currencyCode }
        shippingAddress { firstName lastName company line1 line2 postalCode city region countryCode }
        timeline { fromStatus status note reason offerNumber paymentMethod returnNumber refundedAmount { amount currencyCode } refunds { destination paymentMethod amount { amount currencyCode } } at }
        shipments {
          id carrier trackingNumber trackingUrl status createdAt
          lines { sku quantity }
          events { occurredAt status location description }
        }
        invoice { id number status total { amount currencyCode } amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptNumber receiptUrl createdAt }
      }
    }
  }
`;

export const ORDER_LIVE = /* GraphQL */ `
  subscription PortalOrderLive($orderId: ID!) {
    orderStatusChanged(orderId: $orderId) {
      status
      changedAt
      order {
        id
        status
        timeline { fromStatus status note reason offerNumber paymentMethod returnNumber refundedAmount { amount currencyCode } refunds { destination paymentMethod amount { amount currencyCode } } at }
        shipments {
          id carrier trackingNumber trackingUrl status createdAt
          lines { sku quantity }
          events { occurredAt status location description }
        }
        invoice { id number status total { amount currencyCode } amountDue { amount currencyCode } downloadUrl }
        payments { id status method amount { amount currencyCode } receiptNumber receiptUrl createdAt }
      }
    }
  }
`;

export const ORDER_DOCUMENTS = /* GraphQL */ `
  query PortalOrderDocuments($id: ID!) {
    node(id: $id) {
      ... on Order {
        id
        invoice { id downloadUrl }
        payments { id receiptUrl }
      }
    }
  }
`;

export const TICKETS_PAGE = /* GraphQL */ `
  query PortalTickets($first: Int = 20, $after: String, $filter: CustomerTicketFilter) {
    me {
      id
      settings { language timezone }
      tickets(first: $first, after: $after, filter: $filter) {
        pageInfo { hasNextPage endCursor }
        edges { node { id number subject category state lastMessageAt } }
      }
      orders(first: 50) { edges { node { id number placedAt } } }
    }
  }
`;

export const OPEN_TICKET = /* GraphQL */ `
  mutation PortalOpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) {
      ticket { id number }
      userErrors { field message code }
    }
  }
`;

export const TICKET_PAGE = /* GraphQL */ `
  query PortalTicket($number: String!) {
    me { id settings { language timezone } }
    ticket(number: $number) {
      id
      number
      subject
      category
      state
      createdAt
      lastMessageAt
      rating { rating comment ratedAt }
      order { id number }
      messages { id authorKind authorName body createdAt }
    }
  }
`;

export const TICKET_LIVE = /* GraphQL */ `
  subscription PortalTicketLive($ticketId: ID!) {
    ticketUpdated(ticketId: $ticketId) {
      change
      state
      message { id authorKind authorName body createdAt }
      ticket { id state lastMessageAt rating { rating comment ratedAt } }
    }
  }
`;

export const TICKET_STATE = /* GraphQL */ `
  query PortalTicketState($number: String!) {
    ticket(number: $number) {
      id
      state
      lastMessageAt
      rating { rating comment ratedAt }
      messages { id authorKind authorName body createdAt }
    }
  }
`;

export const REPLY_TO_TICKET = /* GraphQL */ `
  mutation PortalReplyToTicket($input: ReplyToTicketInput!) {
    replyToTicket(input: $input) {
      ticket { id state lastMessageAt messages { id authorKind authorName body createdAt } }
      userErrors { field message code }
    }
  }
`;

export const CLOSE_TICKET = /* GraphQL */ `
  mutation PortalCloseTicket($input: CloseTicketInput!) {
    closeTicket(input: $input) {
      ticket { id state }
      userErrors { field message code }
    }
  }
`;

export const RATE_TICKET = /* GraphQL */ `
  mutation PortalRateTicket($input: RateTicketInput!) {
    rateTicket(input: $input) {
      ticket { id state rating { rating comment ratedAt } }
      userErrors { field message code }
    }
  }
`;

export const HELP_PAGE = /* GraphQL */ `
  query PortalHelp($query: String, $category: String, $first: Int = 20, $after: String) {
    helpArticles(query: $query, category: $category, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id slug title category } }
    }
    helpCategories { name articleCount }
  }
`;

export const HELP_MORE = /* GraphQL */ `
  query PortalHelpMore($query: String, $category: String, $first: Int = 20, $after: String) {
    helpArticles(query: $query, category: $category, first: $first, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { id slug title category } }
    }
  }
`;

export const HELP_ARTICLE_PAGE = /* GraphQL */ `
  query PortalHelpArticle($slug: String!) {
    helpArticle(slug: $slug) { id slug title body category updatedAt }
  }
`;

// ── security: security: two-factor, devices, sessions, activity, email and password change ──

export const SECURITY_PAGE = /* GraphQL */ `
  query PortalSecurity($first: Int = 10) {
    me {
      id
      email
      settings { language timezone }
      securityEvents(first: $first) {
        pageInfo { hasNextPage endCursor }
        edges { node { id type outcome createdAt ipAddress userAgent } }
      }
    }
    twoFactor { enabled recoveryCodesLeft }
    sessions { id createdAt lastSeenAt ipAddress userAgent current }
    trustedDevices { id userAgent ipAddress createdAt lastUsedAt expiresAt }
  }
`;

export const SECURITY_EVENTS = /* GraphQL */ `
  query PortalSecurityEvents($first: Int = 10, $after: String) {
    me {
      id
      securityEvents(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id type outcome createdAt ipAddress userAgent } }
      }
    }
  }
`;

export const REVOKE_SESSION = /* GraphQL */ `
  mutation PortalRevokeSession($input: RevokeSessionInput!) {
    revokeSession(input: $input) {
      revokedSessionId
      userErrors { field message code }
    }
  }
`;

export const REVOKE_TRUSTED_DEVICE = /* GraphQL */ `
  mutation PortalRevokeTrustedDevice($input: RevokeTrustedDeviceInput!) {
    revokeTrustedDevice(input: $input) { userErrors { field message code } }
  }
`;

export const TWO_FACTOR_PAGE = /* GraphQL */ `
  query PortalTwoFactor {
    me { id email settings { language timezone } }
    twoFactor { enabled recoveryCodesLeft }
  }
`;

export const ENABLE_TOTP = /* GraphQL */ `
  mutation PortalEnableTotp {
    enableTotp {
      secret
      otpauthUri
      qrCodeSvg
      userErrors { field message code }
    }
  }
`;

export const CONFIRM_TOTP = /* GraphQL */ `
  mutation PortalConfirmTotp($input: ConfirmTotpInput!) {
    confirmTotp(input: $input) {
      recoveryCodes
      userErrors { field message code }
    }
  }
`;

export const REGENERATE_RECOVERY_CODES = /* GraphQL */ `
  mutation PortalRegenerateRecoveryCodes {
    regenerateRecoveryCodes {
      recoveryCodes
      userErrors { field message code }
    }
  }
`;

export const DISABLE_TOTP = /* GraphQL */ `
  mutation PortalDisableTotp($input: DisableTotpInput!) {
    disableTotp(input: $input) { userErrors { field message code } }
  }
`;

export const STEP_UP = /* GraphQL */ `
  mutation PortalStepUp($input: StepUpInput!) {
    stepUp(input: $input) {
      verifiedUntil
      userErrors { field message code }
    }
  }
`;

export const PASSWORD_PAGE = /* GraphQL */ `
  query PortalPassword {
    me { id email settings { language timezone } }
  }
`;

export const CHANGE_PASSWORD = /* GraphQL */ `
  mutation PortalChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) { userErrors { field message code } }
  }
`;

export const EMAIL_PAGE = /* GraphQL */ `
  query PortalEmail {
    me { id email emailVerified settings { language timezone } }
  }
`;

export const REQUEST_EMAIL_CHANGE = /* GraphQL */ `
  mutation PortalRequestEmailChange($input: RequestEmailChangeInput!) {
    requestEmailChange(input: $input) {
      status
      userErrors { field message code }
    }
  }
`;

export const SEND_TWO_FACTOR_CODE = /* GraphQL */ `
  mutation PortalSendTwoFactorCode($input: SendTwoFactorCodeInput!) {
    sendTwoFactorCode(input: $input) { userErrors { field message code } }
  }
`;

export const SIGN_IN_SECOND_FACTOR = /* GraphQL */ `
  mutation PortalSignInSecondFactor($input: CompleteTwoFactorLoginInput!) {
    completeTwoFactorLogin(input: $input) {
      token
      deviceToken
      customer { id settings { language } }
      userErrors { field message code }
    }
  }
`;
// ── payments: payments: saved cards, paying, store credit, wishlist and recently viewed ──

export const PAYMENT_METHODS_PAGE = /* GraphQL */ `
  query PortalPaymentMethods {
    me {
      id
      settings { language timezone }
      paymentMethods { id kind brand last4 country expMonth expYear isDefault isExpired expiresSoon }
    }
    paymentOptions { gateway publishableKey methodKinds }
  }
`;

export const BEGIN_PAYMENT_METHOD_SETUP = /* GraphQL */ `
  mutation PortalBeginPaymentMethodSetup($input: BeginPaymentMethodSetupInput) {
    beginPaymentMethodSetup(input: $input) {
      setup { setupId clientSecret }
      userErrors { field message code }
    }
  }
`;

export const CONFIRM_PAYMENT = /* GraphQL */ `
  mutation PortalConfirmPayment($input: ConfirmPaymentInput!) {
    confirmPayment(input: $input) {
      payment { id status method amount { amount currencyCode } }
      invoice { id status orderId }
      nextAction { clientSecret redirectUrl }
      userErrors { field message code }
    }
  }
`;

export const ADD_PAYMENT_METHOD = /* GraphQL */ `
  mutation PortalAddPaymentMethod($input: AddPaymentMethodInput!) {
    addPaymentMethod(input: $input) {
      paymentMethod { id brand last4 }
      userErrors { field message code }
    }
  }
`;

export const REMOVE_PAYMENT_METHOD = /* GraphQL */ `
  mutation PortalRemovePaymentMethod($input: PaymentMethodIdInput!) {
    removePaymentMethod(input: $input) {
      removedPaymentMethodId
      userErrors { field message code }
    }
  }
`;

export const SET_DEFAULT_PAYMENT_METHOD = /* GraphQL */ `
  mutation PortalSetDefaultPaymentMethod($input: PaymentMethodIdInput!) {
    setDefaultPaymentMethod(input: $input) {
      paymentMethod { id isDefault }
      userErrors { field message code }
    }
  }
`;

export const PAY_PAGE = /* GraphQL */ `
  query PortalPay($id: ID!) {
    me {
      id
      settings { language timezone }
      paymentMethods { id kind brand last4 expMonth expYear isDefault isExpired }
      storeCredit { available { amount currencyCode } }
    }
    node(id: $id) {
      ... on Order {
        id
        number
        invoice {
          id number status total { amount currencyCode } amountPaid { amount currencyCode }
          amountDue { amount currencyCode } orderId
          paymentOptions { gateway publishableKey methodKinds }
        }
      }
      ... on Invoice {
        id number status total { amount currencyCode } amountPaid { amount currencyCode }
        amountDue { amount currencyCode } orderId
        paymentOptions { gateway publishableKey methodKinds }
      }
    }
  }
`;

export const PAY_ORDER = /* GraphQL */ `
  mutation PortalPayOrder($input: PayOrderInput!) {
    payOrder(input: $input) {
      payment { id status }
      invoice { id status orderId }
      nextAction { clientSecret redirectUrl }
      userErrors { field message code }
    }
  }
`;

export const PAY_INVOICE = /* GraphQL */ `
  mutation PortalPayInvoice($input: PayInvoiceInput!) {
    payInvoice(input: $input) {
      payment { id status }
      invoice { id status orderId }
      nextAction { clientSecret redirectUrl }
      userErrors { field message code }
    }
  }
`;

export const STORE_CREDIT_PAGE = /* GraphQL */ `
  query PortalStoreCredit($currency: CurrencyCode, $paymentCurrency: String, $first: Int = 10, $after: String) {
    me {
      id
      settings { language timezone currency }
      paymentMethods { id kind brand last4 expMonth expYear isDefault isExpired }
      storeCredit(currencyCode: $currency) {
        balance { amount currencyCode }
        creditLimit { amount currencyCode }
        available { amount currencyCode }
      }
      creditTransactions(first: $first, after: $after, currencyCode: $currency) {
        pageInfo { hasNextPage endCursor }
        edges {
          node { id amount { amount currencyCode } balanceAfter { amount currencyCode } reason reference note createdAt }
        }
      }
      creditLimitRequests {
        id amount { amount currencyCode } reason status approvedAmount { amount currencyCode } decisionReason
        createdAt decidedAt
      }
      orders(first: 10, filter: { status: [PENDING_PAYMENT] }) {
        edges {
          node { id number invoice { id number status amountDue { amount currencyCode } } }
        }
      }
    }
    paymentOptions(currencyCode: $paymentCurrency) { gateway publishableKey methodKinds }
  }
`;

export const PAY_ACCOUNT_BALANCE = /* GraphQL */ `
  mutation PortalPayAccountBalance($input: PayAccountBalanceInput!) {
    payAccountBalance(input: $input) {
      payment { id status method amount { amount currencyCode } receiptNumber }
      nextAction { clientSecret redirectUrl }
      userErrors { field message code }
    }
  }
`;

export const CREDIT_TRANSACTIONS = /* GraphQL */ `
  query PortalCreditTransactions($currency: CurrencyCode, $first: Int = 10, $after: String) {
    me {
      id
      creditTransactions(first: $first, after: $after, currencyCode: $currency) {
        pageInfo { hasNextPage endCursor }
        edges {
          node { id amount { amount currencyCode } balanceAfter { amount currencyCode } reason reference note createdAt }
        }
      }
    }
  }
`;

export const REQUEST_CREDIT_LIMIT = /* GraphQL */ `
  mutation PortalRequestCreditLimit($input: RequestCreditLimitInput!) {
    requestCreditLimit(input: $input) {
      request { id status }
      userErrors { field message code }
    }
  }
`;

export const WISHLIST_PAGE = /* GraphQL */ `
  query PortalWishlist($first: Int = 10, $after: String) {
    me {
      id
      settings { language timezone }
      wishlist(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id addedAt product { id sku name price { amount currencyCode } active } } }
      }
      recentlyViewed(first: 10) { viewedAt product { id sku name price { amount currencyCode } active } }
    }
  }
`;

export const WISHLIST_MORE = /* GraphQL */ `
  query PortalWishlistMore($first: Int = 10, $after: String) {
    me {
      id
      wishlist(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id addedAt product { id sku name price { amount currencyCode } active } } }
      }
    }
  }
`;

export const REMOVE_FROM_WISHLIST = /* GraphQL */ `
  mutation PortalRemoveFromWishlist($input: RemoveFromWishlistInput!) {
    removeFromWishlist(input: $input) {
      removedProductId
      userErrors { field message code }
    }
  }
`;

// ── statements: the store-credit (on-account) ledger as a statement per currency and period ──

export const ACCOUNT_STATEMENT_PAGE = /* GraphQL */ `
  query PortalAccountStatement($currency: CurrencyCode, $from: Date, $to: Date, $first: Int = 25) {
    me {
      id
      settings { language timezone currency }
      storeCreditCurrencies
      accountStatement(currencyCode: $currency, from: $from, to: $to) {
        statement {
          currencyCode from to timezone entryCount downloadUrl
          openingBalance { amount currencyCode }
          totalCredits { amount currencyCode }
          totalDebits { amount currencyCode }
          closingBalance { amount currencyCode }
          entries(first: $first) {
            pageInfo { hasNextPage endCursor }
            edges { node { id createdAt reason reference note amount { amount currencyCode } balanceAfter { amount currencyCode } } }
          }
        }
        userErrors { field message code }
      }
    }
  }
`;

export const ACCOUNT_STATEMENT_ENTRIES = /* GraphQL */ `
  query PortalAccountStatementEntries($currency: CurrencyCode!, $from: Date!, $to: Date!, $first: Int = 25, $after: String) {
    me {
      id
      accountStatement(currencyCode: $currency, from: $from, to: $to) {
        statement {
          entries(first: $first, after: $after) {
            pageInfo { hasNextPage endCursor }
            edges { node { id createdAt reason reference note amount { amount currencyCode } balanceAfter { amount currencyCode } } }
          }
        }
        userErrors { field message code }
      }
    }
  }
`;

export const ACCOUNT_STATEMENT_LINK = /* GraphQL */ `
  query PortalAccountStatementLink($currency: CurrencyCode!, $from: Date!, $to: Date!) {
    me {
      id
      accountStatement(currencyCode: $currency, from: $from, to: $to) {
        statement { downloadUrl }
        userErrors { field message code }
      }
    }
  }
`;

// ── end statements ──

// ── privacy: privacy: consents, data export, account deletion ──

export const PRIVACY_PAGE = /* GraphQL */ `
  query PortalPrivacy {
    me {
      id
      settings { language timezone }
      privacyReviewRequired
      consents { purpose granted policyVersion updatedAt }
      consentHistory { purpose granted policyVersion source createdAt }
      dataExports { id createdAt expiresAt status downloadCount downloadUrl }
    }
    privacyPolicy { version text effectiveFrom }
  }
`;

export const SET_CONSENT = /* GraphQL */ `
  mutation PortalSetConsent($input: SetConsentInput!) {
    setConsent(input: $input) {
      consent { purpose granted policyVersion }
      userErrors { field message code }
    }
  }
`;

export const CONFIRM_CONSENTS = /* GraphQL */ `
  mutation PortalConfirmConsents($input: ConfirmConsentsInput!) {
    confirmConsents(input: $input) {
      customer { id privacyReviewRequired }
      userErrors { field message code }
    }
  }
`;

export const EXPORT_MY_DATA = /* GraphQL */ `
  mutation PortalExportMyData {
    exportMyData {
      dataExport { id status }
      userErrors { field message code }
    }
  }
`;

export const DELETE_ACCOUNT = /* GraphQL */ `
  mutation PortalDeleteAccount($input: DeleteAccountInput!) {
    deleteAccount(input: $input) {
      deleted
      userErrors { field message code }
    }
  }
`;
