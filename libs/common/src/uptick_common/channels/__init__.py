"""Alert channels: one module per type behind one interface (`base.py`); this is the registry.

The monitors API validates a channel's config with `parse` when it is saved and shows it with `shown`;
the notifier renders and sends with the module's `send`.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from uptick_common.channels import discord, email, ntfy, pagerduty, slack, teams, telegram, webhook
from uptick_common.channels.base import ChannelConfig

TYPES: dict[str, ModuleType] = {
    "webhook": webhook, "slack": slack, "discord": discord, "teams": teams, "email": email,
    "pagerduty": pagerduty, "telegram": telegram, "ntfy": ntfy,
}
HIDDEN = "(hidden)"


def parse(type_: str, config: dict[str, Any]) -> ChannelConfig:
    """The validated config of a channel of `type_`; a pydantic ValidationError says what is wrong."""
    model: type[ChannelConfig] = TYPES[type_].Config
    return model.model_validate(config)


def shown(type_: str, config: dict[str, Any]) -> dict[str, Any]:
    """The config as the API shows it: secrets replaced by a marker, never their value."""
    secrets = TYPES[type_].Config.SECRETS
    return {k: (HIDDEN if k in secrets and v is not None else v) for k, v in config.items()}


def merged(type_: str, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A changed config: a secret left out, or sent back as the marker, keeps its value."""
    secrets = TYPES[type_].Config.SECRETS
    kept = {k: old[k] for k in secrets if k in old and new.get(k, HIDDEN) == HIDDEN}
    return {**{k: v for k, v in new.items() if v != HIDDEN}, **kept}
