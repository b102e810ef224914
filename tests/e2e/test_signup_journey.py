import re

import pytest
from django.core import mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_verifies_the_email_and_reaches_the_dashboard(page, live_server, tmp_path):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Start free").click()
    page.fill("#id_email", "erin@example.com")
    page.fill("#id_full_name", "Erin")
    page.fill("#id_organisation", "Erin Capital")
    page.fill("#id_password", "a-long-passphrase-77")
    page.get_by_role("button", name="Create account").click()

    page.wait_for_url(live_server.url + "/app/")
    assert "Please confirm your email address" in page.content()
    link = re.search(r"http://[^/]+(/accounts/verify/[^\s]+/)", mail.outbox[0].body).group(1)
    page.goto(live_server.url + link)
    assert page.get_by_role("heading", name="Email verified").is_visible()

    page.get_by_role("link", name="Go to your dashboard").click()
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert "Erin Capital" in page.content()
    assert "Please confirm your email address" not in page.content()
    page.screenshot(path=str(tmp_path / "dashboard.png"))


def test_a_wrong_password_shows_the_error_on_the_login_page(page, live_server, django_user_model):
    django_user_model.objects.create_user(email="finn@example.com", password="a-long-passphrase-77")

    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_email", "finn@example.com")
    page.fill("#id_password", "not-the-password")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_text("That email and password do not match an account.").is_visible()
