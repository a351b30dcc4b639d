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
    me { id email firstName lastName privacyReviewRequired settings { language timezone } }
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
