"""A CI job with a `write` API token, through the running stack: it adds a monitor the checker checks, and a
revoked token is refused at once by every service."""

import httpx

from tests.e2e.helpers import eventually, sign_up_and_log_in


async def test_a_ci_job_manages_monitors_with_a_write_token(stack, target) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        owner = await sign_up_and_log_in(client, "ops@example.com", "a long enough password")
        made = await client.post("/api/tokens", headers=owner, json={"name": "CI", "scopes": ["read", "write"]})
        assert made.status_code == 201, made.text
        ci = {"Authorization": f"Bearer {made.json()['token']}"}

        created = await client.post("/api/monitors", headers=ci, json={
            "url": target.url, "name": "deployed by CI", "interval_seconds": 10, "regions": ["eu-west"]})
        assert created.status_code == 201, created.text
        path = f"/api/monitors/{created.json()['id']}"

        async def checked() -> dict | None:
            summary = (await client.get(path, headers=ci)).json()
            return summary if summary["status"] == "up" else None

        await eventually(checked, timeout=30)
        # The owner's session sees what the token made; the token reads its organization on the auth service too.
        assert (await client.get(path, headers=owner)).json()["name"] == "deployed by CI"
        [org] = (await client.get("/api/orgs", headers=ci)).json()["items"]
        assert org["personal"] is True and org["role"] == "editor"
        assert (await client.patch(path, headers=ci, json={"paused": True})).json()["status"] == "paused"

        assert (await client.delete(f"/api/tokens/{made.json()['id']}", headers=owner)).status_code == 204
        assert (await client.get(path, headers=ci)).status_code == 401
        assert (await client.get("/api/orgs", headers=ci)).status_code == 401
