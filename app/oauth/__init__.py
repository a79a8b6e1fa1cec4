"""The OpenID provider (SPEC §9): Authlib's server wired to Latchkey's sessions and users."""
