"""What a check is, shared by the monitors API (validation) and the checker (judging).

- spec.py: `CheckSpec`, a monitor's check beyond its URL and deadline (type, HTTP options, assertions);
- codes.py: status codes and ranges; paths.py: JSON paths; targets.py: `host:port` targets;
- assertions.py: the assertions as data, and conditions.py: their Gatus-style text;
- body.py and judging.py: what the checker reads of a response, and how it is judged.

The names most callers need are here too.
"""

from uptick_common.checks.assertions import Assertion, AssertionResult, Assertions
from uptick_common.checks.spec import HEARTBEAT_REGION, CheckSpec, MonitorType

__all__ = ["HEARTBEAT_REGION", "Assertion", "AssertionResult", "Assertions", "CheckSpec", "MonitorType"]
