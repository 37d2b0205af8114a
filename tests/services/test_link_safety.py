"""The link checker is not a way into the service's own network (server-side request forgery):
by default it refuses loopback, private, link-local and other special addresses however the URL
spells them, after a redirect, and when DNS changes its answer between lookups.

Real web servers on loopback stand in for internal services; a policy that allows 127.0.0.2
stands in for the public internet, and a resolver answering for names under ``.test`` stands in
for DNS (including a rebinding one)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import update

from marketplace.extensions import db
from marketplace.models import Dataset, Distribution, LinkCheck
from marketplace.services.link_checks import check_links
from marketplace.services.outbound import AddressPolicy, is_public_address
from tests.factories import create_dataset, create_organisation
from tests.link_server import LinkServer, serving

TIMEOUT = 0.5
REFUSED = "address not allowed"
# 127.0.0.2 plays a public host: allowed by the policy, a different address from the internal
# services on 127.0.0.1.
PUBLIC_STAND_IN = AddressPolicy(allowed_networks=(ipaddress.ip_network("127.0.0.2/32"),))


@pytest.fixture
def internal() -> Iterator[LinkServer]:
    """A service on loopback that must never be asked anything."""
    with serving() as server:
        yield server


@pytest.fixture
def public() -> Iterator[LinkServer]:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.2", 0))
        except OSError as error:  # pragma: no cover - a loopback without 127.0.0.2
            pytest.skip(f"cannot listen on 127.0.0.2: {error}")
    with serving("127.0.0.2") as server:
        yield server


@pytest.fixture
def dft(app):
    return create_organisation()


class FakeDNS:
    """Answers lookups of names under .test from a script (each lookup takes the next answer;
    the last repeats), and passes every other name to the real resolver. An answer is a list of
    (address, port): the port is that of the server standing in for the machine."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, script: dict[str, list[list[tuple[str, int]]]]):
        self.script = script
        self.lookups: dict[str, int] = dict.fromkeys(script, 0)
        self._real = socket.getaddrinfo
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        if host not in self.script:
            return self._real(host, port, family, type, proto, flags)
        answers = self.script[host]
        answer = answers[min(self.lookups[host], len(answers) - 1)]
        self.lookups[host] += 1
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, real_port, 0, 0) if ":" in address else (address, real_port),
            )
            for address, real_port in answer
        ]


def create_entry_linking(organisation, *urls: str) -> Dataset:
    return create_dataset(
        organisation=organisation,
        distributions=[{"title": f"File {n}", "download_url": url} for n, url in enumerate(urls, 1)],
    )


def create_entry_stored_with(organisation, url: str) -> Dataset:
    """An entry whose links are `url` as stored, whatever the input rules would say of it."""
    dataset = create_entry_linking(organisation, "https://www.gov.uk/placeholder.csv")
    db.session.execute(
        update(Distribution)
        .where(Distribution.dataset_id == dataset.id)
        .values(download_url=url, access_url=url)
    )
    db.session.commit()
    return dataset


def outcome(url: str) -> tuple[int | None, bool, str | None]:
    check = db.session.get(LinkCheck, url)
    assert check is not None, f"no check stored for {url}"
    return check.status_code, check.ok, check.error


def test_loopback_in_every_spelling_is_refused_by_default_without_a_request(dft, internal):
    port = internal.server_address[1]
    urls = [
        f"http://127.0.0.1:{port}/ok",
        f"http://localhost:{port}/ok",
        f"http://2130706433:{port}/ok",  # 127.0.0.1 as one decimal number
        f"http://0x7f000001:{port}/ok",
        f"http://0177.0.0.1:{port}/ok",  # octal
        f"http://127.1:{port}/ok",
        f"http://0.0.0.0:{port}/ok",
        f"http://[::ffff:127.0.0.1]:{port}/ok",  # IPv4-mapped IPv6
        f"https://localhost:{port}/ok",
    ]
    for url in urls:
        create_entry_stored_with(dft, url)

    summary = check_links(timeout=TIMEOUT)

    assert {url: outcome(url) for url in urls} == dict.fromkeys(urls, (None, False, REFUSED))
    assert internal.requests == []
    assert summary.broken == {REFUSED: len(urls)}


def test_ipv6_loopback_is_refused_by_default_without_a_request(dft):
    with socket.socket(socket.AF_INET6) as probe:
        try:
            probe.bind(("::1", 0))
        except OSError as error:  # pragma: no cover - a machine without IPv6 loopback
            pytest.skip(f"cannot listen on ::1: {error}")
    with serving("::1") as internal:
        create_entry_stored_with(dft, internal.url("/ok"))

        check_links(timeout=TIMEOUT)

    assert outcome(internal.url("/ok")) == (None, False, REFUSED)
    assert internal.requests == []


def test_a_redirect_from_an_allowed_host_to_loopback_is_refused(dft, internal, public):
    port = internal.server_address[1]
    targets = [internal.url("/ok"), f"http://localhost:{port}/ok", f"http://[::ffff:127.0.0.1]:{port}/ok"]
    away = [public.url("/away?to=" + quote(target, safe="")) for target in targets]
    create_entry_linking(dft, *away, public.url("/redirect"))

    check_links(timeout=TIMEOUT, address_policy=PUBLIC_STAND_IN)

    # The status stored is the last answer had: the redirect.
    assert {url: outcome(url) for url in away} == dict.fromkeys(away, (302, False, REFUSED))
    assert outcome(public.url("/redirect")) == (200, True, None)  # the allowed host itself answers
    assert internal.requests == []
    assert sorted(public.paths_requested()) == sorted(
        [*(url.removeprefix(public.base_url) for url in away), "/redirect", "/ok"]
    )


def test_a_name_rebound_to_loopback_after_its_first_lookup_never_reaches_it(
    dft, internal, public, monkeypatch
):
    # A rebinding DNS server: a public address for the first lookup, loopback for every later one.
    # The checker looks up once per connection and connects to the address it judged, so it
    # reaches the public one (or nothing), never loopback.
    dns = FakeDNS(
        monkeypatch,
        {
            "rebind.test": [
                [("127.0.0.2", public.server_address[1])],
                [("127.0.0.1", internal.server_address[1])],
            ]
        },
    )
    create_entry_linking(dft, "http://rebind.test/ok")

    check_links(timeout=TIMEOUT, address_policy=PUBLIC_STAND_IN)

    assert internal.requests == []
    assert dns.lookups["rebind.test"] == 1
    assert outcome("http://rebind.test/ok") == (200, True, None)
    assert public.methods_for("/ok") == ["HEAD"]


def test_a_name_resolving_to_loopback_or_the_metadata_address_is_refused(dft, internal, public, monkeypatch):
    FakeDNS(
        monkeypatch,
        {
            "internal.test": [[("127.0.0.1", internal.server_address[1])]],
            "metadata.test": [[("169.254.169.254", 80)]],
            "mixed.test": [
                [("127.0.0.1", internal.server_address[1]), ("127.0.0.2", public.server_address[1])]
            ],
        },
    )
    create_entry_linking(dft, "http://internal.test/ok", "http://metadata.test/latest/meta-data/")
    create_entry_linking(dft, "http://mixed.test/ok")

    check_links(timeout=TIMEOUT, address_policy=PUBLIC_STAND_IN)

    assert outcome("http://internal.test/ok") == (None, False, REFUSED)
    assert outcome("http://metadata.test/latest/meta-data/") == (None, False, REFUSED)
    # Of a name's addresses, only those allowed are tried.
    assert outcome("http://mixed.test/ok") == (200, True, None)
    assert internal.requests == []


def test_the_setting_allows_private_addresses_for_tests_and_private_networks(dft, internal):
    create_entry_linking(dft, internal.url("/ok"))

    check_links(timeout=TIMEOUT, address_policy=AddressPolicy(allow_private=True))

    assert outcome(internal.url("/ok")) == (200, True, None)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.255.255.254",
        "0.0.0.0",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata (link-local)
        "100.64.0.1",  # carrier-grade NAT
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "224.0.0.1",  # multicast
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fec0::1",  # site-local
        "fc00::1",  # unique local
        "ff02::1",  # multicast
        "2001:db8::1",  # documentation
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible (deprecated)
        "64:ff9b::7f00:1",  # NAT64 of loopback
        "2002:7f00:1::1",  # 6to4 of loopback
        "2001::1",  # Teredo
    ],
)
def test_addresses_that_are_not_public_are_refused(address):
    assert not is_public_address(ipaddress.ip_address(address))
    assert not AddressPolicy().permits(ipaddress.ip_address(address))
    assert AddressPolicy(allow_private=True).permits(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "151.101.0.144", "2a00:1450:4009:81f::200e", "::ffff:8.8.8.8", "2002:808:808::1"]
)
def test_public_addresses_are_allowed(address):
    assert is_public_address(ipaddress.ip_address(address))
    assert AddressPolicy().permits(ipaddress.ip_address(address))


def test_allowed_networks_admit_only_their_own_addresses():
    policy = AddressPolicy(allowed_networks=(ipaddress.ip_network("10.20.0.0/16"),))

    assert policy.permits(ipaddress.ip_address("10.20.3.4"))
    assert policy.permits(ipaddress.ip_address("::ffff:10.20.3.4"))
    assert not policy.permits(ipaddress.ip_address("10.21.0.1"))
    assert not policy.permits(ipaddress.ip_address("::a14:304"))  # the same bits, but IPv6


def self_signed_tls(address: str, folder: Path) -> ssl.SSLContext:
    """A server context with a certificate for `address` that no one trusts (files in `folder`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]), False)
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


def test_https_to_an_allowed_address_connects_and_still_checks_the_certificate(dft, public, tmp_path):
    with serving("127.0.0.2", tls=self_signed_tls("127.0.0.2", tmp_path)) as secure:
        create_entry_linking(dft, secure.url("/ok"))

        check_links(timeout=TIMEOUT, address_policy=PUBLIC_STAND_IN)

    # The handshake happened (the guard let the connection through) and the unknown issuer was refused.
    assert outcome(secure.url("/ok")) == (None, False, "TLS error")
