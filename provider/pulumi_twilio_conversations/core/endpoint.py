"""Which Twilio host serves a region and edge: ``conversations.{edge}.{region}.twilio.com``.

Sources (Twilio's global-infrastructure docs):

- "Using the Twilio REST API in a non-US Region": "The format of an FQDN is:
  {product}.{edge-location}.{region}.twilio.com"; without a region a request is handled in US1.
- "API Domain Migration Guide" and the changelog "Deprecation of region-specific Twilio API domain
  patterns": the ``PRODUCT.REGION.twilio.com`` pattern "process[es] all requests in US1 regardless of
  the region code and will stop working on April 28, 2026"; the us1 one "will remain valid", and
  hostnames with a city segment are not affected.
- Twilio CLI, "Regional": "Valid region and edge combinations: Australia Region (au1): --edge sydney;
  Ireland Region (ie1): --edge dublin; Japan Region (jp1): --edge tokyo". These are the only
  region/edge pairs Twilio documents, so they are the only defaults taken here.
- "Legacy Edge Location IDs": the old IDs br1, de1, sg1, us2 (and us1) are now the edges sao-paulo,
  frankfurt, singapore, umatilla (ashburn), and are not processing regions.
- "Manage Regional API Credentials": "any given Auth Token or API Key is only valid for the Twilio
  Region in which it was created".

Example::

    >>> base_url("ie1", None)
    'https://conversations.dublin.ie1.twilio.com'
    >>> base_url(None, "frankfurt")
    'https://conversations.frankfurt.us1.twilio.com'
"""

from __future__ import annotations

import ipaddress
import re
import string
from typing import Optional
from urllib.parse import urlsplit

GLOBAL_BASE_URL = "https://conversations.twilio.com"

DEFAULT_EDGES: dict[str, str] = {"ie1": "dublin", "au1": "sydney", "jp1": "tokyo"}
"""A region's edge when only the region is set: the pairs Twilio's CLI docs name as valid."""

LEGACY_EDGE_IDS: dict[str, str] = {
    "au1": "sydney", "br1": "sao-paulo", "de1": "frankfurt", "ie1": "dublin",
    "jp1": "tokyo", "sg1": "singapore", "us1": "ashburn", "us2": "umatilla",
}
"""Region-style codes that Twilio once used as edges, with the edge each became."""

EDGES = frozenset({"ashburn", "dublin", "frankfurt", "sao-paulo", "singapore", "sydney", "tokyo", "umatilla",
                   "roaming"})
"""Twilio's public edge locations ("Edge Locations"); private *-ix edges are accepted too."""


def base_url(region: Optional[str], edge: Optional[str], region_key: str = "region", edge_key: str = "edge") -> str:
    """The API base URL for a region and edge; ValueError, naming ``region_key``/``edge_key``, when
    the pair cannot reach the region the user asked for."""
    for key, value in ((region_key, region), (edge_key, edge)):
        if value and not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
            raise ValueError(f"{key} {value!r} must contain only ASCII letters, digits and '-'")
    region = region.lower() if region else None
    edge = edge.lower() if edge else None
    if region in EDGES:
        home = next((r for r, e in DEFAULT_EDGES.items() if e == region), None)
        fix = f"set {edge_key}={region} and {region_key}={home}" if home else f"set {edge_key}={region}"
        raise ValueError(f"{region_key} {region!r} is an edge (a city), not a region: {fix}")
    if edge in LEGACY_EDGE_IDS:
        city = LEGACY_EDGE_IDS[edge]
        fix = (f"set {region_key}={edge} and {edge_key}={city}" if edge in DEFAULT_EDGES
               else f"set {edge_key}={city}")
        raise ValueError(f"{edge_key} {edge!r} is a region code, not an edge (edges are cities such as {city}): {fix}")
    if not region and not edge:
        return GLOBAL_BASE_URL
    if region and not edge:
        if region == "us1":
            return "https://conversations.us1.twilio.com"  # the one region-only host Twilio keeps
        if region in LEGACY_EDGE_IDS and region not in DEFAULT_EDGES:
            raise ValueError(
                f"{region_key} {region!r} is a legacy edge ID (now the edge {LEGACY_EDGE_IDS[region]}), not a "
                f"region where Twilio processes data; its region-only host stopped working on 2026-04-28: set "
                f"{edge_key}={LEGACY_EDGE_IDS[region]} and unset {region_key} (requests are then processed in us1)"
            )
        if region not in DEFAULT_EDGES:
            raise ValueError(
                f"{region_key} {region!r} has no edge Twilio documents as its default, and region-only hosts "
                f"(conversations.{region}.twilio.com) stopped working on 2026-04-28: set {edge_key} too"
            )
        edge = DEFAULT_EDGES[region]
    return f"https://conversations.{edge}.{region or 'us1'}.twilio.com"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_URL_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%")


def check_base_url(url: str) -> str:
    """The base URL without a trailing slash; ValueError when it is not safe to send credentials to.

    A URL carrying credentials (``user:password@``) is refused without being echoed, whatever its
    scheme, so that the password does not reach a log.
    """
    if "@" in url:
        raise ValueError("base URL must not carry credentials (user:password@host); the URL is not shown")
    if not set(url) <= _URL_CHARACTERS:
        raise ValueError(f"base URL {url!r} contains characters a URL cannot hold unencoded, such as spaces")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        raise ValueError(f"base URL {url!r} has a port that is not a number from 1 to 65535") from None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.port == 0:
        raise ValueError(f"base URL {url!r} must look like https://host[:port]")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"base URL {url!r} uses plain http to a non-loopback host; credentials would travel "
            "unencrypted. Use https, or http only for 127.0.0.1/localhost (the emulator)"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base URL {url!r} must not carry a query or a fragment")
    api_root = _api_root(parts.path)
    if api_root is not None:
        fixed = f"{parts.scheme}://{parts.netloc}{api_root}"
        raise ValueError(
            f"base URL {url!r} ends in the API's own path {parts.path[len(api_root):].rstrip('/')!r}, which the "
            f"provider adds itself (it calls <base URL>/v1/Services/...): drop it, set {fixed!r}"
        )
    return url.rstrip("/")


def _api_root(path: str) -> Optional[str]:
    """The part of a base URL's path before a trailing ``/v1`` (or ``/v1/Services...``,
    ``/v1/Configuration...``: a resource URL pasted whole), or None when the path has none.

    Every request goes to ``<base URL>/v1/...``, so such a base URL would ask for ``/v1/v1/...``, a path
    Twilio answers with 404 and error 20404, the same answer as a deleted service. A ``v1`` further
    up a proxy's path (``https://proxy/v1/twilio``) is the proxy's own and is kept.
    """
    segments = path.split("/")
    for index in range(len(segments) - 1, -1, -1):
        if segments[index].lower() != "v1":
            continue
        rest = [s for s in segments[index + 1:] if s]
        if not rest or rest[0].lower() in ("services", "configuration"):
            return "/".join(segments[:index])
        return None
    return None


# --------------------------------------------------------------------------------------------------
# Which endpoint answered: the resource URL Twilio records against the base URL in use

_TWILIO_HOST = re.compile(r"conversations(?:\.([a-z0-9-]+))?(?:\.([a-z0-9-]+))?\.twilio\.com")


def twilio_region(host: str) -> Optional[str]:
    """The region a Conversations host of Twilio's processes requests in, or None for any other host.

    ``conversations.twilio.com`` and ``conversations.us1.twilio.com`` are US1; ``conversations.{edge}.
    {region}.twilio.com`` is ``region`` whatever the edge, which is only where the request enters
    Twilio's network ("Using the Twilio REST API in a non-US Region": the region in the host "processes
    and stores data related to the request"). The region-only hosts of other regions are None: they
    stopped working on 2026-04-28 and, before that, processed requests in US1 whatever their code.
    """
    found = _TWILIO_HOST.fullmatch(host.lower())
    if found is None:
        return None
    edge, region = found.groups()
    if edge is None:
        return "us1"
    if region is None:
        return "us1" if edge == "us1" else None
    return region


def endpoint_of(url: str) -> Optional[str]:
    """The base URL a resource URL was served under (``https://h/p/v1/Services/...`` -> ``https://h/p``),
    normalized as ``same_endpoint`` compares it; None when ``url`` is no such URL."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("https", "http") or not parts.hostname:
        return None
    cut = re.search(r"/v1/(?:Services|Credentials|Configuration)(?:/|$)", parts.path, re.IGNORECASE)
    if cut is None:
        return None
    return _normalized(parts.scheme, parts.hostname, port, parts.path[:cut.start()])


def normalized_base_url(base_url: str) -> str:
    """A base URL as ``endpoint_of`` returns one: scheme and host in lower case, no default port."""
    parts = urlsplit(base_url)
    return _normalized(parts.scheme, parts.hostname or "", parts.port, parts.path)


def _normalized(scheme: str, host: str, port: Optional[int], path: str) -> str:
    scheme = scheme.lower()
    default = {"https": 443, "http": 80}.get(scheme)
    netloc = host.lower() if port in (None, default) else f"{host.lower()}:{port}"
    return f"{scheme}://{netloc}{path.rstrip('/')}"


def same_endpoint(written_by: str, in_use: str) -> bool:
    """True when two base URLs (normalized) reach the same service data: equal, or two Twilio hosts
    of the same region (another edge is another door to the same data)."""
    if written_by == in_use:
        return True
    written, using = urlsplit(written_by), urlsplit(in_use)
    if written.path or using.path or written.scheme != "https" or using.scheme != "https":
        return False
    region = twilio_region(written.netloc)
    return region is not None and region == twilio_region(using.netloc)
