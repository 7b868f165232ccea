"""URL canonicalisation, article ids and the SSRF address guard, shared by every part."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that track the reader, not the article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "hsa_", "oly_", "vero_", "_hs")
_TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mkt_tok",
        "ncid",
        "cmpid",
        "ref",
        "ref_src",
        "spm",
        "_ga",
        "_gl",
        "wt.mc_id",
        "at_medium",
        "at_campaign",
        "rss",
        "taid",
        "s_cid",
        "ocid",
    }
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


# Hand-written: courlan and w3lib both sort the query and keep a password and a trailing dot;
# w3lib keeps default ports and every tracking parameter, courlan drops parameters that matter
# (`uid`, `source`, blank ones; in strict mode all but ~20 names). Ids hash this: pinned in
# tests/unit/core/test_canonical_url.py.
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters.

    Path and the remaining query keep their case and order: they may be significant.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port if parts.port is not None else None
    netloc = host
    if port is not None and str(port) != _DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not is_tracking_param(k)
        ]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def url_domain(url: str) -> str:
    """The host of a URL, lower-cased, without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def article_id(url: str | None, guid: str | None = None, feed_url: str | None = None) -> str:
    """Stable article id: hash of the canonical URL, else of the GUID within its feed.

    A GUID is unique only within the feed that gives it (RSS leaves its uniqueness to the
    publisher, and feeds reuse junk like `1` or `mailto:…`), so a GUID-only id also hashes the
    canonical `feed_url`: two feeds' GUID `1` are two articles. A link identifies an article
    across feeds. Returns 32 hex characters (a truncated SHA-256), safe as a Kafka key and an
    ES _id.
    """
    if url and urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
        basis = "url:" + canonical_url(url)
    elif guid and feed_url:
        basis = f"guid:{canonical_url(feed_url)}\n{guid.strip()}"
    elif guid:
        msg = "a GUID identifies an article only within its feed: the feed's URL is needed"
        raise ValueError(msg)
    else:
        msg = "an article needs a link or a guid to get an id"
        raise ValueError(msg)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]


# --- SSRF guard ----------------------------------------------------------------------------
# Used by the connector (feeds, redirects, article pages, robots.txt) and the notifier (webhook
# and Slack URLs). Standard library only: each HTTP client plugs `AddressGuard.addresses` into
# its connection layer, which resolves a host once, checks every address and then connects to
# one of the addresses it checked (never to the result of a second lookup).

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]
"""(host, port) -> the addresses the host resolves to; raises OSError when it cannot resolve."""

_INET_ATON_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$", re.IGNORECASE)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known NAT64 prefix embeds an IPv4
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class BlockedAddressError(ValueError):
    """The SSRF guard refused a URL or host; the message names the host and the address."""


def _inet_aton(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in every notation inet_aton (and so getaddrinfo) accepts: 2130706433, 0x7f.1,
    0177.0.0.1, 127.1, 127.0.0.1; None if `host` is not one."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_INET_ATON_PART.match(p) for p in parts):
        return None
    values = [
        int(p[2:] or "0", 16) if p[:2].lower() == "0x" else int(p, 8) if p[0] == "0" else int(p)
        for p in parts
    ]
    *leading, last = values
    if any(v > 255 for v in leading) or last >= 256 ** (5 - len(values)):
        return None
    value = last
    for index, part in enumerate(leading):
        value += part << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host string denotes by itself (no DNS), or None for a name.

    Accepts IPv6 with or without brackets (and a zone id), a trailing dot, and the decimal,
    octal and hexadecimal IPv4 forms resolvers accept (`2130706433`, `0x7f.1` = 127.0.0.1).
    """
    text = host.strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    return _inet_aton(text[:-1] if text.endswith(".") else text)


def address_kind(address: str | IPAddress) -> str | None:
    """None for a public (globally routable unicast) address, else what it is, e.g. 'loopback'.

    IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) addresses are judged by the IPv4
    address they reach; a 6to4 address (2002::/16) by the IPv4 address it embeds too."""
    ip = address if not isinstance(address, str) else ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ipaddress.IPv6Address(ip.packed)  # drop a zone id
        if ip.ipv4_mapped is not None:
            return address_kind(ip.ipv4_mapped)
        if ip in _NAT64:
            return address_kind(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.sixtofour is not None and (kind := address_kind(ip.sixtofour)) is not None:
            return kind
    checks: list[tuple[bool, str]] = [
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip in _METADATA, "cloud metadata (link-local)"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED, "carrier-grade NAT"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local, "site-local"),
        (not ip.is_global, "non-global"),
    ]
    return next((kind for hit, kind in checks if hit), None)


def is_public_address(address: str) -> bool:
    """False for loopback, private, link-local, multicast, reserved and unspecified addresses."""
    return address_kind(address) is None


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses getaddrinfo gives for host (TCP), in its order, each once."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_localhost_name(host: str) -> bool:
    name = host.strip().lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")  # RFC 6761: always loopback


@dataclass(frozen=True)
class AddressGuard:
    """The SSRF policy of one client.

    `setting` is the configuration field an error tells the operator to set. `resolver` and
    `is_public` can be replaced (tests inject a resolver whose answers they control, and a
    classifier that treats a loopback test server as "public").
    """

    allow_private: bool = False
    setting: str = "allow_private_addresses"
    resolver: Resolver = system_resolver
    is_public: Callable[[str], bool] = is_public_address

    def refusal(self, host: str, address: str | None) -> str:
        """'refusing HOST (ADDRESS): KIND address (set SETTING to allow)'."""
        if address is None:
            what = ": localhost names are loopback addresses"
        else:
            what = f" ({address}): {address_kind(address) or 'non-public'} address"
        return f"refusing {host}{what} (set {self.setting} to allow)"

    def check_url(self, url: str) -> None:
        """Without DNS: an http(s) URL with a host, and unless private addresses are allowed,
        a host that is not itself a non-public address (any notation) or a localhost name.

        The host is the one a client connects to: `http://public@127.0.0.1/` is 127.0.0.1."""
        try:
            parts = urlsplit(url.strip())
            scheme, host = parts.scheme.lower(), parts.hostname
        except ValueError:  # e.g. a malformed IPv6 literal or port
            scheme, host = "", None
        if scheme not in ("http", "https") or not host:
            msg = f"refusing URL {url!r}: only http(s) URLs with a host"
            raise BlockedAddressError(msg)
        if not self.allow_private:
            self._literal(host)

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve host once and check every address it has: the addresses to connect to.

        Raises BlockedAddressError if any of them is not public (a name with one public and one
        private address is refused: a client falling back to the second would reach it), and
        OSError when the host cannot be resolved."""
        literal = self._literal(host)
        if literal is not None:
            return [literal]
        found = list(dict.fromkeys(str(a) for a in self.resolver(host, port)))
        if not found:
            msg = f"{host} resolved to no address"
            raise OSError(msg)
        if not self.allow_private:
            for address in found:
                if not self.is_public(address):
                    raise BlockedAddressError(self.refusal(host, address))
        return found

    def _literal(self, host: str) -> str | None:
        """The address a literal host denotes (checked), None for a name to resolve."""
        if _is_localhost_name(host) and not self.allow_private:
            raise BlockedAddressError(self.refusal(host, None))
        ip = parse_ip_literal(host)
        if ip is None:
            return None
        address = str(ip)
        if not self.allow_private and not self.is_public(address):
            raise BlockedAddressError(self.refusal(host, address))
        return address
