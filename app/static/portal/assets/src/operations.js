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

export const COMPLETE_TWO_FACTOR_LOGIN = /* GraphQL */ `
  mutation PortalCompleteTwoFactorLogin($input: CompleteTwoFactorLoginInput!) {
    completeTwoFactorLogin(input: $input) {
      token
      customer { id settings { language } }
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
    me { id email firstName lastName settings { language timezone } }
  }
`;

export const ORDERS_PAGE = /* GraphQL */ `
  query PortalOrders($first: Int = 10, $after: String) {
    me {
      id
      settings { language timezone }
      orders(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id number status placedAt total { amount currencyCode } } }
      }
    }
  }
`;

export const ORDER_PAGE = /* GraphQL */ `
  query PortalOrder($id: ID!) {
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
      }
    }
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
    me { id email firstName lastName company phone phoneVerified settings { language timezone } }
  }
`;

export const UPDATE_PROFILE = /* GraphQL */ `
  mutation PortalUpdateProfile($input: UpdateProfileInput!) {
    updateProfile(input: $input) {
      customer { id firstName lastName company phone phoneVerified }
      userErrors { field message code }
    }
  }
`;

export const SETTINGS_PAGE = /* GraphQL */ `
  query PortalSettings {
    me { id settings { language currency timezone } }
  }
`;

export const UPDATE_SETTINGS = /* GraphQL */ `
  mutation PortalUpdateSettings($input: UpdateSettingsInput!) {
    updateSettings(input: $input) {
      settings { language currency timezone }
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

// ── orders-tickets: order detail, live updates, support tickets and the help centre ──

// ── security: security: two-factor, devices, sessions, activity, email and password change ──

// ── payments: payments: saved cards, paying, store credit, wishlist and recently viewed ──

export const PAYMENT_METHODS_PAGE = /* GraphQL */ `
  query PortalPaymentMethods {
    me {
      id
      settings { language timezone }
      paymentMethods { id brand last4 expMonth expYear isDefault isExpired expiresSoon }
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
      paymentMethods { id brand last4 expMonth expYear isDefault isExpired }
      storeCredit { available { amount currencyCode } }
    }
    node(id: $id) {
      ... on Order {
        id
        number
        invoice {
          id number status total { amount currencyCode } amountPaid { amount currencyCode }
          amountDue { amount currencyCode } orderId
        }
      }
      ... on Invoice {
        id number status total { amount currencyCode } amountPaid { amount currencyCode }
        amountDue { amount currencyCode } orderId
      }
    }
  }
`;

export const PAY_ORDER = /* GraphQL */ `
  mutation PortalPayOrder($input: PayOrderInput!) {
    payOrder(input: $input) {
      payment { id status }
      invoice { id status orderId }
      userErrors { field message code }
    }
  }
`;

export const PAY_INVOICE = /* GraphQL */ `
  mutation PortalPayInvoice($input: PayInvoiceInput!) {
    payInvoice(input: $input) {
      payment { id status }
      invoice { id status orderId }
      userErrors { field message code }
    }
  }
`;

export const STORE_CREDIT_PAGE = /* GraphQL */ `
  query PortalStoreCredit($currency: CurrencyCode, $first: Int = 10, $after: String) {
    me {
      id
      settings { language timezone currency }
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

// ── privacy: privacy: consents, data export, account deletion ──
