import re


def test_sign_up_same_browser(live_server, browser, mailbox):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/sign-up")
    page.fill("#email_address", "ada@example.com")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-up/sua_"))
    print(context.cookies())
    link = mailbox.link("ada@example.com")
    other = context.new_page()
    other.goto(link)
    other.wait_for_url(re.compile(r"/user$"))
    page.wait_for_selector("text=Signed in on another tab")
