"""GraphQL documents the account tests send, as a storefront would."""

ERRORS = "userErrors { field message code }"

REGISTER = f"""
mutation Register($input: RegisterInput!) {{
  register(input: $input) {{ activationMode {ERRORS} }}
}}
"""

ACTIVATE = f"""
mutation Activate($input: ActivateAccountInput!) {{
  activateAccount(input: $input) {{ activated customer {{ id email status emailVerified phoneVerified }} {ERRORS} }}
}}
"""

RESEND = f"""
mutation Resend($input: ResendActivationInput!) {{ resendActivation(input: $input) {{ {ERRORS} }} }}
"""

LOGIN = f"""
mutation Login($input: LoginInput!) {{
  login(input: $input) {{ token expiresAt customer {{ id email status }} {ERRORS} }}
}}
"""

LOGOUT = f"mutation {{ logout {{ {ERRORS} }} }}"

ME = "{ me { id email firstName lastName phone status roles createdAt group { code } } }"

SESSIONS = "{ sessions { id createdAt lastSeenAt expiresAt ipAddress userAgent current } }"

REVOKE_SESSION = f"""
mutation Revoke($input: RevokeSessionInput!) {{ revokeSession(input: $input) {{ revokedSessionId {ERRORS} }} }}
"""

CHANGE_PASSWORD = f"""
mutation Change($input: ChangePasswordInput!) {{ changePassword(input: $input) {{ {ERRORS} }} }}
"""

REQUEST_RESET = f"""
mutation RequestReset($input: RequestPasswordResetInput!) {{ requestPasswordReset(input: $input) {{ {ERRORS} }} }}
"""

RESET = f"""
mutation Reset($input: ResetPasswordInput!) {{ resetPassword(input: $input) {{ {ERRORS} }} }}
"""
