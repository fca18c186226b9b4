"""Each channel renders a notification as its receiver expects it and sends it to a real local receiver."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from uptick_common import channels
from uptick_common.channels import email, pagerduty, webhook
from uptick_common.channels.notification import Notification
from uptick_common.netguard import parse_networks
from uptick_devstack.certs import CertAuthority
from uptick_devstack.mailsink import MailSink
from uptick_devstack.sinks import HttpSink
from uptick_notifier.outbound import Outbound

STARTED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def down(**changes: object) -> Notification:
    fields = dict(event="down", key="msg_41", occurred_at=STARTED + timedelta(seconds=30), monitor_id=7,
                  monitor_name="Shop API", monitor_url="https://shop.example/health", incident_id=12,
                  incident_url="http://127.0.0.1:8080/incidents/12", started_at=STARTED,
                  cause="HTTP 503 (expected 200-399)", regions=["eu-west", "us-east"])
    return Notification.model_validate({**fields, **changes})


def test_the_message_says_what_since_when_why_where_and_links_the_incident() -> None:
    text = down().text
    assert text.splitlines()[0] == "DOWN: Shop API"
    for fact in ("https://shop.example/health", "Down since 2026-12-03 09:00:00 UTC", "Why: HTTP 503",
                 "Seen from: eu-west, us-east", "Incident: http://127.0.0.1:8080/incidents/12"):
        assert fact in text
    resolved = down(event="resolved", resolved_at=STARTED + timedelta(minutes=4, seconds=5)).text
    assert "RESOLVED: Shop API" in resolved and "after 4m 5s" in resolved
    link = "http://127.0.0.1:8080/api/ack/tok"
    assert f"Acknowledge: {link}" in down(ack_url=link).text
    assert "Acknowledge" not in down(event="resolved", ack_url=link).text


async def test_a_webhook_is_signed_the_standard_webhooks_way(http_sink: HttpSink, out: Outbound) -> None:
    config = webhook.Config(url=http_sink.url())
    answer = await webhook.send(config, down(), out)
    assert answer.delivered and answer.status_code == 200 and answer.detail == "ok"
    [got] = http_sink.received
    body = Webhook(config.secret).verify(got.body, got.headers)  # raises if the signature is wrong
    assert got.headers["webhook-id"] == "msg_41"
    assert body["type"] == "incident.down"
    assert body["data"]["incident"]["regions"] == ["eu-west", "us-east"]
    assert body["data"]["monitor"]["name"] == "Shop API"
    with pytest.raises(WebhookVerificationError):
        Webhook(webhook.new_secret()).verify(got.body, got.headers)


async def test_a_rotated_secret_keeps_signing_with_the_previous_one_until_it_expires(
        http_sink: HttpSink, out: Outbound) -> None:
    old, new = webhook.new_secret(), webhook.new_secret()
    rotating = webhook.Config(url=http_sink.url(), secret=new, previous_secret=old,
                              previous_secret_expires_at=datetime.now(UTC) + timedelta(hours=1))
    await webhook.send(rotating, down(), out)
    expired = rotating.model_copy(update={"previous_secret_expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    await webhook.send(expired, down(), out)
    first, second = http_sink.received
    Webhook(old).verify(first.body, first.headers)
    Webhook(new).verify(first.body, first.headers)
    Webhook(new).verify(second.body, second.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(second.body, second.headers)


async def test_chat_services_get_their_own_formats(http_sink: HttpSink, out: Outbound) -> None:
    note = down()
    assert (await channels.slack.send(channels.slack.Config(webhook_url=http_sink.url("/slack")), note, out)).delivered
    discord = channels.discord.Config(webhook_url=http_sink.url("/discord"))
    assert (await channels.discord.send(discord, note, out)).delivered
    assert (await channels.teams.send(channels.teams.Config(webhook_url=http_sink.url("/teams")), note, out)).delivered
    telegram = channels.telegram.Config(bot_token="123456:" + "A" * 35, chat_id="-1001", api_url=http_sink.url(""))
    assert (await channels.telegram.send(telegram, note, out)).delivered
    ntfy = channels.ntfy.Config(server_url=http_sink.url(""), topic="ops", token="tk_1")
    assert (await channels.ntfy.send(ntfy, note, out)).delivered

    slack = http_sink.at("/slack")[0].json()
    assert slack["text"].startswith("DOWN: Shop API") and "*DOWN: Shop API*" in slack["blocks"][0]["text"]["text"]
    [discord_got] = http_sink.at("/discord")
    assert discord_got.query == {"wait": "true"}
    assert discord_got.json()["embeds"][0]["url"] == "http://127.0.0.1:8080/incidents/12"
    card = http_sink.at("/teams")[0].json()["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "DOWN: Shop API"
    sent = http_sink.at(f"/bot{telegram.bot_token}/sendMessage")[0].json()
    assert sent["chat_id"] == "-1001" and "Why: HTTP 503" in sent["text"]
    [ntfy_got] = http_sink.at("/")
    assert ntfy_got.headers["Authorization"] == "Bearer tk_1"
    assert ntfy_got.json()["topic"] == "ops" and ntfy_got.json()["priority"] == 5


async def test_pagerduty_triggers_and_resolves_one_alert_per_incident(http_sink: HttpSink, out: Outbound) -> None:
    config = pagerduty.Config(routing_key="R" * 32, events_url=http_sink.url("/v2/enqueue"))
    await pagerduty.send(config, down(), out)
    await pagerduty.send(config, down(event="resolved", key="msg_42", resolved_at=STARTED + timedelta(minutes=3)), out)
    trigger, resolve = (r.json() for r in http_sink.received)
    assert trigger["event_action"] == "trigger" and resolve["event_action"] == "resolve"
    assert trigger["dedup_key"] == resolve["dedup_key"] == "uptick-incident-12"
    assert trigger["payload"]["severity"] == "critical" and trigger["payload"]["summary"] == "DOWN: Shop API"


async def test_the_receivers_answer_says_whether_to_try_again(http_sink: HttpSink, out: Outbound) -> None:
    config = channels.slack.Config(webhook_url=http_sink.url())
    http_sink.status, http_sink.answer = 500, "upstream down"
    answer = await channels.slack.send(config, down(), out)
    assert (answer.delivered, answer.status_code, answer.detail, answer.retryable) == (False, 500, "upstream down",
                                                                                       True)
    http_sink.status, http_sink.answer = 404, "no_such_hook"
    answer = await channels.slack.send(config, down(), out)
    assert (answer.delivered, answer.status_code, answer.retryable) == (False, 404, False)


async def test_an_attempt_has_a_deadline(http_sink: HttpSink, ca: CertAuthority) -> None:
    quick = Outbound(parse_networks("127.0.0.0/8"), timeout=0.3, ssl_context=ca.trust())
    http_sink.delay = 2
    answer = await channels.slack.send(channels.slack.Config(webhook_url=http_sink.url()), down(), quick)
    await quick.aclose()
    assert not answer.delivered and answer.retryable and answer.detail == "no answer within 0.3s"


async def test_private_and_loopback_receivers_are_refused_unless_allowed(http_sink: HttpSink) -> None:
    strict = Outbound((), timeout=2)
    for url in (http_sink.url(), "http://localhost:9/x", "http://169.254.169.254/latest", "http://[::1]:9/",
                "http://2130706433:9/", "http://10.1.2.3/"):
        answer = await channels.slack.send(channels.slack.Config(webhook_url=url), down(), strict)
        assert not answer.delivered and not answer.retryable
        assert "is not allowed" in answer.detail, (url, answer.detail)
    mail = email.Config(host="127.0.0.1", port=http_sink.port, security="none", from_address="u@x.io", to=["a@b.io"])
    answer = await email.send(mail, down(), strict)
    assert not answer.delivered and "is not allowed (loopback)" in answer.detail
    await strict.aclose()
    assert http_sink.received == []


async def test_email_over_starttls_with_a_login(ca: CertAuthority, out: Outbound) -> None:
    mail = MailSink(tls=ca.server_context(), login=("uptick", "s3cret"))
    mail.start()
    config = email.Config(host="localhost", port=mail.port, username="uptick", password="s3cret",
                          from_address="alerts@uptick.example", to=["oncall@shop.example", "cto@shop.example"])
    answer = await email.send(config, down(), out)
    wrong = await email.send(config.model_copy(update={"password": "nope"}), down(), out)
    mail.stop()
    assert answer.delivered, answer.detail
    [message] = mail.messages
    assert message["Subject"] == "DOWN: Shop API"
    assert message["Message-ID"] == "<msg_41@uptick>"
    assert "Why: HTTP 503" in message.get_content()
    assert mail.envelopes == [("alerts@uptick.example", ["oncall@shop.example", "cto@shop.example"])]
    assert not wrong.delivered and wrong.status_code == 535 and not wrong.retryable


def test_configs_are_validated_when_saved_and_secrets_are_not_shown() -> None:
    from pydantic import ValidationError

    bad = [("webhook", {"url": "ftp://x"}), ("webhook", {"url": "https://x.io", "secret": "plain"}),
           ("slack", {}), ("pagerduty", {"routing_key": "short"}), ("email", {"host": "h", "from_address": "a@b.c",
                                                                             "to": ["not an address"]}),
           ("telegram", {"bot_token": "x", "chat_id": "1"}), ("ntfy", {"topic": "a b"}),
           ("discord", {"webhook_url": "https://d.io", "extra": 1})]
    for type_, config in bad:
        with pytest.raises(ValidationError):
            channels.parse(type_, config)
    saved = channels.parse("slack", {"webhook_url": "https://hooks.slack.com/services/T/B/secret"}).model_dump()
    assert channels.shown("slack", saved) == {"webhook_url": channels.HIDDEN}
    assert channels.merged("slack", saved, {"webhook_url": channels.HIDDEN}) == saved
