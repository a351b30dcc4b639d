"""Security primitives: password hashing and policy, opaque tokens, keyed hashes, field encryption."""
