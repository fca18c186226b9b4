"""Certificates made for tests and the bench: a CA the checker is told to trust, and the leaves its servers present."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DAY = datetime.timedelta(days=1)
LOCAL = (x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost"))


class CertAuthority:
    """`server_context(valid_days=…)` → a server TLS context whose certificate this CA signed."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Uptick test CA")])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            _builder(self.name, self.name, self.key, now - DAY, now + 3650 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.pem = folder / "ca.pem"
        self.pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._made = 0

    def trust(self) -> ssl.SSLContext:
        """What a checker that trusts this CA (and nothing else) verifies with."""
        return ssl.create_default_context(cafile=str(self.pem))

    def server_context(self, *, valid_days: float = 90, names: tuple[x509.GeneralName, ...] = LOCAL,
                       self_signed: bool = False) -> ssl.SSLContext:
        """Valid from yesterday for `valid_days` more days from now (negative: expired that long ago)."""
        now = datetime.datetime.now(datetime.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "uptick test server")])
        end = now + datetime.timedelta(days=valid_days)
        cert = (
            _builder(subject, subject if self_signed else self.name, key, min(now, end) - DAY, end)
            .add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
            .sign(key if self_signed else self.key, hashes.SHA256())
        )
        self._made += 1
        cert_file, key_file = self.folder / f"leaf{self._made}.pem", self.folder / f"leaf{self._made}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey,
             start: datetime.datetime, end: datetime.datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end))
