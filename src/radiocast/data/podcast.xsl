<?xml version="1.0" encoding="UTF-8"?>
<!--
  radiocast: shows feeds/podcast.xml as a Vietnamese page when it is opened in a browser.
  XSLT 1.0 (what browsers run). Podcast apps never read this file. No disable-output-escaping
  (Firefox ignores it): item notes are left to each episode's own page.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"
    xmlns:atom="http://www.w3.org/2005/Atom"
    exclude-result-prefixes="itunes atom">

  <xsl:output method="html" encoding="UTF-8" indent="no" doctype-system="about:legacy-compat"/>

  <xsl:variable name="channel" select="/rss/channel"/>
  <xsl:variable name="feed" select="$channel/atom:link[@rel='self']/@href"/>
  <xsl:variable name="bare" select="substring-after($feed, '://')"/>

  <xsl:template match="/">
    <html lang="vi">
      <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta name="robots" content="noindex"/>
        <title>Nguồn cấp podcast: <xsl:value-of select="$channel/title"/></title>
        <link rel="icon" href="data:,"/>
        <style>
:root{color-scheme:light;--ink:#1b1b1b;--muted:#4d4d4d;--brand:#0e2f4d;--link:#0b57a0;--line:#d5dbe1;--soft:#f2f5f8}
*{box-sizing:border-box}
body{margin:0;background:#fff;color:var(--ink);font:1.0625rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif;overflow-wrap:break-word}
a{color:var(--link)}
a:focus-visible,button:focus-visible,input:focus-visible,audio:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
.skip{position:absolute;left:-100vw;top:.5rem;z-index:9;background:#fff;color:var(--brand);padding:.5rem 1rem;font-weight:700}
.skip:focus{left:.5rem}
.top{background:var(--brand);color:#fff}
.top a{color:#fff}
.top a:focus-visible{outline-color:#f2b234}
.wrap{max-width:42rem;margin:0 auto;padding:.75rem 1rem}
.site{margin:0;font-weight:700}
.top ul{list-style:none;margin:.35rem 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;font-size:.95rem}
h1{font-size:1.5rem;line-height:1.3;margin:.5rem 0}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem}
h3{font-size:1.05rem;line-height:1.4;margin:0}
.meta{color:var(--muted);margin:.25rem 0}
.note{background:var(--soft);border-left:4px solid var(--brand);padding:.5rem .75rem}
.cover{float:right;width:96px;height:96px;margin:.5rem 0 .5rem 1rem;border-radius:8px;object-fit:cover}
audio{display:block;width:100%;margin:.5rem 0}
.episodes{list-style:none;margin:0;padding:0;clear:both}
.episodes>li{border-top:1px solid var(--line);padding:.85rem 0}
.subscribe{background:var(--soft);border-top:1px solid var(--line)}
.copy{display:flex;gap:.5rem}
.copy input{flex:1;min-width:0;font:inherit;font-size:.95rem;padding:.5rem;border:1px solid #767676;border-radius:6px;background:#fff;color:var(--ink)}
button{font:inherit;padding:.5rem 1rem;border:0;border-radius:6px;background:var(--brand);color:#fff;cursor:pointer}
.apps{list-style:none;margin:.75rem 0;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}
.apps a{display:inline-block;padding:.45rem .9rem;border:1px solid #8a98a8;border-radius:999px;background:#fff;text-decoration:none}
@media (min-width:40rem){h1{font-size:1.9rem}.cover{width:144px;height:144px}}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">Bỏ qua, đến nội dung chính</a>
        <header class="top">
          <div class="wrap">
            <p class="site"><xsl:value-of select="$channel/title"/></p>
            <nav aria-label="Liên kết chính">
              <ul>
                <li><a href="index.html">Trang chương trình</a></li>
                <li><a href="#subscribe">Theo dõi chương trình</a></li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" class="wrap" tabindex="-1">
          <p class="note">
            Đây là nguồn cấp podcast (RSS) của chương trình, dành cho ứng dụng nghe podcast.
            Để theo dõi, hãy sao chép địa chỉ của trang này vào ứng dụng (xem mục “Theo dõi chương trình”),
            hoặc nghe ngay từng kỳ bên dưới.
          </p>
          <xsl:if test="$channel/image/url">
            <img class="cover" src="{$channel/image/url}" alt="" width="144" height="144" loading="lazy"/>
          </xsl:if>
          <h1><xsl:value-of select="$channel/title"/></h1>
          <p><xsl:value-of select="$channel/description"/></p>
          <p class="meta">
            <xsl:value-of select="$channel/itunes:author"/>
            <xsl:text> · </xsl:text>
            <xsl:value-of select="count($channel/item)"/>
            <xsl:text> kỳ phát sóng</xsl:text>
          </p>
          <h2 id="episodes">Các kỳ phát sóng</h2>
          <xsl:choose>
            <xsl:when test="$channel/item">
              <ol class="episodes">
                <xsl:apply-templates select="$channel/item"/>
              </ol>
            </xsl:when>
            <xsl:otherwise>
              <p>Chưa có kỳ nào được phát hành.</p>
            </xsl:otherwise>
          </xsl:choose>
        </main>
        <aside id="subscribe" class="subscribe" aria-labelledby="subscribe-title">
          <div class="wrap">
            <h2 id="subscribe-title">Theo dõi chương trình</h2>
            <label for="feed-url">Địa chỉ nguồn cấp (RSS) của chương trình</label>
            <div class="copy">
              <input id="feed-url" type="url" value="{$feed}" readonly="readonly"/>
              <button type="button" data-copy="feed-url" data-status="copy-status">Sao chép</button>
            </div>
            <p id="copy-status" class="meta" role="status" aria-live="polite"></p>
            <p>Mở thẳng trong ứng dụng:</p>
            <ul class="apps">
              <li><a href="podcast://{$bare}">Apple Podcasts</a></li>
              <li><a href="pktc://subscribe/{$bare}">Pocket Casts</a></li>
              <li><a href="https://antennapod.org/deeplink/subscribe?url={$feed}">AntennaPod</a></li>
              <li><a href="podcastaddict://{$bare}">Podcast Addict</a></li>
              <li><a href="overcast://x-callback-url/add?url={$feed}">Overcast</a></li>
            </ul>
            <p>Ứng dụng khác: sao chép địa chỉ ở trên, mở ứng dụng, chọn “Thêm podcast bằng địa chỉ” (Add by URL) rồi dán vào.</p>
          </div>
        </aside>
        <footer class="wrap meta">
          <p>
            <xsl:if test="$channel/copyright">
              <xsl:text>© </xsl:text>
              <xsl:value-of select="$channel/copyright"/>
              <xsl:text> · </xsl:text>
            </xsl:if>
            <xsl:value-of select="$channel/generator"/>
          </p>
        </footer>
        <script>
(function () {
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-status"));
    function say(ok) { status.textContent = ok ? "Đã sao chép địa chỉ." : "Hãy chọn địa chỉ rồi sao chép bằng tay."; }
    field.focus();
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(function () { say(true); }, function () { say(document.execCommand("copy")); });
    } else {
      say(document.execCommand("copy"));
    }
  });
})();
        </script>
      </body>
    </html>
  </xsl:template>

  <xsl:template match="item">
    <xsl:variable name="page">
      <xsl:call-template name="page-of">
        <xsl:with-param name="item" select="."/>
      </xsl:call-template>
    </xsl:variable>
    <li>
      <article>
        <h3>
          <xsl:choose>
            <xsl:when test="string($page)">
              <a href="{$page}"><xsl:value-of select="title"/></a>
            </xsl:when>
            <xsl:otherwise>
              <xsl:value-of select="title"/>
            </xsl:otherwise>
          </xsl:choose>
        </h3>
        <p class="meta">
          <xsl:if test="itunes:episode">
            <xsl:text>Kỳ </xsl:text>
            <xsl:value-of select="itunes:episode"/>
            <xsl:text> · </xsl:text>
          </xsl:if>
          <xsl:call-template name="vi-date">
            <xsl:with-param name="rfc822" select="normalize-space(pubDate)"/>
          </xsl:call-template>
          <xsl:if test="itunes:duration">
            <xsl:text> · </xsl:text>
            <xsl:call-template name="vi-duration">
              <xsl:with-param name="value" select="normalize-space(itunes:duration)"/>
            </xsl:call-template>
          </xsl:if>
        </p>
        <xsl:if test="enclosure/@url">
          <audio controls="controls" preload="none" src="{enclosure/@url}" aria-label="Nghe: {title}">
            <a href="{enclosure/@url}">Tải tệp MP3</a>
          </audio>
        </xsl:if>
      </article>
    </li>
  </xsl:template>

  <!-- The episode's own page: the item's link when it is a page, else <slug>.html beside the feed. -->
  <xsl:template name="page-of">
    <xsl:param name="item"/>
    <xsl:variable name="link" select="normalize-space($item/link)"/>
    <xsl:variable name="file">
      <xsl:call-template name="basename">
        <xsl:with-param name="path" select="$item/enclosure/@url"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="slug" select="substring-before($file, '.mp3')"/>
    <xsl:variable name="number" select="substring-after($slug, 'index-')"/>
    <xsl:choose>
      <xsl:when test="substring($link, string-length($link) - 4) = '.html'">
        <xsl:value-of select="$link"/>
      </xsl:when>
      <xsl:when test="$slug = 'index' or (starts-with($slug, 'index-') and string-length($number) &gt; 0 and translate($number, '0123456789', '') = '')">
        <xsl:value-of select="concat($slug, '.episode.html')"/>
      </xsl:when>
      <xsl:when test="string-length($slug) &gt; 0">
        <xsl:value-of select="concat($slug, '.html')"/>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="basename">
    <xsl:param name="path"/>
    <xsl:choose>
      <xsl:when test="contains($path, '/')">
        <xsl:call-template name="basename">
          <xsl:with-param name="path" select="substring-after($path, '/')"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$path"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- "Sat, 25 Dec 2021 08:00:00 +0700" → "Thứ Bảy, 25/12/2021" (the date as the feed states it). -->
  <xsl:template name="vi-date">
    <xsl:param name="rfc822"/>
    <xsl:variable name="day" select="substring($rfc822, 1, 3)"/>
    <xsl:variable name="month" select="substring($rfc822, 9, 3)"/>
    <xsl:variable name="months" select="'JanFebMarAprMayJunJulAugSepOctNovDec'"/>
    <xsl:variable name="m" select="(string-length(substring-before($months, $month)) div 3) + 1"/>
    <xsl:choose>
      <xsl:when test="substring($rfc822, 4, 2) = ', ' and contains($months, $month) and string-length($month) = 3">
        <xsl:choose>
          <xsl:when test="$day = 'Mon'">Thứ Hai</xsl:when>
          <xsl:when test="$day = 'Tue'">Thứ Ba</xsl:when>
          <xsl:when test="$day = 'Wed'">Thứ Tư</xsl:when>
          <xsl:when test="$day = 'Thu'">Thứ Năm</xsl:when>
          <xsl:when test="$day = 'Fri'">Thứ Sáu</xsl:when>
          <xsl:when test="$day = 'Sat'">Thứ Bảy</xsl:when>
          <xsl:otherwise>Chủ Nhật</xsl:otherwise>
        </xsl:choose>
        <xsl:text>, </xsl:text>
        <xsl:value-of select="substring($rfc822, 6, 2)"/>
        <xsl:text>/</xsl:text>
        <xsl:value-of select="format-number($m, '00')"/>
        <xsl:text>/</xsl:text>
        <xsl:value-of select="substring($rfc822, 13, 4)"/>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$rfc822"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- itunes:duration in seconds → "12 phút 5 giây"; an HH:MM:SS value is shown as it is. -->
  <xsl:template name="vi-duration">
    <xsl:param name="value"/>
    <xsl:choose>
      <xsl:when test="string(number($value)) != 'NaN'">
        <xsl:variable name="h" select="floor($value div 3600)"/>
        <xsl:variable name="m" select="floor(($value mod 3600) div 60)"/>
        <xsl:variable name="s" select="floor($value mod 60)"/>
        <xsl:choose>
          <xsl:when test="$h &gt; 0">
            <xsl:value-of select="concat($h, ' giờ')"/>
            <xsl:if test="$m &gt; 0"><xsl:value-of select="concat(' ', $m, ' phút')"/></xsl:if>
          </xsl:when>
          <xsl:when test="$m &gt; 0">
            <xsl:value-of select="concat($m, ' phút')"/>
            <xsl:if test="$s &gt; 0"><xsl:value-of select="concat(' ', $s, ' giây')"/></xsl:if>
          </xsl:when>
          <xsl:otherwise>
            <xsl:value-of select="concat($s, ' giây')"/>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:when>
      <xsl:otherwise>
        <xsl:value-of select="$value"/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
