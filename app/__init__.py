"""Customer Accounts: infrastructure, services and entry points."""
