"""The digest files as readers and mail tools get them: .eml, plain text, merge tags, UTM."""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from hypothesis import example, given, strategies as st

from syndicate.render.plain import LIST_ITEM, wrap
from syndicate.text import display_width
from tests.conftest import NOW

CONFIG = """\
title = "서울 뉴스"
url = "https://news.example.com/"
language = "ko"
timezone = "Asia/Seoul"
author = { name = "편집국", email = "desk@news.example.com" }

[digest]
unsubscribe_url = "https://news.example.com/unsubscribe"

[email]
from = "서울 뉴스 <digest@news.example.com>"
to = "readers@lists.example.com"
"""

KOREAN = """\
---
title: '서울 스타트업 소식: 11월 셋째 주'
categories: [News]
excerpt: >
  이번 주 서울에서는 인공지능 스타트업 세 곳이 투자 유치를 발표했고,
  성수동에 새로운 창업 지원 센터가 문을 열었습니다. 자세한 내용은 본문에서 확인하세요.
image: '/assets/img/x.png'
date: 2026-11-16 18:30:00
---
<p data-ke-size="size16">투자 소식입니다. <a href="/news/funding.html">투자 정리</a></p>
<p data-ke-size="size16">&nbsp;</p>
<a href="https://www.example.org/source">원문 보기</a>
"""

ENGLISH = """\
---
title: Notes from the desk
date: 2026-11-18 09:00:00
---
A short English post with a [link to the about page](/about/) and
[another site](https://other.example.org/page).
"""


@pytest.fixture
def site(make_site):
    return make_site({"posts/2026-11-16-roundup.html": KOREAN, "posts/2026-11-18-notes.md": ENGLISH},
                     config=CONFIG)


def digest_files(root: Path, period: str = "2026-W47") -> tuple[str, str, bytes]:
    folder = root / "public" / "digest"
    return ((folder / f"{period}.html").read_text("utf-8"), (folder / f"{period}.txt").read_text("utf-8"),
            (folder / f"{period}.eml").read_bytes())


def test_digest_command_writes_period_and_latest_files(site, run):
    result = run("digest", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    names = ["2026-W47.html", "2026-W47.txt", "2026-W47.eml", "latest.html", "latest.txt", "latest.eml",
             "index.html", "feed.xml"]
    assert result.stdout == "".join(f"wrote public/digest/{name}\n" for name in names)
    for kind in ("html", "txt", "eml"):
        assert (site / f"public/digest/latest.{kind}").read_bytes() == (site / f"public/digest/2026-W47.{kind}").read_bytes()


def test_same_posts_and_clock_give_identical_bytes(site, run, tmp_path):
    run("digest", "--site", site, "--now", NOW)
    first = digest_files(site)
    again = run("digest", "--site", site, "--now", NOW, "-v")
    assert "wrote" not in again.output and "unchanged public/digest/latest.eml" in again.output
    # A fresh output folder gets the very same bytes.
    assert run("digest", "--site", site, "--now", NOW, "--out", site / "public" / "again").exit_code == 0
    folder = site / "public" / "again" / "digest"
    assert first == ((folder / "2026-W47.html").read_text("utf-8"), (folder / "2026-W47.txt").read_text("utf-8"),
                     (folder / "2026-W47.eml").read_bytes())


def test_eml_has_exactly_a_text_and_an_html_part_that_decode_back(site, run):
    run("digest", "--site", site, "--now", NOW)
    html, text, eml = digest_files(site)
    assert max(eml) < 128, "the .eml must survive 7-bit transport"
    message = email.message_from_bytes(eml, policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    # MIME text parts travel with CRLF line ends; the letters come back exactly.
    assert parts[0].get_content().replace("\r\n", "\n") == text
    assert parts[1].get_content().replace("\r\n", "\n") == html
    assert all(p.get_content_charset() == "utf-8" for p in parts)
    assert str(message["Subject"]) == "서울 뉴스 — 2026년 11월 16일~22일"
    assert "=?utf-8?" in eml.decode("ascii").split("\r\nSubject: ", 1)[1].split("\r\n", 1)[0]
    assert str(message["From"]) == "서울 뉴스 <digest@news.example.com>"
    assert str(message["To"]) == "readers@lists.example.com"
    assert str(message["Date"]) == "Wed, 25 Nov 2026 09:00:00 +0900"
    assert re.fullmatch(r"<digest\.2026-W47\.[0-9a-f]{20}@news\.example\.com>", str(message["Message-ID"]))
    assert str(message["List-Unsubscribe"]) == "<https://news.example.com/unsubscribe>"
    # One URL for the whole list does not name its recipient: no one-click (RFC 8058).
    assert message["List-Unsubscribe-Post"] is None
    assert str(message["List-Id"]) == "서울 뉴스 <digest.news.example.com>"
    assert "\r\nList-Id: =?utf-8?" in eml.decode("ascii")
    assert "이번 주 서울에서는 인공지능 스타트업 세 곳이" in parts[0].get_content()
    assert "서울 스타트업 소식: 11월 셋째 주" in parts[1].get_content()


def test_message_id_follows_the_posts(site, run):
    run("digest", "--site", site, "--now", NOW)
    before = email.message_from_bytes(digest_files(site)[2], policy=email.policy.default)["Message-ID"]
    (site / "posts" / "2026-11-17-more.md").write_text("---\ntitle: More\ndate: 2026-11-17\n---\nMore.\n", "utf-8")
    run("digest", "--site", site, "--now", NOW)
    after = email.message_from_bytes(digest_files(site)[2], policy=email.policy.default)["Message-ID"]
    assert before != after


def test_mailto_unsubscribe_has_no_one_click_header(make_site, run):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH},
                     config=CONFIG.replace("https://news.example.com/unsubscribe", "mailto:leave@lists.example.com"))
    run("digest", "--site", root, "--now", NOW)
    html, text, eml = digest_files(root)
    message = email.message_from_bytes(eml, policy=email.policy.default)
    assert str(message["List-Unsubscribe"]) == "<mailto:leave@lists.example.com>"
    assert message["List-Unsubscribe-Post"] is None
    assert 'href="mailto:leave@lists.example.com"' in html
    assert "수신 거부: mailto:leave@lists.example.com" in text


def test_bad_from_address_names_the_key(make_site, run):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH}, config=CONFIG.replace(
        'from = "서울 뉴스 <digest@news.example.com>"', 'from = "the newsroom"'))
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.output == "syndicate.toml: email.from is not an email address: 'the newsroom'\n"
    assert not (root / "public" / "digest").exists()


TAGS = {
    "mailchimp": ("*|UNSUB|*", "*|ARCHIVE|*"),
    "listmonk": ("{{ UnsubscribeURL }}", "{{ MessageURL }}"),
    "sendy": ("[unsubscribe]", "[webversion]"),
    "buttondown": ("{{ unsubscribe_url }}", "{{ email.absolute_url }}"),
}


@pytest.mark.parametrize("tool", sorted(TAGS))
def test_each_list_tool_gets_its_own_tags_in_both_parts(site, run, tool):
    assert run("digest", "--site", site, "--now", NOW, "--for", tool).exit_code == 0
    html, text, eml = digest_files(site)
    unsubscribe, web_version = TAGS[tool]
    assert f'href="{unsubscribe}"' in html and f'href="{web_version}"' in html
    assert f"수신 거부: {unsubscribe}\n" in text and f"브라우저에서 보기: {web_version}\n" in text
    assert "syndicate.invalid" not in html + text
    message = email.message_from_bytes(eml, policy=email.policy.default)
    assert [p.get_content().count(unsubscribe) for p in message.iter_parts()] == [1, 1]


def test_list_tool_from_config(make_site, run):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH}, config=CONFIG.replace(
        "[digest]\n", '[digest]\nlist_tool = "listmonk"\n'))
    run("digest", "--site", root, "--now", NOW)
    assert 'href="{{ UnsubscribeURL }}"' in digest_files(root)[0]


def test_campaign_monitor_uses_its_elements_in_html_and_tags_in_text(site, run):
    run("digest", "--site", site, "--now", NOW, "--for", "campaign-monitor")
    html, text, _ = digest_files(site)
    assert re.search(r'<unsubscribe style="[^"]+">수신 거부</unsubscribe>', html)
    assert re.search(r'<webversion style="[^"]+">브라우저에서 보기</webversion>', html)
    assert "수신 거부: [unsubscribe]\n" in text and "브라우저에서 보기: [webversion]\n" in text


@pytest.mark.parametrize("tool", ["mailman", "plain"])
def test_mailman_and_plain_print_the_configured_links(site, run, tool):
    run("digest", "--site", site, "--now", NOW, "--for", tool)
    html, text, _ = digest_files(site)
    assert 'href="https://news.example.com/unsubscribe"' in html
    assert 'href="https://news.example.com/digest/2026-W47.html"' in html
    assert "수신 거부: https://news.example.com/unsubscribe\n" in text


def test_plain_without_an_unsubscribe_url_warns(make_site, run):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH},
                     config=CONFIG.replace('unsubscribe_url = "https://news.example.com/unsubscribe"\n', ""))
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 0
    assert result.stderr == "syndicate.toml: warning: digest.unsubscribe_url is not set: the digest has no unsubscribe link\n"
    assert "수신 거부" not in digest_files(root)[1]
    assert run("digest", "--site", root, "--now", NOW, "--strict").exit_code == 1


def test_utm_parameters_go_on_links_to_the_site_only(make_site, run):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH}, config=CONFIG.replace(
        "[digest]\n", '[digest]\nfull_content = true\nutm = { source = "newsletter", medium = "email", '
                      'campaign = "digest-{{ period }}" }\n'))
    run("digest", "--site", root, "--now", NOW)
    html, text, _ = digest_files(root)
    hrefs = [a.get("href") for a in lxml.html.fromstring(html).iter("a")]
    utm = "utm_campaign=digest-2026-W47&utm_medium=email&utm_source=newsletter"
    assert f"https://news.example.com/about/?{utm}" in hrefs
    assert f"https://news.example.com/2026/11/18/notes.html?{utm}" in hrefs
    assert "https://other.example.org/page" in hrefs
    assert "https://news.example.com/unsubscribe" in hrefs  # untouched: not an article
    assert f"https://news.example.com/2026/11/18/notes.html?{utm}\n" in text


def test_plain_text_is_wrapped_without_breaking_urls_or_hangul(site, run):
    run("digest", "--site", site, "--now", NOW)
    _, text, _ = digest_files(site)
    for line in text.splitlines():
        if "://" not in line:
            assert display_width(line) <= 78, line
    assert "https://news.example.com/news/2026/11/16/roundup.html\n" in text
    words = "이번 주 서울에서는 인공지능 스타트업 세 곳이 투자 유치를 발표했고, 성수동에 새로운 창업 지원 센터가 문을 열었습니다."
    assert words in " ".join(text.split())
    assert "2026년 11월 16일 · 편집국" in text


def test_full_content_text_part_keeps_paragraphs_and_link_urls(make_site, run):
    root = make_site({"posts/2026-11-16-roundup.html": KOREAN},
                     config=CONFIG.replace("[digest]\n", "[digest]\nfull_content = true\n"))
    run("digest", "--site", root, "--now", NOW)
    _, text, _ = digest_files(root)
    assert "투자 소식입니다. 투자 정리 <https://news.example.com/news/funding.html>\n\n원문 보기 <https://www.example.org/source>" in text


STRUCTURED = """\
---
title: Structure
date: 2026-11-18 10:00:00
---
Steps:

3. Third, from three
4. Fourth, with a long item that goes on past the seventy-two columns of a plain-text line
   - nested under four
     - and deeper
5. Fifth

```
def f(x):
    return [x,   x]  # spacing kept, and this long line of code is never folded into the next one

print(f(1))
```

| 이름 | 값 |
|---|---|
| 사과 | 3 |
| Banana | 12 |

| Region | January | February | March | April | May | Notes |
|---|---|---|---|---|---|---|
| Seoul-metropolitan-area | 1,234,567 | 2,345,678 | 3,456,789 | 4,567,890 | 5,678,901 | fast growth |
"""


def test_full_content_text_part_keeps_lists_code_and_tables(make_site, run):
    root = make_site({"posts/2026-11-18-structure.md": STRUCTURED},
                     config=CONFIG.replace("[digest]\n", "[digest]\nfull_content = true\n"))
    run("digest", "--site", root, "--now", NOW)
    _, text, _ = digest_files(root)
    assert ("Steps:\n\n3. Third, from three\n\n"
            "4. Fourth, with a long item that goes on past the seventy-two columns of\n"
            "   a plain-text line\n\n"
            "   - nested under four\n\n"
            "      - and deeper\n\n"
            "5. Fifth\n\n") in text
    assert ("    def f(x):\n"
            "        return [x,   x]  # spacing kept, and this long line of code is never folded into the next one\n"
            "\n    print(f(1))\n") in text
    assert "    이름    값\n    사과    3\n    Banana  12\n" in text
    assert ("    Region: Seoul-metropolitan-area\n    January: 1,234,567\n    February: 2,345,678\n"
            "    March: 3,456,789\n    April: 4,567,890\n    May: 5,678,901\n    Notes: fast growth\n") in text


@pytest.mark.slow
def test_installed_command_runs_as_a_subprocess(site):
    result = subprocess.run([sys.executable, "-m", "syndicate", "digest", "--site", str(site), "--now", NOW,
                             "--week", "2026-W47", "-q"], capture_output=True, text=True, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert (site / "public" / "digest" / "2026-W47.eml").is_file()

WORDS = st.lists(st.one_of(st.text(alphabet="가나다라마바사아자차카타파하", min_size=1, max_size=12),
                           st.text(alphabet="abcdefghij-.,", min_size=1, max_size=15),
                           st.just("https://news.example.com/news/2026/11/16/a-very-long-url-that-never-breaks.html")),
                 min_size=1, max_size=60)


@given(WORDS)
@example(["-", "가", "https://news.example.com/news/2026/11/16/a-very-long-url-that-never-breaks.html"])
def test_wrap_keeps_every_word_and_fits_lines_unless_a_word_cannot(words):
    wrapped = wrap(" ".join(words), 72)
    assert wrapped.split() == words
    for line in wrapped.split("\n"):
        # Only one word too long for a line may overrun it, after a list item's marker ("- https://…")
        # or the indent its next lines hang from ("  https://…").
        marker = LIST_ITEM.match(line)
        start = marker.end() if marker else len(line) - len(line.lstrip(" "))
        assert display_width(line) <= 72 or " " not in line[start:]


@pytest.mark.parametrize("language, read_more, unsubscribe", [
    ("ko", "더 읽기 →", "수신 거부: "), ("en", "Read more →", "Unsubscribe: "), ("de", "Read more →", "Unsubscribe: ")])
def test_default_templates_speak_the_site_language_or_english(make_site, run, language, read_more, unsubscribe):
    root = make_site({"posts/2026-11-18-notes.md": ENGLISH},
                     config=CONFIG.replace('language = "ko"', f'language = "{language}"'))
    run("digest", "--site", root, "--now", NOW)
    html, text, _ = digest_files(root)
    assert f">{read_more}</a>" in html
    assert f"\n{unsubscribe}https://news.example.com/unsubscribe\n" in text
