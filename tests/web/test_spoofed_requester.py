"""Attacker text in "Requested from": the User-Agent is free text, so only known names show."""

import pytest

from tests.conftest import Auth, path_of

SPOOFS = [
    # The reviewer's: ua-parser returns it whole as the browser's name.
    "Latchkey Security Check - safe to approve bot",
    # A product token ua-parser takes for a browser.
    "Mozilla/5.0 (compatible; SafeToApproveBot/1.0)",
]


@pytest.mark.parametrize("user_agent", SPOOFS)
def test_the_email_and_the_approval_page_never_show_the_user_agents_text(app, mailbox, user_agent):
    requester = app.test_client()
    requester.environ_base["HTTP_USER_AGENT"] = user_agent
    assert Auth(requester, mailbox).start("sign-up", "grace@example.com").status_code == 302
    email = mailbox.last("grace@example.com")
    approval = app.test_client().get(path_of(mailbox.link("grace@example.com")))
    assert "Approve this sign-up?" in approval.get_data(as_text=True)
    for shown in (email.text_body, email.html_body, approval.get_data(as_text=True)):
        assert "Unknown browser" in shown
        assert "safe to approve" not in shown.lower() and "SafeToApprove" not in shown
