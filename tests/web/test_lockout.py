"""Lock-out and mail-bomb through the per-address email quota: per requester, an overall cap,
the owner's browser let through, aliases folded, IPv6 counted by /64."""

import pytest
from sqlalchemy import func, select

from app.auth.address_text import quota_address
from app.extensions import db
from app.models import OutboxMessage
from tests.conftest import Auth, csrf_token

ATTACKER, VICTIM = "203.0.113.9", "198.51.100.7"


def browser(app, ip: str):
    """A new browser (its own cookies) at this IP."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def ask(client, email: str, flow: str = "sign-in"):
    token = csrf_token(client, f"/{flow}")
    return client.post(f"/{flow}", data={"csrf_token": token, "email_address": email})


def statuses(app, email: str, ips: list[str], flow: str = "sign-in") -> list[int]:
    """One request each, from a new browser at each IP."""
    return [ask(browser(app, ip), email, flow).status_code for ip in ips]


def emails_to(app, normalized: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.to_normalized == normalized)
        )


@pytest.fixture
def owner(app, client, mailbox):
    """ada@example.com signed up and out again on `client` (at 127.0.0.1): her usual browser."""
    auth = Auth(client, mailbox)
    auth.sign_up("ada@example.com")
    client.post("/sign-out", data={"csrf_token": csrf_token(client)})
    return "ada@example.com"


# -- lock-out ----------------------------------------------------------------------------------


def test_an_attacker_spending_the_quota_does_not_lock_the_owner_out(app, ada, mailbox):
    address = "ada@example.com"
    assert statuses(app, address, [ATTACKER] * 5) == [302] * 5
    refused = ask(browser(app, ATTACKER), address)
    assert refused.status_code == 429
    assert "Too many emails were sent to this address" in refused.get_data(as_text=True)
    # The owner, from anywhere else, in a browser never used before, still gets her link.
    assert ask(browser(app, VICTIM), address).status_code == 302
    assert f"IP address {VICTIM}." in mailbox.last(address).text_body
    assert emails_to(app, address) == 6


def test_an_attacker_behind_the_owners_ip_cannot_spend_her_browsers_quota(app, client, owner):
    # An office or a carrier's NAT: the attacker has the owner's IP, not her browser.
    assert statuses(app, owner, ["127.0.0.1"] * 5) == [302] * 4 + [429]  # her sign-up counted
    assert ask(client, owner).status_code == 302


def test_the_owners_browser_gets_through_when_many_networks_spent_the_total(
    app, client, owner, mailbox
):
    networks = [f"203.0.113.{n}" for n in range(1, 5) for _ in range(5)]
    assert statuses(app, owner, networks) == [302] * 19 + [429]  # 20 with her sign-up
    refused = ask(browser(app, VICTIM), owner)
    assert refused.status_code == 429
    assert "or from a browser you have signed in with before" in refused.get_data(as_text=True)
    # A browser signed in to another account is not the owner's.
    mallory = browser(app, VICTIM)
    Auth(mallory, mailbox).sign_up("mallory@example.com")
    assert ask(mallory, owner).status_code == 429
    # Her own browser, from a new network: her own quota only, of 5.
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert [ask(client, owner).status_code for _ in range(6)] == [302] * 5 + [429]


def test_a_revoked_browser_is_not_let_through_the_total(app, client, owner, mailbox):
    phone = browser(app, VICTIM)
    Auth(phone, mailbox).sign_in(owner)
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    Auth(client, mailbox).sign_in(owner)
    revoked = client.post("/user/sessions/revoke-others", data={"csrf_token": csrf_token(client)})
    assert revoked.status_code == 302
    networks = [f"203.0.113.{n}" for n in range(1, 5) for _ in range(5)]
    statuses(app, owner, networks)  # the rest of the total
    assert ask(phone, owner).status_code == 429
    assert ask(client, owner).status_code == 302


# -- mail-bomb ---------------------------------------------------------------------------------


def test_many_networks_together_cannot_send_more_than_the_total(app, ada):
    address = "ada@example.com"
    networks = [f"203.0.113.{n}" for n in range(25)]
    assert statuses(app, address, networks) == [302] * 20 + [429] * 5
    assert emails_to(app, address) == app.config["EMAILS_PER_ADDRESS_TOTAL"] == 20


def test_one_network_cannot_send_more_than_its_quota(app, ada):
    address = "ada@example.com"
    assert statuses(app, address, [ATTACKER] * 8) == [302] * 5 + [429] * 3
    assert emails_to(app, address) == app.config["EMAILS_PER_ADDRESS"] == 5


# -- aliases -----------------------------------------------------------------------------------

ALIASES = [
    "g.victim@gmail.com",
    "gv.ictim@googlemail.com",
    "gvictim+1@gmail.com",
    "G.Victim+news@GMail.com",
    "gvictim@googlemail.com",
]


def test_aliases_of_one_mailbox_share_its_quota(app, mailbox):
    asked = [ask(browser(app, ATTACKER), a, "sign-up").status_code for a in ALIASES]
    assert asked == [302] * 5
    assert ask(browser(app, ATTACKER), "gvictim@gmail.com", "sign-up").status_code == 429
    # For the quota only: each email went to the address as typed.
    assert mailbox.last("g.victim@gmail.com").to_address == "g.victim@gmail.com"


def test_dots_count_apart_outside_gmail(app):
    asked = [ask(browser(app, ATTACKER), "g.race@example.com", "sign-up") for _ in range(5)]
    assert [response.status_code for response in asked] == [302] * 5
    assert ask(browser(app, ATTACKER), "grace@example.com", "sign-up").status_code == 302


@pytest.mark.parametrize(
    ("normalized", "folded"),
    [
        ("g.victim@gmail.com", "gvictim@gmail.com"),
        ("gv.ictim+a+b@googlemail.com", "gvictim@gmail.com"),
        ("grace+1@example.com", "grace@example.com"),
        ("g.race@example.com", "g.race@example.com"),
        ("+tag@example.com", "+tag@example.com"),
    ],
)
def test_the_quota_address_folds_aliases(normalized, folded):
    assert quota_address(normalized) == folded


# -- IPv6 --------------------------------------------------------------------------------------


def refused_sign_ups(app, ips: list[str]) -> list[int]:
    """A refused sign-up from each IP: counted by the per-IP limit, sending nothing."""
    return statuses(app, "bad", ips, flow="sign-up")


def test_the_per_ip_limit_counts_an_ipv6_client_by_its_64(make_app):
    app = make_app(EMAIL_REQUESTS_PER_IP="2 per minute")
    same_64 = ["2001:db8::1", "2001:db8::2:3", "2001:db8::ffff:ffff"]
    assert refused_sign_ups(app, same_64) == [422, 422, 429]
    assert refused_sign_ups(app, ["2001:db8:0:1::1"]) == [422]  # the next /64


def test_the_per_ip_limit_counts_each_ipv4_address(make_app):
    app = make_app(EMAIL_REQUESTS_PER_IP="2 per minute")
    assert refused_sign_ups(app, ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) == [422] * 3
    assert refused_sign_ups(app, ["192.0.2.1", "192.0.2.1"]) == [422, 429]


def test_the_address_quota_counts_an_ipv6_requester_by_its_64(app, ada):
    same_64 = [f"2001:db8::{n}" for n in range(1, 7)]
    assert statuses(app, "ada@example.com", same_64) == [302] * 5 + [429]
    assert statuses(app, "ada@example.com", ["2001:db8:0:1::1"]) == [302]
