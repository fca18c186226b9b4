from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from uptick_common.settings import CommonSettings


class OperatorSettings(CommonSettings):
    # The monitors REST API (in the cluster: the monitors Service; the operator calls /api/monitors and
    # /api/incidents only, and /readyz for its own readiness).
    api_url: str = "http://127.0.0.1:8080"
    # A mounted Secret: each file an API token (`upt_…`, write scope) of one organization.
    token_dir: Path = Path("/etc/uptick/operator-tokens")
    # Namespaces map to organizations: namespace → the token file of its organization, e.g.
    # `shop=shop,payments=payments`. Any other namespace uses `default_token_file`.
    namespace_tokens: Annotated[dict[str, str], NoDecode] = Field(default_factory=dict)
    default_token_file: str = "default"  # noqa: S105 - a file name, not a token
    # How often each Monitor's live status is read from Uptick and written to the resource.
    status_interval_seconds: float = 30.0
    # The Kubernetes API: empty means in-cluster (the service account), else the kubeconfig; a URL (tests,
    # a local mock) is used as it is, without credentials.
    kube_api_url: str = ""
    health_host: str = "0.0.0.0"
    health_port: int = 9000

    @field_validator("namespace_tokens", mode="before")
    @classmethod
    def _pairs(cls, value: object) -> object:
        if isinstance(value, str):
            pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
            if any(len(pair) != 2 or not pair[0].strip() or not pair[1].strip() for pair in pairs):
                raise ValueError("namespace_tokens is namespace=token-file pairs, comma-separated")
            value = {namespace.strip(): token.strip() for namespace, token in pairs}
        return value

    def token_file(self, namespace: str) -> Path:
        name = self.namespace_tokens.get(namespace, self.default_token_file)
        if "/" in name or name.startswith("."):
            raise ValueError(f"token file name {name!r} is not a plain file name")
        return self.token_dir / name
