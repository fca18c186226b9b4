"""How a member joins a team: invited by e-mail, accepting through the link, as the API lets a team grow."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit


async def join(api: Any, org_id: int, owner: dict[str, str], email: str, user: dict[str, str], role: str) -> None:  # noqa: ANN401
    invited = await api.post(f"/api/orgs/{org_id}/invitations", json={"email": email, "role": role}, headers=owner)
    assert invited.status_code == 201, invited.text
    token = urlsplit(invited.json()["accept_url"]).path.rsplit("/", 1)[1]  # the dashboard's /invitations/{token}
    accepted = await api.post(f"/api/invitations/{token}/accept", headers=user)
    assert accepted.status_code == 204, accepted.text
