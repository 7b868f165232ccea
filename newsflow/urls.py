"""URL canonicalisation and article ids, shared by the connector and the pipeline."""

from __future__ import annotations

import hashlib
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


def article_id(url: str | None, guid: str | None = None) -> str:
    """Stable article id: hash of the canonical URL, else of the GUID.

    Returns 32 hex characters (a truncated SHA-256), safe as a Kafka key and an ES _id.
    """
    if url and urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname:
        basis = "url:" + canonical_url(url)
    elif guid:
        basis = "guid:" + guid.strip()
    else:
        msg = "an article needs a link or a guid to get an id"
        raise ValueError(msg)
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]
