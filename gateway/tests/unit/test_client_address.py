"""The client's address: the peer, or what trusted proxies wrote in `X-Forwarded-For`."""

from ipaddress import ip_address, ip_network

import pytest
from pydantic import ValidationError

from sportello_gateway.client_address import client_address, parse_address
from sportello_gateway.settings import GatewaySettings

PROXIES = (ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48"))
LB = "10.0.0.2"  # the load balancer in front of the gateway


def _client(peer: str | None, *forwarded: str) -> str | None:
    address = client_address(peer, forwarded, PROXIES)
    return str(address) if address is not None else None


def test_without_trusted_proxies_the_header_is_never_believed() -> None:
    assert str(client_address("203.0.113.9", ["198.51.100.7"], ())) == "203.0.113.9"


def test_an_untrusted_peer_is_the_client_whatever_it_writes() -> None:
    assert _client("203.0.113.9", "198.51.100.7") == "203.0.113.9"


def test_behind_a_trusted_proxy_the_client_is_the_address_it_appended() -> None:
    assert _client(LB, "198.51.100.7") == "198.51.100.7"


def test_what_the_client_wrote_left_of_it_is_ignored() -> None:
    # The client sent `X-Forwarded-For: 1.1.1.1`; the load balancer appended the real address.
    assert _client(LB, "1.1.1.1, 198.51.100.7") == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right() -> None:
    assert _client(LB, "198.51.100.7, 10.1.1.1", "10.2.2.2") == "198.51.100.7"


def test_when_every_hop_is_a_trusted_proxy_the_leftmost_is_the_best_known() -> None:
    assert _client(LB, "10.1.1.1, 10.2.2.2") == "10.1.1.1"
    assert _client(LB) == LB


@pytest.mark.parametrize(
    "garbage",
    ["unknown", "not an address", "", " , ,", "999.1.1.1", "<script>", "a" * 5000, "[::1", "\x00"],
)
def test_garbage_ends_the_walk_at_the_nearest_trusted_hop(garbage: str) -> None:
    assert _client(LB, f"198.51.100.7, {garbage}, 10.1.1.1") == "10.1.1.1"
    assert _client(LB, garbage) == LB


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("198.51.100.7", "198.51.100.7"),
        (" 198.51.100.7 ", "198.51.100.7"),
        ("198.51.100.7:4711", "198.51.100.7"),
        ("2001:db8::7", "2001:db8::7"),
        ("[2001:db8::7]", "2001:db8::7"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("::ffff:198.51.100.7", "198.51.100.7"),
    ],
)
def test_addresses_are_read_as_proxies_write_them(written: str, address: str) -> None:
    assert parse_address(written) == ip_address(address)


def test_ipv6_proxies_are_trusted_too() -> None:
    assert _client("2001:db8:ffff::1", "2001:db8::7") == "2001:db8::7"


def test_a_peer_that_is_not_an_address_gives_none() -> None:
    assert _client("testclient", "198.51.100.7") is None
    assert _client(None, "198.51.100.7") is None


def test_the_setting_reads_addresses_and_networks_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = GatewaySettings.model_validate(
        {"trusted_proxies": "10.0.0.0/8, 192.0.2.7,2001:db8::/32, 172.16.5.4/12"}
    )
    assert settings.trusted_proxies == (
        ip_network("10.0.0.0/8"),
        ip_network("192.0.2.7/32"),
        ip_network("2001:db8::/32"),
        ip_network("172.16.0.0/12"),
    )
    assert GatewaySettings().trusted_proxies == ()
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.7")
    assert GatewaySettings().trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("192.0.2.7"))


def test_a_setting_that_is_not_an_address_is_refused_at_start() -> None:
    with pytest.raises(ValidationError):
        GatewaySettings.model_validate({"trusted_proxies": "10.0.0.0/8,load-balancer"})
