"""Query parameters a form page does not know are ignored, never handed to url_for (finding 9)."""

import pytest


@pytest.mark.parametrize("path", ["/sign-in", "/sign-up"])
@pytest.mark.parametrize(
    "query",
    ["endpoint=x", "_method=DELETE", "values=1", "_anchor=x", "_scheme=https", "_external=1"],
)
def test_unknown_parameters_are_ignored(client, path, query):
    response = client.get(f"{path}?{query}", headers={"Host": "attacker.example"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "attacker.example" not in page  # no absolute link built from the Host header
    # The language switcher sends the page's own address back, as it was asked for.
    back = f'name="next" value="{path}?{query}"'
    assert page.count(back) == 1
    page = page.replace(back, "")
    assert "_method" not in page and "endpoint=" not in page


@pytest.mark.parametrize(("path", "other"), [("/sign-in", "/sign-up"), ("/sign-up", "/sign-in")])
def test_the_other_form_keeps_the_redirect(client, path, other):
    page = client.get(f"{path}?redirect_url=/user&endpoint=x").get_data(as_text=True)
    assert f'href="{other}?redirect_url=/user"' in page
