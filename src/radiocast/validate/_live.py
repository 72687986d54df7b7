"""The rules of <podcast:liveItem>: status, start and end, a title, a guid, a stream and a fallback link."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from radiocast.i18n import _
from radiocast.validate._common import P20, RSS, Rules, text_of

LIVE_STATUSES = ("pending", "live", "ended")


class LiveItemRules(Rules):
    """Checked after the items, whose guids a live item may share only by mistake."""

    def check_live_item(self, live: etree._Element, index: int) -> None:
        title = text_of(live.find("title"))
        where = _('live item "{title}"').format(title=title) if title else _("live item #{index}").format(index=index)
        if not title:
            self.error("live.title", _("{where} has no <title>").format(where=where), P20)
        status = live.get("status")
        if status not in LIVE_STATUSES:
            self.error(
                "live.status",
                _('{where}: status "{status}" must be one of {choices}').format(
                    where=where, status=status or "", choices=", ".join(LIVE_STATUSES)
                ),
                P20,
            )
        start = self._time(live, "start", where, required=True)
        end = self._time(live, "end", where, required=False)
        if start is not None and end is not None and end <= start:
            self.error(
                "live.end",
                _("{where}: end {end} is not after start {start}").format(
                    where=where, end=live.get("end"), start=live.get("start")
                ),
                P20,
            )
        guid = text_of(live.find("guid"))
        if not guid:
            self.error("live.guid", _("{where} has no <guid>").format(where=where), P20)
        elif guid in self.guids:
            self.warning(
                "live.guid",
                _(
                    "{where}: <guid> {guid} is also the guid of {other}; once the recording is out, drop the live item"
                ).format(where=where, guid=guid, other=self.guids[guid]),
                P20,
            )
        enclosure = live.find("enclosure")
        url = enclosure.get("url", "").strip() if enclosure is not None else ""
        if not url:
            self.warning(
                "live.enclosure",
                _('{where} has no <enclosure url="…">: apps have no stream to play').format(where=where),
                RSS,
            )
        else:
            self.check_url(url, f"{where}: <enclosure>", "live.enclosure", RSS)
        links = [e.get("href", "").strip() for e in live.findall(self.q("podcast", "contentLink"))]
        if not any(links):
            self.error(
                "live.contentLink",
                _(
                    '{where} has no <podcast:contentLink href="…">, the page for apps that cannot play the stream'
                ).format(where=where),
                P20,
            )
        for href in filter(None, links):
            self.check_url(href, f"{where}: <podcast:contentLink>", "live.contentLink", P20)

    def _time(self, live: etree._Element, name: str, where: str, *, required: bool) -> datetime | None:
        value = live.get(name)
        if value is None:
            report = self.error if required else self.warning
            report(f"live.{name}", _("{where} has no {name} attribute").format(where=where, name=name), P20)
            return None
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
        if when is None or when.utcoffset() is None:
            self.error(
                f"live.{name}",
                _('{where}: {name} "{value}" is not an ISO 8601 time with its offset, e.g. {example}').format(
                    where=where, name=name, value=value, example="2026-12-25T08:00:00+07:00"
                ),
                P20,
            )
            return None
        return when
