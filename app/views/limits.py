"""Per-IP request limits shared by several routes (Flask-Limiter; the IPv6 /64 counts as one)."""

from flask import current_app

from app.extensions import limiter

# SPEC §6: 30 email-sending requests per IP per minute, across all the routes that send.
email_rate_limit = limiter.shared_limit(
    lambda: current_app.config["EMAIL_REQUESTS_PER_IP"], scope="email-ip", methods=["POST"]
)
# /verify and /accept-token, GET and POST: each bogus token costs a lookup and an audit write.
token_rate_limit = limiter.shared_limit(
    lambda: current_app.config["TOKEN_REQUESTS_PER_IP"], scope="token-ip"
)
# The OpenID provider's machine endpoints: every call checks a secret or a token.
oauth_rate_limit = limiter.shared_limit(
    lambda: current_app.config["OAUTH_REQUESTS_PER_IP"], scope="oauth-ip"
)
# Codes typed per IP (SPEC §10), on the waiting pages and /api together: each may be a guess.
code_rate_limit = limiter.shared_limit(
    lambda: current_app.config["CODE_REQUESTS_PER_IP"], scope="code-ip", methods=["POST"]
)
