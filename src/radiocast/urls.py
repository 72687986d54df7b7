"""URLs as shown and as published: credentials a station writes into a URL go to its server and nowhere else."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

# Userinfo in any URL of a text: from the scheme to the authority's last "@".
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#'\"<>]*@")


def redact_url(text: str) -> str:
    """*text* with the credentials of every URL in it hidden: ``https://user:pass@host/x`` → ``https://***@host/x``."""
    return _USERINFO.sub(r"\1***@", text)


def public_url(url: str) -> str:
    """*url* without its userinfo, for the feed, the pages, the ID3 tags and the episode's identity.

    A listener cannot use a station's password, and a changed password must not make a new episode.
    """
    if "@" not in url:
        return url  # no userinfo possible: spares the parse, once per episode and page
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def is_loopback(host: str) -> bool:
    """Whether *host* (a name or an address, IPv6 with or without brackets) is this computer."""
    name = host.lower().rstrip(".")
    if name in ("localhost", "localhost.localdomain") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        return False
