from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from uptick_common.netguard import parse_networks
from uptick_devstack.certs import CertAuthority
from uptick_notifier.outbound import Outbound

LOOPBACK = parse_networks("127.0.0.0/8")



@pytest.fixture
def ca(tmp_path: Path) -> CertAuthority:
    return CertAuthority(tmp_path)


@pytest.fixture
async def out(ca: CertAuthority) -> AsyncIterator[Outbound]:
    """What the notifier sends through, allowed to reach loopback (where the test's receivers are)."""
    outbound = Outbound(LOOPBACK, timeout=3, ssl_context=ca.trust())
    yield outbound
    await outbound.aclose()
