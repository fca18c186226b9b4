"""An invitation through the running stack: the mail goes over SMTP to the local mail sink, which keeps it
where developers read it; its link lets the invited person join."""

import asyncio
import email
import email.policy
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.e2e.helpers import eventually, sign_up_and_log_in


async def test_an_invitation_arrives_in_the_mail_sink(stack, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        owner = await sign_up_and_log_in(client, "owner@example.com", "a long enough password")
        org = (await client.post("/api/orgs", headers=owner, json={"name": "Night shift"})).json()
        invited = await client.post(f"/api/orgs/{org['id']}/invitations", headers=owner,
                                    json={"email": "guest@example.com", "role": "editor"})
        assert invited.status_code == 201 and invited.json()["mail_sent"] is True

        files = await eventually(lambda: asyncio.to_thread(_mail, tmp_path / "mail"), timeout=10)
        message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert message["To"] == "guest@example.com" and "Night shift" in message["Subject"]
        link = re.search(r"http\S+/invitations/\S+", message.get_content())[0]  # the dashboard's page
        assert link == invited.json()["accept_url"] and link.startswith(stack.url)

        client.cookies.clear()
        guest = await sign_up_and_log_in(client, "guest@example.com", "another long password")
        assert (await client.post(f"/api{urlsplit(link).path}/accept", headers=guest)).status_code == 204
        assert (await client.get(f"/api/orgs/{org['id']}", headers=guest)).json()["role"] == "editor"
        assert any("mail to guest@example.com" in line for _, line in stack.logs.lines)


def _mail(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []
