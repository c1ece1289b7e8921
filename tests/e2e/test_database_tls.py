"""Verified TLS to MariaDB (`?ssl_ca=`): required, the server's certificate checked against the CA
and its name against the host's; a server without TLS, another CA or another name is refused."""

from __future__ import annotations

import datetime
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mfa_api.db import DatabaseUnavailable, connect
from tests.e2e.deps import PrivateMariaDB
from tests.services import REQUIRE_SERVICES, fresh_mysql_database


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def _pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def make_ca(directory, name: str):
    """A CA's key and self-signed certificate, its PEM written to directory/name.pem."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


def server_cert(directory, ca_key, ca_cert, hosts: list[str]) -> tuple:
    """The server's key and certificate for hosts (IPs or names), signed by the CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    names = [
        x509.IPAddress(ipaddress.ip_address(h)) if h[0].isdigit() else x509.DNSName(h)
        for h in hosts
    ]
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server-key.pem").write_bytes(_pem(key))
    return directory / "server.pem", directory / "server-key.pem"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """A MariaDB of its own whose certificate names localhost only (not 127.0.0.1)."""
    directory = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert, ca_path = make_ca(directory, "ca")
    _, _, other_ca = make_ca(directory, "other-ca")
    cert, key = server_cert(directory, ca_key, ca_cert, ["localhost"])
    server = PrivateMariaDB(
        options=(f"--ssl-ca={ca_path}", f"--ssl-cert={cert}", f"--ssl-key={key}")
    ).start()
    server.url("tls")
    yield server, ca_path, other_ca
    server.stop()


def cipher(url: str) -> str:
    db = connect(url)
    try:
        return db.fetch_one("SHOW STATUS LIKE 'Ssl_cipher'")["Value"]
    finally:
        db.close()


def test_verified_tls_connects_and_encrypts(tls_server):
    server, ca, _ = tls_server
    assert cipher(f"mysql://root@localhost:{server.port}/tls?ssl_ca={ca}")


def test_a_certificate_of_another_ca_is_refused(tls_server):
    server, _, other_ca = tls_server
    with pytest.raises(DatabaseUnavailable) as refused:
        connect(f"mysql://root@localhost:{server.port}/tls?ssl_ca={other_ca}")
    assert "certificate verify failed" in str(refused.value.__cause__)


def test_a_host_the_certificate_does_not_name_is_refused_unless_told(tls_server):
    server, ca, _ = tls_server
    url = f"mysql://root@127.0.0.1:{server.port}/tls?ssl_ca={ca}"
    with pytest.raises(DatabaseUnavailable) as refused:
        connect(url)
    assert "127.0.0.1" in str(refused.value.__cause__)
    assert cipher(url + "&ssl_verify_identity=false")  # the CA still checked


def test_a_server_without_tls_is_refused_when_tls_is_asked_for(tls_server):
    _, ca, _ = tls_server
    with fresh_mysql_database() as plain:  # CI's MariaDB offers no TLS
        db = connect(plain)
        has_tls = db.fetch_one("SHOW VARIABLES LIKE 'have_ssl'")["Value"] == "YES"
        db.close()
        if has_tls:
            message = "the shared MariaDB offers TLS: this case needs one that does not"
            pytest.fail(message) if REQUIRE_SERVICES else pytest.skip(message)
        with pytest.raises(DatabaseUnavailable) as refused:
            connect(f"{plain}?ssl_ca={ca}")
        assert "SSL is required" in str(refused.value.__cause__)
