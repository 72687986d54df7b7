"""Safe XML input: the one way to read and parse a feed that comes from elsewhere.

A feed given by path or URL is anyone's document, so it is read and parsed as hostile:

- at most MAX_FEED_BYTES are read (fetch_bytes stops a download there; a file is read no further);
- a <!DOCTYPE> with an internal subset (entity, parameter-entity, element or attribute-list
  declarations) or naming an external DTD (SYSTEM or PUBLIC) is refused before lxml parses the
  body: that is where billion laughs, quadratic blowup and external entities (file:, http:) live.
  A bare ``<!DOCTYPE name>`` declares nothing and is accepted (HTML pages carry one, and
  ``validate`` should say "the root is <html>", not "DTD");
- lxml then parses without loading DTDs, resolving entities or touching the network, with
  libxml2's size and depth limits on (no huge_tree); comments and processing instructions are
  dropped, so the tree holds elements and text only;
- a DOCTYPE the prescan could not read (an encoding it does not decode) is refused once parsed.

An external DTD is refused rather than accepted unloaded: the entities it would define (RSS
0.91's ``&eacute;``) would silently vanish from titles and descriptions.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lxml import etree

from radiocast.errors import ConfigError, FeedInputError
from radiocast.fetch import MIB, fetch_bytes
from radiocast.i18n import N_, _
from radiocast.models import FetchSettings

# Long-running shows with full show notes reach a few MiB. Not more: libxml2's
# tree of the worst 16 MiB (four million empty elements) takes 0.5 GB, of 50 MiB 1.5 GB.
MAX_FEED_BYTES = 16 * MIB

_URL_PREFIXES = ("http://", "https://")
# Longest BOMs first: UTF-32-LE's starts with UTF-16-LE's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The prolog before a DOCTYPE: white space, comments and processing instructions (the XML declaration too).
_MISC = re.compile(rb"[ \t\r\n]+|<!--.*?-->|<\?.*?\?>", re.DOTALL)
_BARE_DOCTYPE = re.compile(rb"<!DOCTYPE[ \t\r\n]+[^ \t\r\n\[>'\"]+[ \t\r\n]*>")
_EXTERNAL_DOCTYPE = re.compile(
    rb"<!DOCTYPE[ \t\r\n]+[^ \t\r\n\[>'\"]+[ \t\r\n]+(?:SYSTEM|PUBLIC[ \t\r\n]*(?:\"[^\"]*\"|'[^']*'))"
    rb"[ \t\r\n]*(\"[^\"]*\"|'[^']*')"
)
_HINT_DTD = N_("remove the <!DOCTYPE …> from the feed: RSS has no DTD, and characters go in as text or &#…; references")


class MalformedFeedError(FeedInputError):
    """The bytes are not well-formed XML; *detail* is the parser's own words (line and column)."""

    def __init__(self, message: str, *, detail: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.detail = detail


def read_feed(source: str | Path, settings: FetchSettings) -> bytes:
    """A feed's bytes from an http(s) URL or a path, no more than MAX_FEED_BYTES + 1 of them.

    The one extra byte lets parse_feed tell an oversized feed from one exactly at the cap.
    """
    if isinstance(source, str) and source.startswith(_URL_PREFIXES):
        return fetch_bytes(source, settings, max_bytes=MAX_FEED_BYTES)
    path = Path(source)
    try:
        # A bounded read: the path may be a huge file, or /dev/zero.
        with path.open("rb") as f:
            return f.read(MAX_FEED_BYTES + 1)
    except OSError as e:
        raise ConfigError(
            _("cannot read the feed {path} ({reason})").format(path=path, reason=e.strerror),
            hint=_("run `radiocast publish` first"),
        ) from e


def parse_feed(data: bytes, *, source: str) -> etree._Element:
    """Parse a feed's bytes into its root element, refusing what could hurt the machine reading it.

    Raises FeedInputError naming *source* for an oversized feed or a DTD (see the module's docstring),
    MalformedFeedError (a FeedInputError) for bytes that are not well-formed XML.
    """
    if len(data) > MAX_FEED_BYTES:
        raise FeedInputError(
            _("{source} is over {limit} MiB; radiocast reads feeds up to that size").format(
                source=source, limit=MAX_FEED_BYTES // MIB
            ),
            hint=_("is this really a podcast feed?"),
        )
    seen_doctype = _check_prolog(data, source)
    # A parser per call: lxml parsers are not thread-safe.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise MalformedFeedError(
            _("{source} is not well-formed XML: {error}").format(source=source, error=e),
            detail=str(e),
            hint=_("fix the feed where it is made; `radiocast validate` shows the line"),
        ) from e
    if root.getroottree().docinfo.internalDTD is not None and not seen_doctype:
        # The prescan saw no DOCTYPE, yet libxml2 found one: an encoding the prescan does not read.
        raise FeedInputError(
            _("{source} has a <!DOCTYPE> in an encoding radiocast cannot check; it reads no DTDs").format(
                source=source
            ),
            hint=_(_HINT_DTD),
        )
    return root


def _check_prolog(data: bytes, source: str) -> bool:
    """Refuse a DOCTYPE that declares or names anything; True when there is a bare one."""
    text = _ascii_compatible(data)
    pos = len(codecs.BOM_UTF8) if text.startswith(codecs.BOM_UTF8) else 0
    while (misc := _MISC.match(text, pos)) is not None:
        pos = misc.end()
    if not text.startswith(b"<!DOCTYPE", pos):
        return False
    if _BARE_DOCTYPE.match(text, pos):
        return True
    external = _EXTERNAL_DOCTYPE.match(text, pos)
    if external:
        raise FeedInputError(
            _("{source} names an external DTD ({url}); radiocast loads no DTDs").format(
                source=source, url=external.group(1)[1:-1].decode("utf-8", "replace")
            ),
            hint=_(_HINT_DTD),
        )
    raise FeedInputError(
        _("{source} declares entities or other DTD markup in its <!DOCTYPE>; radiocast refuses them").format(
            source=source
        ),
        hint=_(_HINT_DTD),
    )


def _ascii_compatible(data: bytes) -> bytes:
    """The document in an encoding where markup is ASCII: UTF-16/32 with a BOM is re-encoded as UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, "replace").encode("utf-8")
    return data
