"""The dashboard's incidents, alert channels, maintenance, status pages and organization pages in a real
browser on the real stack (one stack for the module): each page shows real data, its main action works, axe
finds no serious violation, and screenshots are saved at desktop and phone sizes."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import PASSWORD, sign_up
from tests.browser.harness import check_axe, check_axe_dark, screenshots
from tests.e2e.helpers import Target, eventually
from uptick_devstack.sinks import HttpSink
from uptick_devstack.stack import Stack

NAV = {"/incidents": "Incidents", "/channels": "Alert channels", "/maintenance": "Maintenance",
       "/status-pages": "Status pages", "/organization": "Organization"}


@pytest.fixture
async def sink() -> AsyncIterator[HttpSink]:
    server = await HttpSink().start()
    yield server
    await server.stop()


@pytest.fixture
async def owner(page: Page, stack: Stack, new_email: str) -> AsyncIterator[httpx.AsyncClient]:
    """`page` signed in as a new user, and an API client acting as that user (to set up data)."""
    login = await sign_up(page, new_email)
    async with httpx.AsyncClient(base_url=stack.url, timeout=30,
                                 headers={"Authorization": f"Bearer {login['access_token']}"}) as client:
        yield client


async def made(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await client.post(path, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


EMPTY = [("/incidents", "No incidents yet"), ("/channels", "No alert channels yet"),
         ("/maintenance", "No maintenance planned"), ("/status-pages", "No status pages yet")]


async def test_a_new_user_is_told_what_to_do_on_every_page(signed_in: Page) -> None:
    for path, heading in EMPTY:
        await signed_in.get_by_role("navigation", name="Main").get_by_role("link", name=NAV[path]).click()
        await expect(signed_in.get_by_role("heading", name=heading)).to_be_visible()
        current = signed_in.get_by_role("navigation", name="Main").get_by_role("link", name=NAV[path])
        await expect(current).to_have_attribute("aria-current", "page")
        name = path.strip("/")
        await check_axe(signed_in, f"{name}-empty")
        await screenshots(signed_in, f"{name}-empty")
        await signed_in.emulate_media(color_scheme="dark")  # the system's dark preference: contrast holds too
        await check_axe(signed_in, f"{name}-empty (dark)")
        await screenshots(signed_in, f"{name}-empty-dark")
        await signed_in.emulate_media(color_scheme="light")


async def test_incidents_list_detail_acknowledge_and_note(page: Page, owner: httpx.AsyncClient,
                                                         target: Target) -> None:
    await page.goto("/incidents")
    await expect(page.get_by_role("heading", name="No incidents yet")).to_be_visible()
    await screenshots(page, "incidents-empty")
    target.mode = "error"
    monitor = await made(owner, "/api/monitors", {"url": target.url, "name": "Checkout", "interval_seconds": 10,
                                                  "timeout_seconds": 2})

    async def incident() -> dict[str, Any] | None:
        items = (await owner.get("/api/incidents", params={"monitor_id": monitor["id"]})).json()["items"]
        return items[0] if items else None

    opened = await eventually(incident, timeout=40)
    await page.reload()
    row = page.get_by_role("row").filter(has_text="Checkout")
    await expect(row).to_contain_text("Open")
    await expect(row).to_contain_text("HTTP 500")
    await page.get_by_label("Status").select_option("resolved")
    await expect(page.get_by_role("heading", name="No incidents match")).to_be_visible()
    await page.get_by_label("Status").select_option("open")
    await expect(row).to_be_visible()
    await check_axe(page, "incidents")
    await screenshots(page, "incidents")

    await row.get_by_role("link", name="Checkout").click()
    await expect(page).to_have_url(f"/incidents/{opened['id']}")
    await expect(page.get_by_role("heading", name=f"Incident #{opened['id']}: Checkout")).to_be_visible()
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text(re.compile(r"Regions\s*(eu-west|us-east)"))
    await expect(page.get_by_text("Opened: the monitor was confirmed down")).to_be_visible()
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(facts).to_contain_text("by you")
    await expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await page.get_by_label("Add a note").fill("Restarting the payment service.")
    await page.get_by_role("button", name="Add note").click()
    await expect(page.locator("ol.timeline")).to_contain_text("Restarting the payment service.")
    stored = (await owner.get(f"/api/incidents/{opened['id']}")).json()
    assert stored["status"] == "acknowledged"
    assert [e["kind"] for e in stored["events"]][-2:] == ["acknowledged", "note"]
    await check_axe(page, "incident")
    await screenshots(page, "incident")

    target.mode = "ok"  # it recovers: the open page shows the resolution by itself
    await expect(facts.locator(".pill")).to_have_text(re.compile(r"Resolved$"), timeout=45_000)
    await expect(facts).not_to_contain_text("not yet: ongoing")
    await expect(page.get_by_text("Resolved: the monitor is up again")).to_be_visible()
    await check_axe_dark(page, "incident")


async def test_a_webhook_channel_is_added_tested_and_marked_failing(page: Page, owner: httpx.AsyncClient,
                                                                   sink: HttpSink) -> None:
    await page.goto("/channels")
    await expect(page.get_by_role("heading", name="No alert channels yet")).to_be_visible()
    await check_axe(page, "channels-empty")
    await screenshots(page, "channels-empty")
    await page.get_by_role("link", name="Add a channel").first.click()
    await page.get_by_label("Name", exact=True).fill("Ops hook")
    await page.get_by_label("URL", exact=True).fill("not a url")
    await page.get_by_role("button", name="Add channel").click()
    # The API's 422, beside its field.
    url_field = page.locator(".field-invalid").filter(has_text="URL")
    await expect(url_field).to_contain_text("must be an http:// or https:// URL")
    await check_axe(page, "channel-form-error")
    await screenshots(page, "channel-form-error")
    await page.get_by_label("URL", exact=True).fill(sink.url())
    await page.get_by_role("button", name="Add channel").click()
    secret_field = page.get_by_label("Signing secret")
    await expect(secret_field).to_have_value(re.compile(r"^whsec_"))
    secret = await secret_field.input_value()
    await screenshots(page, "channel-secret")
    await page.get_by_role("link", name="Done: send it a test").click()
    await expect(page.get_by_role("heading", name="Ops hook", level=1)).to_be_visible()
    assert secret not in await page.content()  # shown once, on creation

    await page.get_by_role("button", name="Send a test notification").click()
    await expect(page.get_by_text("Delivered: the receiver answered 200")).to_be_visible()
    assert len(sink.received) == 1 and b'"type":"test"' in sink.received[0].body.replace(b" ", b"")
    await expect(page.locator("table.data")).to_contain_text("delivered")
    await check_axe(page, "channel")
    await screenshots(page, "channel")

    sink.status, sink.answer = 503, "down for maintenance"
    await page.get_by_role("button", name="Send a test notification").click()
    await expect(page.get_by_text("Not delivered: the receiver answered 503")).to_be_visible()
    await expect(page.locator("pre.answer")).to_contain_text("down for maintenance")
    await page.get_by_role("link", name="All channels").click()
    row = page.get_by_role("row").filter(has_text="Ops hook")
    await expect(row).to_contain_text("Failing")
    await expect(page.get_by_role("alert")).to_contain_text("is failing")
    await check_axe(page, "channels")
    await screenshots(page, "channels")
    await check_axe_dark(page, "channels")


async def test_org_invites_a_member_and_makes_and_revokes_a_token_shown_once(page: Page,
                                                                            owner: httpx.AsyncClient) -> None:
    org = await made(owner, "/api/orgs", {"name": "Acme Shop"})
    await page.goto("/")
    await page.get_by_label("Organization").select_option(label="Acme Shop")
    await page.goto("/organization")
    await expect(page.get_by_role("heading", name="Acme Shop", level=1)).to_be_visible()
    await page.get_by_label("Email").fill("new-teammate@example.com")
    await page.get_by_label("Role", exact=True).select_option("viewer")
    await page.get_by_role("button", name="Invite").click()
    await expect(page.get_by_label("Invitation link")).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+/invitations/"))
    await expect(page.get_by_role("row").filter(has_text="new-teammate@example.com")).to_contain_text("viewer")

    # The invitee joins (through the API here; test_shell accepts a link in the browser); the owner makes them
    # an editor, then removes them.
    teammate = f"mate-{org['id']}-{uuid.uuid4().hex[:6]}@example.com"
    invited = await made(owner, f"/api/orgs/{org['id']}/invitations", {"email": teammate, "role": "viewer"})
    link = invited["accept_url"]
    async with httpx.AsyncClient(base_url=str(owner.base_url)) as mate:
        assert (await mate.post("/api/auth/signup", json={"email": teammate, "password": PASSWORD})).status_code == 201
        login = (await mate.post("/api/auth/login", json={"email": teammate, "password": PASSWORD})).json()
        accepted = await mate.post(f"/api/invitations/{link.rsplit('/', 1)[1]}/accept",
                                   headers={"Authorization": f"Bearer {login['access_token']}"})
        assert accepted.status_code == 204, accepted.text
    await page.reload()
    await page.get_by_label(f"Role of {teammate}").select_option("editor")
    await expect(page.get_by_label(f"Role of {teammate}")).to_have_value("editor")
    members = (await owner.get(f"/api/orgs/{org['id']}/members")).json()["items"]
    assert {m["email"]: m["role"] for m in members}[teammate] == "editor"
    await page.get_by_role("row").filter(has_text=teammate).get_by_role("button", name="Remove").click()
    await page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    await expect(page.get_by_label(f"Role of {teammate}")).to_have_count(0)
    members = (await owner.get(f"/api/orgs/{org['id']}/members")).json()["items"]
    assert teammate not in {m["email"] for m in members}

    await page.get_by_label("Token name").fill("CI checks")
    await page.get_by_role("button", name="Create token").click()
    token = await page.get_by_label("Your new API token").input_value()
    assert token.startswith("upt_")
    async with httpx.AsyncClient(base_url=str(owner.base_url)) as ci:
        bearer = {"Authorization": f"Bearer {token}"}
        assert (await ci.get("/api/monitors", headers=bearer)).status_code == 200
        await check_axe(page, "organization")
        await screenshots(page, "organization")
        await page.get_by_role("button", name="I have copied it").click()
        await expect(page.get_by_label("Your new API token")).to_have_count(0)
        assert token not in await page.content()  # shown once
        await page.reload()
        assert token not in await page.content()
        tokens = page.locator("section").filter(has=page.get_by_role("heading", name="API tokens"))
        await tokens.get_by_role("row").filter(has_text="CI checks").get_by_role("button", name="Revoke").click()
        await page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
        await expect(tokens.get_by_text("No API tokens yet.")).to_be_visible()
        assert (await ci.get("/api/monitors", headers=bearer)).status_code == 401
    audit = page.locator("section").filter(has=page.get_by_role("heading", name="Audit log"))
    await expect(audit).to_contain_text("token.revoked")
    await expect(audit).to_contain_text("invitation")
    assert org["id"]


async def test_a_status_page_is_created_with_a_group_and_read_without_javascript(
        page: Page, owner: httpx.AsyncClient, target: Target, browser: Browser, stack: Stack) -> None:
    await made(owner, "/api/monitors", {"url": target.url, "name": "Storefront", "interval_seconds": 10,
                                        "timeout_seconds": 2})
    await page.goto("/status-pages")
    await page.get_by_role("link", name="Create a status page").first.click()
    await page.get_by_label("Title").fill("Acme status")
    await page.get_by_label("Address (slug)").fill("Not a slug!")
    await page.get_by_label("Heading (optional)").fill("Website")
    await page.get_by_label("Add a monitor to group 1").select_option(label="Storefront")
    await page.get_by_role("button", name="Add", exact=True).click()
    await page.get_by_label("Show its URL").check()
    await page.get_by_role("button", name="Create status page").click()
    slug_field = page.locator(".field-invalid").filter(has_text="Address (slug)")
    await expect(slug_field).to_contain_text("String should match")
    await check_axe(page, "status-page-form-error")
    await screenshots(page, "status-page-form-error")
    slug = f"acme-{uuid.uuid4().hex[:8]}"
    await page.get_by_label("Address (slug)").fill(slug)
    await page.get_by_role("button", name="Create status page").click()
    await expect(page.get_by_role("heading", name="Acme status", level=1)).to_be_visible()
    await expect(page.get_by_label("Public address")).to_have_value(f"{stack.url}/status/{slug}")
    await expect(page.locator("main")).to_contain_text("Storefront (its URL shown)")
    snippet = await page.get_by_label("Markdown: status badge of Storefront").input_value()
    assert re.fullmatch(rf"\[!\[Storefront status\]\({re.escape(stack.url)}/api/badges/[^/]+/status\.svg\)\]"
                        rf"\({re.escape(stack.url)}/status/{slug}\)", snippet), snippet
    badge = await page.request.get(snippet.split("](")[1].split(")")[0])
    assert badge.status == 200 and badge.headers["content-type"].startswith("image/svg+xml")
    await check_axe(page, "status-page")
    await screenshots(page, "status-page")
    await check_axe_dark(page, "status-page")
    await page.get_by_role("link", name="All status pages").click()
    await expect(page.get_by_role("row").filter(has_text="Acme status")).to_contain_text(f"/status/{slug}")
    await check_axe(page, "status-pages")
    await screenshots(page, "status-pages")

    visitor = await browser.new_context(base_url=stack.url, java_script_enabled=False)
    try:
        public = await visitor.new_page()
        await public.goto(f"/status/{slug}")
        await expect(public.get_by_role("heading", name="Acme status")).to_be_visible()
        await expect(public.get_by_text("Storefront")).to_be_visible()
        await expect(public.get_by_text(target.url)).to_be_visible()  # chosen: shown
    finally:
        await visitor.close()


async def test_maintenance_windows_once_and_weekly_are_planned_edited_and_deleted(
        page: Page, owner: httpx.AsyncClient, target: Target) -> None:
    monitor = await made(owner, "/api/monitors", {"url": target.url, "name": "Database", "interval_seconds": 10,
                                                  "timeout_seconds": 2})
    now = datetime.now(UTC)
    await page.goto("/maintenance")
    await page.get_by_role("link", name="Plan maintenance").first.click()
    await page.get_by_label("Name", exact=True).fill("DB upgrade")
    await page.get_by_label("Time zone").select_option("UTC")
    await page.get_by_label("Starts", exact=True).fill((now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("Ends", exact=True).fill((now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("Database").check()
    await page.get_by_role("button", name="Plan maintenance").click()
    await expect(page.locator(".field-invalid").filter(has_text="Ends")).to_be_visible()  # the API's 422, beside it
    await check_axe(page, "maintenance-form-error")
    await screenshots(page, "maintenance-form-error")
    await page.get_by_label("Ends", exact=True).fill((now + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_role("button", name="Plan maintenance").click()
    await expect(page.get_by_role("heading", name="DB upgrade", level=1)).to_be_visible()
    await expect(page.locator("dl.facts")).to_contain_text("On now")
    await expect(page.locator("dl.facts")).to_contain_text("Database")

    await page.goto("/maintenance/new")
    await page.get_by_label("Name", exact=True).fill("Sunday patching")
    await page.get_by_label("Repeats").select_option("weekly")
    await page.get_by_label("Time zone").select_option("Europe/Berlin")
    await page.get_by_label("Sat").check()
    await page.get_by_label("At", exact=True).fill("02:30")
    await page.get_by_label("Lasts (minutes)").fill("90")
    await page.get_by_label("All monitors of the organization").check()
    await page.get_by_role("button", name="Plan maintenance").click()
    await expect(page.get_by_role("heading", name="Sunday patching", level=1)).to_be_visible()
    await expect(page.locator("dl.facts")).to_contain_text("Every Sat, Sun at 02:30 (Europe/Berlin), for 1 h 30 min")
    await page.get_by_role("button", name="Edit").click()
    await page.get_by_label("Lasts (minutes)").fill("60")
    await page.get_by_role("button", name="Save changes").click()
    await expect(page.locator("dl.facts")).to_contain_text("for 1 h")
    await page.get_by_role("link", name="All maintenance windows").click()
    rows = page.get_by_role("row")
    await expect(rows.filter(has_text="DB upgrade")).to_contain_text("On now")
    await expect(rows.filter(has_text="Sunday patching")).to_contain_text("Next:")
    await check_axe(page, "maintenance")
    await screenshots(page, "maintenance")
    await check_axe_dark(page, "maintenance")
    stored = (await owner.get("/api/maintenance")).json()["items"]
    assert {(w["name"], w["kind"]) for w in stored} == {("DB upgrade", "once"), ("Sunday patching", "weekly")}
    weekly = next(w for w in stored if w["kind"] == "weekly")
    assert weekly["timezone"] == "Europe/Berlin" and weekly["duration_minutes"] == 60 and weekly["all_monitors"]
    once = next(w for w in stored if w["kind"] == "once")
    assert once["monitor_ids"] == [monitor["id"]] and once["active"]

    await rows.filter(has_text="Sunday patching").get_by_role("link").click()
    await page.get_by_role("button", name="Delete").click()
    await page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("row").filter(has_text="Sunday patching")).to_have_count(0)
    assert len((await owner.get("/api/maintenance")).json()["items"]) == 1


async def test_a_viewer_reads_incidents_and_channels_but_sees_no_buttons(
        page: Page, stack: Stack, target: Target, new_email: str) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
        boss = {"email": f"boss-{new_email}", "password": PASSWORD}
        assert (await client.post("/api/auth/signup", json=boss)).status_code == 201
        token = (await client.post("/api/auth/login", json=boss)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        org = await made(client, "/api/orgs", {"name": "Readers Inc"})
        client.headers["X-Uptick-Org"] = str(org["id"])
        invitation = await made(client, f"/api/orgs/{org['id']}/invitations", {"email": new_email, "role": "viewer"})
        target.mode = "error"
        monitor = await made(client, "/api/monitors", {"url": target.url, "name": "Payments",
                                                       "interval_seconds": 10, "timeout_seconds": 2})
        await made(client, "/api/channels", {"type": "webhook", "name": "Boss hook",
                                             "config": {"url": "http://127.0.0.1:9/hook"}})

        async def incident() -> dict[str, Any] | None:
            items = (await client.get("/api/incidents", params={"monitor_id": monitor["id"]})).json()["items"]
            return items[0] if items else None

        opened = await eventually(incident, timeout=40)
    bearer = {"Authorization": f"Bearer {(await sign_up(page, new_email))['access_token']}"}
    accepted = await page.request.post(f"/api/invitations/{invitation['accept_url'].rsplit('/', 1)[1]}/accept",
                                       headers=bearer)
    assert accepted.status == 204, await accepted.text()
    await page.goto("/")
    await page.get_by_label("Organization").select_option(label="Readers Inc")
    await page.goto(f"/incidents/{opened['id']}")
    await expect(page.get_by_role("heading", name=f"Incident #{opened['id']}: Payments")).to_be_visible()
    await expect(page.get_by_text("Viewers read incidents")).to_be_visible()
    await expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)
    await expect(page.get_by_label("Add a note")).to_have_count(0)
    # Asked anyway (an old tab, a role changed meanwhile): the API's 403 in words.
    refused = await page.request.post(f"/api/incidents/{opened['id']}/ack",
                                      headers={**bearer, "X-Uptick-Org": str(org["id"])})
    assert refused.status == 403
    await page.goto("/channels")
    await expect(page.get_by_role("row").filter(has_text="Boss hook")).to_be_visible()
    await expect(page.get_by_role("link", name="Add a channel")).to_have_count(0)
    await page.get_by_role("link", name="Boss hook").click()
    await expect(page.get_by_role("heading", name="Boss hook", level=1)).to_be_visible()
    await expect(page.get_by_role("button", name="Send a test notification")).to_have_count(0)
    await page.goto("/organization")
    await expect(page.get_by_text("Your role here: viewer")).to_be_visible()
    await expect(page.get_by_role("heading", name="API tokens")).to_have_count(0)
    await expect(page.get_by_role("combobox", name=re.compile("Role of"))).to_have_count(0)
    await check_axe(page, "organization-viewer")
    await screenshots(page, "organization-viewer")
