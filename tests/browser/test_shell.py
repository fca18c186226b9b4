"""The dashboard's shell in a real browser on the real stack: sign up, log in and out, history routing,
the organization switcher, an invitation accepted from its link, and what the server sends with each page."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import PASSWORD
from tests.browser.harness import check_axe, screenshots
from uptick_devstack.stack import Stack


async def test_sign_up_log_out_and_log_in(page: Page, new_email: str) -> None:
    await page.goto("/")
    await expect(page).to_have_url("/login?next=%2F")
    await check_axe(page, "login")
    await screenshots(page, "login")
    await page.get_by_role("link", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Create your Uptick account")).to_be_visible()
    await page.get_by_label("Email").fill(new_email)
    await page.get_by_label("Password").fill("short")
    await page.get_by_role("button", name="Sign up").click()
    # The API's own message, beside its field.
    await expect(page.get_by_text("String should have at least 8 characters")).to_be_visible()
    await check_axe(page, "signup with an error")
    await screenshots(page, "signup-error")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await expect(page.get_by_role("heading", name="Monitors", level=1)).to_be_visible()
    await expect(page.get_by_text(new_email)).to_be_visible()

    await page.get_by_role("button", name="Log out").click()
    await expect(page.get_by_role("heading", name="Log in to Uptick")).to_be_visible()
    await page.get_by_label("Email").fill(new_email)
    await page.get_by_label("Password").fill("wrong password")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("heading", name="Monitors", level=1)).to_be_visible()


async def test_a_real_path_opens_its_page_and_unknown_ones_say_so(signed_in: Page) -> None:
    """Notifications link to /incidents/{id} and the like: loading such a path directly draws the app."""
    await signed_in.goto("/no/such/page")
    await expect(signed_in.get_by_role("heading", name="Page not found")).to_be_visible()
    await signed_in.get_by_role("link", name="Go to your monitors").click()
    await expect(signed_in).to_have_url("/")
    await signed_in.go_back()
    await expect(signed_in.get_by_role("heading", name="Page not found")).to_be_visible()


async def test_keyboard_reaches_the_skip_link_first(signed_in: Page) -> None:
    await signed_in.keyboard.press("Tab")
    skip = signed_in.get_by_role("link", name="Skip to content")
    await expect(skip).to_be_focused()
    await signed_in.keyboard.press("Enter")
    await expect(signed_in.locator("main")).to_be_focused()


async def test_invitation_link_is_accepted_from_the_dashboard(page: Page, stack: Stack, new_email: str) -> None:
    """An owner invites a new address; the invitee opens the link logged out, signs up from it, accepts, and
    the organization switcher then offers the new organization."""
    async with httpx.AsyncClient(base_url=stack.url) as client:
        owner = {"email": f"owner-{new_email}", "password": PASSWORD}
        assert (await client.post("/api/auth/signup", json=owner)).status_code == 201
        token = (await client.post("/api/auth/login", json=owner)).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        org = (await client.post("/api/orgs", json={"name": "Acme Shop"}, headers=auth)).json()
        invited = await client.post(f"/api/orgs/{org['id']}/invitations", json={"email": new_email, "role": "editor"},
                                    headers=auth)
        assert invited.status_code == 201, invited.text
    link = invited.json()["accept_url"]
    assert link.startswith(f"{stack.url}/invitations/")

    await page.goto(link)
    await expect(page.get_by_text("You are invited to join Acme Shop on Uptick as editor.")).to_be_visible()
    await check_axe(page, "invitation")
    await screenshots(page, "invitation")
    await page.get_by_role("link", name="Sign up").click()
    await expect(page.get_by_label("Email")).to_have_value(new_email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign up").click()
    await page.get_by_role("button", name="Accept and join Acme Shop").click()
    switcher = page.get_by_label("Organization")
    await expect(switcher.locator("option:checked")).to_have_text("Acme Shop")
    await switcher.select_option(label=f"{new_email} (personal)")
    await expect(switcher.locator("option:checked")).to_have_text(f"{new_email} (personal)")

    await page.goto(link)  # used: the link says so in words
    await expect(page.get_by_role("alert")).to_contain_text("This invitation is not valid any more")


async def test_pages_come_with_a_strict_policy_and_the_right_caching(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url) as client:
        index = await client.get("/incidents/12")
        assert index.status_code == 200 and index.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in index.headers["content-security-policy"]
        asset = next(part.split('"')[0] for part in index.text.split('src="')[1:] if "/js/main.js" in part)
        script = await client.get(asset)
        assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
        assert script.headers["content-type"].startswith("text/javascript")
        assert (await client.get("/favicon-that-is-not-there.png")).status_code == 404
