"""Payment gateways: the interface the services charge cards through, and the built-in sandbox gateway."""
