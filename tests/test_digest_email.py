"""The HTML part as mail clients see it: inlined CSS, no network, inert posts, sizes.

Each premailer trap the digest works around (see syndicate/inline.py) has a
test here that fails if the workaround goes.
"""

from __future__ import annotations

import logging
import re
import socket

import cssutils
import lxml.html
from lxml.cssselect import CSSSelector

from syndicate.render.jinja import default_templates_dir
from tests.conftest import NOW

CONFIG = """\
title = "Test & <Site>"
url = "https://example.com/blog/"
language = "ko"
timezone = "Asia/Seoul"
author = { name = "Tess Ter", email = "tess@example.com" }

[digest]
unsubscribe_url = "https://example.com/blog/unsubscribe"
"""
FULL = CONFIG + "full_content = true\n"

HOSTILE = """\
---
title: 'Tom <b>&</b> Jerry'
date: 2026-11-17 10:00:00
excerpt: 'Fish <script>alert(1)</script> & chips'
---
<p onclick="steal()">Hello <a href="javascript:alert(1)">click</a> and <a href="JaVaScRiPt:alert(2)">again</a>.</p>
<script>document.write("gotcha")</script>
<img src="x.png" onerror="alert(3)" alt="pic">
<iframe src="https://evil.example.net/"></iframe>
<form action="https://evil.example.net/"><input name="q"></form>
<link rel="stylesheet" href="http://127.0.0.1:9/x.css">
<style>p { color: red }</style>
<p style="background:url(/bg.png)" data-x="1">Styled</p>
"""

IMAGES = """\
---
title: Pictures
date: 2026-11-18 10:00:00
image: /img/lead.png
---
<p><img src="/img/a.png" srcset="/img/a.png 1x, ../img/a@2x.png 2x" width="536" height="300" alt="서울 야경"></p>
<p><img src="/img/wide.png" width="1072" height="600" alt="wide"></p>
"""


def render(make_site, run, files: dict, config: str = CONFIG, *flags: str):
    root = make_site(files, config=config)
    result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47", *flags)
    html_path = root / "public" / "digest" / "2026-W47.html"
    html = html_path.read_text("utf-8") if html_path.exists() else ""
    return result, html, root


def post(title: str, date: str = "2026-11-17 10:00:00", body: str = "Body.", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n"


def template_css() -> tuple[list[str], str]:
    """The default template's plain selectors and its @media text."""
    source = (default_templates_dir() / "digest.html.j2").read_text("utf-8")
    css = re.search(r"<style>(.*?)</style>", source, re.DOTALL).group(1)
    selectors = []
    for rule in cssutils.parseString(css, validate=False):
        if rule.type == rule.STYLE_RULE:
            selectors += [s.strip() for s in rule.selectorText.split(",")]
    return selectors, css


def test_every_element_the_template_styles_carries_inline_style(make_site, run):
    result, html, _ = render(make_site, run, {"posts/a.md": IMAGES, "posts/b.md": post("Second")}, FULL)
    assert result.exit_code == 0, result.output
    doc = lxml.html.fromstring(html)
    selectors, _ = template_css()
    matched = 0
    for selector in selectors:
        for element in CSSSelector(selector)(doc):
            matched += 1
            assert element.get("style"), (selector, lxml.html.tostring(element)[:120])
    assert matched > 20


def test_only_media_and_outlook_dark_rules_remain_in_one_style_block_with_important(make_site, run):
    _, html, _ = render(make_site, run, {"posts/a.md": post("One")})
    doc = lxml.html.fromstring(html)
    styles = doc.xpath("//style")
    assert len(styles) == 1 and styles[0].getparent().tag == "head"
    sheet = cssutils.parseString(styles[0].text, validate=False)
    rules = list(sheet.cssRules)
    media_rules = [r for r in rules if r.type == cssutils.css.CSSRule.MEDIA_RULE]
    # The rest is Outlook.com's dark mode, which marks the document with data-ogsc / data-ogsb itself.
    outlook = [r for r in rules if r.type == cssutils.css.CSSRule.STYLE_RULE]
    assert len(media_rules) + len(outlook) == len(rules) and outlook
    assert all(s.selectorText.startswith(("[data-ogsc]", "[data-ogsb]")) for r in outlook for s in r.selectorList)
    media = [r.media.mediaText for r in media_rules]
    assert any("max-width" in m for m in media) and any("prefers-color-scheme: dark" in m for m in media)
    declarations = [p for r in media_rules for inner in r.cssRules for p in inner.style.getProperties()]
    declarations += [p for r in outlook for p in r.style.getProperties()]
    assert declarations and all(p.priority == "important" for p in declarations)


def test_document_head_meets_mail_client_rules(make_site, run):
    _, html, _ = render(make_site, run, {"posts/a.md": post("One")})
    doc = lxml.html.fromstring(html)
    assert html.startswith("<!DOCTYPE html>")
    assert doc.get("lang") == "ko"
    assert doc.xpath("//meta[@charset='utf-8']")
    assert doc.xpath("//meta[@name='viewport']")
    assert doc.xpath("//meta[@name='color-scheme']/@content") == ["light dark"]
    container = CSSSelector(".container")(doc)[0]
    assert container.tag == "table" and "max-width:600px" in container.get("style")
    assert doc.xpath("//div[@class='preheader']")[0].text_content().startswith("Body.")


def all_urls(html: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    urls = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        urls += [element.get(a) for a in ("src", "href", "background", "poster") if element.get(a) is not None]
        if element.get("srcset"):
            urls += [c.split()[0] for c in element.get("srcset").split(",")]
        urls += re.findall(r"url\(['\"]?([^'\")]+)", element.get("style", ""))
    for style in doc.xpath("//style"):
        urls += re.findall(r"url\(['\"]?([^'\")]+)", style.text or "")
    return urls


def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network connection attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_no_network_even_for_stylesheet_links_and_imports(make_site, run, monkeypatch):
    no_network(monkeypatch)
    template = (default_templates_dir() / "digest.html.j2").read_text("utf-8")
    template = template.replace("<style>\n", '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">\n'
                                             "<style>\n@import url(http://127.0.0.1:9/y.css);\n", 1)
    assert "127.0.0.1:9/y.css" in template
    result, html, _ = render(make_site, run, {"posts/a.html": HOSTILE, "templates/digest.html.j2": template}, FULL)
    assert result.exit_code == 0, result.output
    assert "127.0.0.1" not in html
    assert not lxml.html.fromstring(html).xpath("//link")
    assert result.stderr.splitlines() == [
        "templates/digest.html.j2: warning: removed a stylesheet link (http://127.0.0.1:9/x.css): "
        "mail clients block it; put the CSS in the template's <style>",
        "templates/digest.html.j2: warning: removed an @import rule (@import url(http://127.0.0.1:9/y.css);): "
        "it would need the network",
    ]


def test_no_script_and_no_relative_url_anywhere(make_site, run):
    template = (default_templates_dir() / "digest.html.j2").read_text("utf-8")
    template = template.replace("</style>", ".masthead { background-image: url(/img/bg.png); }\n</style>", 1)
    template = template.replace("<body>", '<body><a href="/about/">About</a><img src="logo.png" alt="">', 1)
    result, html, _ = render(make_site, run, {"posts/a.md": IMAGES, "posts/b.html": HOSTILE,
                                               "templates/digest.html.j2": template}, FULL)
    assert result.exit_code == 0, result.output
    assert "<script" not in html.lower()
    urls = all_urls(html)
    assert "https://example.com/img/bg.png" in urls and "https://example.com/about/" in urls
    assert "https://example.com/blog/logo.png" in urls
    for url in urls:
        assert url.startswith(("https://", "mailto:")), url


def test_hostile_post_comes_out_inert_and_escaped(make_site, run):
    for config in (CONFIG, FULL):
        result, html, root = render(make_site, run, {"posts/a.html": HOSTILE}, config)
        assert result.exit_code == 0, result.output
        doc = lxml.html.fromstring(html)
        assert not doc.xpath("//script | //iframe | //form | //input | //link")
        for element in doc.iter():
            if isinstance(element.tag, str):
                assert not [a for a in element.attrib if a.startswith("on")], element.tag
                assert not [a for a in element.attrib if a.startswith("data-")], element.tag
        assert "javascript:" not in html.lower() and "gotcha" not in html and "steal()" not in html
        title = CSSSelector(".post-title a")(doc)[0]
        assert title.text_content() == "Tom & Jerry" and not title.xpath(".//b")
        assert "Tom &amp; Jerry" in html
        assert CSSSelector(".site-title")(doc)[0].text_content() == "Test & <Site>"
        assert "Test &amp; &lt;Site&gt;" in html
        text = (root / "public" / "digest" / "2026-W47.txt").read_text("utf-8")
        assert "Tom & Jerry" in text and "Test & <Site>" in text and "<script>" not in text


def test_full_content_keeps_image_attributes_and_makes_srcset_absolute(make_site, run):
    _, html, _ = render(make_site, run, {"posts/2026-11-18-pictures.md": IMAGES}, FULL)
    doc = lxml.html.fromstring(html)
    night = doc.xpath("//img[@alt='서울 야경']")[0]
    assert (night.get("width"), night.get("height")) == ("536", "300")
    assert "height:auto" in night.get("style")
    assert night.get("srcset") == ("https://example.com/img/a.png 1x, "
                                   "https://example.com/blog/2026/11/img/a@2x.png 2x")
    # Outlook sizes images by their attributes: a wide one is scaled to the column.
    wide = doc.xpath("//img[@alt='wide']")[0]
    assert (wide.get("width"), wide.get("height")) == ("536", "300")
    lead = CSSSelector(".post-image")(doc)[0]
    assert lead.get("src").startswith("https://example.com/") and lead.get("src").endswith("/img/lead.png")
    # The title follows the image: as its alt text, images off would show the title twice.
    assert (lead.get("width"), lead.get("height"), lead.get("alt")) == ("536", None, "")


def test_nested_media_in_a_site_template_is_kept_not_a_crash(make_site, run):
    template = (default_templates_dir() / "digest.html.j2").read_text("utf-8")
    nested = ("@media screen { @media (max-width: 400px) { .post { padding: 8px !important; } } }\n"
              "a:hover { color: red; }\n")
    template = template.replace("</style>", nested + "</style>", 1)
    result, html, _ = render(make_site, run, {"posts/a.md": post("One"), "templates/digest.html.j2": template})
    assert result.exit_code == 0, result.output
    style = lxml.html.fromstring(html).xpath("//style")[0].text
    assert nested.strip() in style


def test_cssutils_never_prints_nor_piles_up_log_handlers(make_site, run, capfd):
    handlers = list(logging.getLogger("CSSUTILS").handlers)
    template = (default_templates_dir() / "digest.html.j2").read_text("utf-8")
    template = template.replace("</style>", ".post { color: ; width: }}}\n</style>", 1)
    for _ in range(2):
        result, html, _ = render(make_site, run, {"posts/a.md": post("One"), "templates/digest.html.j2": template})
        assert result.exit_code == 0
    assert logging.getLogger("CSSUTILS").handlers == handlers
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""  # CliRunner took our own output
    assert result.stderr.startswith("templates/digest.html.j2: warning: CSS: ")


def test_twenty_posts_with_images_stay_under_gmail_clipping(make_site, run):
    body = "A paragraph of news with a [link](/x/). " * 6
    files = {f"posts/2026-11-{16 + i % 7:02d}-post-{i}.md":
             post(f"Post number {i} with a longer title", f"2026-11-{16 + i % 7} 0{i % 10}:00:00", body,
                  f"image: /img/{i}.png\nexcerpt: '{'요약 문장입니다. ' * 12}'\n") for i in range(20)}
    result, html, root = render(make_site, run, files)
    assert result.exit_code == 0 and "Gmail" not in result.output
    assert len(CSSSelector(".post")(lxml.html.fromstring(html))) == 20
    assert len(html.encode("utf-8")) < 102 * 1024


def test_a_digest_over_the_gmail_limit_warns_with_its_size(make_site, run):
    body = "\n\n".join(f"Paragraph {n} of a very long post, with words and [links](/p/{n}/)." for n in range(120))
    files = {f"posts/p{i}.md": post(f"Long {i}", f"2026-11-17 1{i}:00:00", body) for i in range(8)}
    result, html, _ = render(make_site, run, files, FULL)
    size = len(html.encode("utf-8"))
    assert size > 102 * 1024
    assert result.exit_code == 0
    assert (f"digest/2026-W47.html: warning: the HTML is {size / 1024:.0f} KB; Gmail clips messages over 102 KB "
            "(fewer posts, or digest.full_content = false)") in result.stderr.splitlines()


READERS = """\
---
title: A video, a poll and a script
date: 2026-11-19 10:00:00
image: /img/huge.png
---
<p>Watch:</p>
<iframe width="560" height="315" src="https://www.youtube.com/embed/abc" title="The talk on YouTube"></iframe>
<form action="https://example.com/vote"><label><input type="radio" name="v"> Yes</label>
<label><input type="radio" name="v"> No</label> <button type="submit">Vote</button></form>
<p>Do not <a href="javascript:alert(1)">click this script</a> please.</p>
<p><img src="/blog/img/huge.png"></p>
<p><img src="/blog/img/tall.png" width="200" alt="A video, a poll and a script"></p>
<p><a href="https://example.org/{long}">https://example.org/{long}</a></p>
""".replace("{long}", "a" * 300)


def readers_site(make_site, run, config: str = FULL):
    from PIL import Image

    result, html, root = render(make_site, run, {"posts/2026-11-19-readers.html": READERS}, config)
    (root / "img").mkdir()
    Image.new("RGB", (2400, 1600)).save(root / "img" / "huge.png")
    Image.new("RGB", (400, 800)).save(root / "img" / "tall.png")
    result, html, root = render(make_site, run, {}, config)
    assert result.exit_code == 0, result.output
    return lxml.html.fromstring(html), html


def test_full_content_shows_embeds_as_links_and_drops_forms_and_dead_links_whole(make_site, run):
    doc, _ = readers_site(make_site, run)
    body = CSSSelector(".post-body")(doc)[0]
    video = body.xpath(".//a[@href='https://www.youtube.com/embed/abc']")
    assert [a.text_content() for a in video] == ["The talk on YouTube"]
    words = body.text_content().split()
    assert not {"Yes", "No", "Vote"} & set(words), words
    assert "Do not click this script please." in " ".join(words)
    assert not [a for a in body.iter("a") if not a.get("href")], "a link with no URL shows as one"


def test_full_content_sizes_images_from_their_files_and_shows_each_once_without_the_title(make_site, run):
    doc, _ = readers_site(make_site, run)
    images = doc.xpath("//img")
    # The post's image is in its body: shown once, at the body's place; Outlook needs width and height.
    assert [(i.get("src").rsplit("/", 1)[1], i.get("width"), i.get("height"), i.get("alt")) for i in images] == [
        ("huge.png", "536", "357", ""), ("tall.png", "200", "400", "")]


def test_the_post_image_has_the_width_and_height_of_its_file_in_the_column(make_site, run):
    doc, _ = readers_site(make_site, run, CONFIG)
    lead = CSSSelector(".post-image")(doc)[0]
    assert (lead.get("width"), lead.get("height"), lead.get("alt")) == ("536", "357", "")


def test_a_long_url_is_shown_short_and_links_in_full_in_bodies_and_excerpts(make_site, run):
    long_url = "https://example.org/" + "a" * 300
    shown = ["example.org/" + "a" * 19 + "…"]
    doc, _ = readers_site(make_site, run)
    assert [a.text_content() for a in doc.xpath(f"//a[@href='{long_url}']")] == shown
    excerpt = post("Link", extra=f"excerpt: 'See {long_url}. Then more.'\n")
    _, html, _ = render(make_site, run, {"posts/2026-11-19-readers.html": excerpt})
    doc = lxml.html.fromstring(html)
    assert [a.text_content() for a in doc.xpath(f"//a[@href='{long_url}']")] == shown
    assert CSSSelector(".excerpt")(doc)[0].text_content() == f"See {shown[0]}. Then more."
