"""Page weight of the listener pages: bytes of feeds/index.html and of an episode page.

    .venv/bin/python benchmarks/pages.py [--workspace .] [--episodes 300]

Reads the repository's seed articles (parsing only, no network: the pages do not need the
audio) and the channel from podcast.toml, builds the site with radiocast.site.build_site and
prints each page's size, raw and gzipped (what `radiocast serve` and a gzip-enabled web server
send). Then the same for a programme grown to --episodes episodes (the seed repeated), where the
index is paginated. Goal: every page under 100 KB before audio.
"""

from __future__ import annotations

import argparse
import gzip
import sys
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from slugify import slugify

from radiocast.config import load_config
from radiocast.feed import episode_guid, podcast_guid
from radiocast.models import Channel, Episode, EpisodeState, Kind
from radiocast.pipeline import SLUG_MAX_LENGTH
from radiocast.seeds import is_seed, read_article
from radiocast.site import build_site
from radiocast.workspace import INDEX_PAGE, episode_page_path

GOAL_BYTES = 100_000


def seed_episodes(root: Path, channel: Channel) -> list[Episode]:
    """One episode per article seed, as publish would record it (sizes and durations typical)."""
    config = channel.config
    episodes = []
    for path in sorted(p for p in (root / "seeds").iterdir() if is_seed(p) and p.suffix == ".txt"):
        article = read_article(path, seed=f"seeds/{path.name}", tz=config.tz, require_audio=False)
        slug = slugify(article.title, max_length=SLUG_MAX_LENGTH, word_boundary=True)
        episodes.append(
            Episode(
                guid=episode_guid(channel.podcast_guid, article.audio_url or f"seeds/{path.name}"),
                slug=slug,
                seed=f"seeds/{path.name}",
                title=article.title,
                published=article.published,
                source_url=article.audio_url,
                enclosure_url=f"{config.base_url}audio/{slug}.mp3",
                summary=article.lead,
                body=article.paragraphs,
                author=article.author,
                state=EpisodeState.PUBLISHED,
                size_bytes=2_500_000,
                duration_ms=300_000,
                kind=Kind.ARTICLE,
                source_site=article.source_site,
                machine_read=True,
            )
        )
    return episodes


def grown(channel: Channel, episodes: list[Episode], count: int) -> list[Episode]:
    """*count* episodes, monthly, cycling through the seed articles' texts."""
    out = []
    for n in range(count):
        base = episodes[n % len(episodes)]
        slug = f"{base.slug}-{n}"
        out.append(
            replace(
                base,
                guid=episode_guid(channel.podcast_guid, f"bench:{n}"),
                slug=slug,
                title=f"Kỳ {n + 1}: {base.title}",
                published=base.published - timedelta(days=30 * n),
                enclosure_url=f"{channel.config.base_url}audio/{slug}.mp3",
            )
        )
    return out


def report(label: str, site: dict[str, bytes], paths: list[str]) -> bool:
    ok = True
    for path in paths:
        data = site[path]
        within = len(data) < GOAL_BYTES
        ok &= within
        print(
            f"{label:<16} {len(data):>8,} B  gzip {len(gzip.compress(data, mtime=0)):>7,} B"
            f"  {'ok  ' if within else 'OVER'}  {path}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=Path())
    parser.add_argument("--episodes", type=int, default=300)
    args = parser.parse_args()
    config = load_config(args.workspace / "podcast.toml")
    channel = Channel(config=config, podcast_guid=podcast_guid(config.feed_url))
    episodes = seed_episodes(args.workspace, channel)
    if not episodes:
        print(f"no article seeds in {args.workspace / 'seeds'}", file=sys.stderr)
        return 2

    site = build_site(channel, episodes)
    ok = report("seed workspace", site, [INDEX_PAGE, episode_page_path(episodes[0].slug)])

    many = grown(channel, episodes, args.episodes)
    big = build_site(channel, many)
    index_pages = sorted(p for p in big if p.startswith("feeds/index"))
    largest_index = max(index_pages, key=lambda p: len(big[p]))
    largest_episode = max((p for p in big if p.endswith(".html") and p not in index_pages), key=lambda p: len(big[p]))
    ok &= report(f"{args.episodes} episodes", big, [largest_index, largest_episode])
    print(f"{args.episodes} episodes: {len(index_pages)} index pages; every page < 100 KB: {ok}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
