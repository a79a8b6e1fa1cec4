"""Rate limits on sending email (SPEC §6): per IP and per address, answered with 429, a
Retry-After and a human message; and they can be turned off."""

from tests.conftest import csrf_token


def test_the_ip_rate_limit_on_email_sending_answers_429(client):
    token = csrf_token(client, "/sign-up")
    for _ in range(30):
        client.post("/sign-up", data={"csrf_token": token, "email_address": "bad"})
    response = client.post("/sign-up", data={"csrf_token": token, "email_address": "bad"})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert "Too many requests from your network. Try again in" in response.get_data(as_text=True)


def test_the_per_address_limit_answers_429_with_a_human_message(client):
    token = csrf_token(client, "/sign-up")
    for _ in range(5):
        ok = client.post("/sign-up", data={"csrf_token": token, "email_address": "g@example.com"})
        assert ok.status_code == 302
    response = client.post("/sign-up", data={"csrf_token": token, "email_address": "G@example.com"})
    assert response.status_code == 429 and 590 <= int(response.headers["Retry-After"]) <= 600
    assert "Too many emails were sent to this address" in response.get_data(as_text=True)


def test_rate_limits_can_be_turned_off(make_app):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    token = csrf_token(client, "/sign-up")
    for _ in range(35):
        ok = client.post("/sign-up", data={"csrf_token": token, "email_address": "g@example.com"})
        assert ok.status_code == 302
