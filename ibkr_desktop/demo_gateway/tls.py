"""A self-signed TLS certificate for the demo gateway, made fresh at start.

The real gateway serves HTTPS with its own self-signed certificate (§1.3); so does the demo.
An EC P-256 key keeps generation to a few milliseconds. The certificate names ``localhost``
and ``127.0.0.1`` so a client that pins it (instead of disabling verification) can verify it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True, slots=True)
class SelfSignedCertificate:
    """A PEM certificate and its private key."""

    cert_pem: str
    key_pem: str

    @classmethod
    def create(cls, days: int = 30) -> SelfSignedCertificate:
        """Make a certificate valid from an hour ago for ``days`` days."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ibkr-desktop demo gateway"),
        ])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(
                x509.SubjectAlternativeName([
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        key_pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return cls(cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode())

    def server_context(self) -> ssl.SSLContext:
        """An SSL server context serving this certificate.

        ``load_cert_chain`` only reads files, so the PEMs pass through a private temporary
        directory that is removed straight away.
        """
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory(prefix="ibkr-demo-tls-") as folder:
            cert_path = os.path.join(folder, "cert.pem")
            key_path = os.path.join(folder, "key.pem")
            with open(cert_path, "w", encoding="ascii") as handle:
                handle.write(self.cert_pem)
            with open(os.open(key_path, os.O_WRONLY | os.O_CREAT, 0o600), "w",
                      encoding="ascii") as handle:
                handle.write(self.key_pem)
            context.load_cert_chain(cert_path, key_path)
        return context
