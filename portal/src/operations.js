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
