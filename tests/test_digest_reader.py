"""What newsletter readers expect of the digest: the web version at the top, why they get it, a postal address."""

from __future__ import annotations

import lxml.html
import pytest

from tests.conftest import NOW

POST = "---\ntitle: Hello\ndate: 2026-11-18 09:00:00\n---\nBody.\n"


def config(language: str = "en", extra: str = "") -> str:
    return (f'title = "Example News"\nurl = "https://news.example.com/"\nlanguage = "{language}"\n'
            'timezone = "Asia/Seoul"\n\n[digest]\nunsubscribe_url = "https://news.example.com/leave"\n\n'
            f'[email]\nfrom = "News <news@example.com>"\n{extra}')


def digest(make_site, run, cfg: str, *flags: str) -> tuple[lxml.html.HtmlElement, str]:
    root = make_site({"posts/2026-11-18-hello.md": POST}, config=cfg)
    result = run("digest", "--site", root, "--now", NOW, *flags)
    assert result.exit_code == 0, result.output
    html = (root / "public/digest/2026-W47.html").read_text("utf-8")
    return lxml.html.fromstring(html), (root / "public/digest/2026-W47.txt").read_text("utf-8")


@pytest.mark.parametrize("tool, link", [("plain", "https://news.example.com/digest/2026-W47.html"),
                                        ("mailchimp", "*|ARCHIVE|*")])
def test_the_web_version_link_is_at_the_top_as_well(make_site, run, tool, link):
    page, text = digest(make_site, run, config(), "--for", tool)
    links = [(a.get("href"), a.text_content()) for a in page.iter("a")]
    assert links[0] == (link, "View this email in your browser")  # before the site's title
    assert links.count((link, "View this email in your browser")) == 2  # and in the footer
    assert text.splitlines()[0] == f"View in your browser: {link}"


def test_the_footer_says_why_and_gives_the_postal_address(make_site, run):
    address = 'postal_address = """\nExample News Ltd.\n1 Main Street\nSpringfield 12345\n"""\n'
    page, text = digest(make_site, run, config(extra=address))
    footer = page.find_class("footer")[0].text_content()
    assert "You are receiving this because you subscribed to Example News." in footer
    # One line each, after the links.
    assert [br.tail for br in page.find_class("footer")[0].iter("br")][-3:] == [
        "Example News Ltd.", "1 Main Street", "Springfield 12345"]
    assert text.endswith("You are receiving this because you subscribed to Example News.\n\n"
                         "View in your browser: https://news.example.com/digest/2026-W47.html\n"
                         "Unsubscribe: https://news.example.com/leave\n\n"
                         "Example News Ltd.\n1 Main Street\nSpringfield 12345\n")


def test_the_why_line_in_korean_and_no_address_when_none(make_site, run):
    page, text = digest(make_site, run, config("ko"))
    assert "Example News 구독을 신청하셔서 받으시는 메일입니다." in page.find_class("footer")[0].text_content()
    assert text.endswith("Example News 구독을 신청하셔서 받으시는 메일입니다.\n\n"
                         "브라우저에서 보기: https://news.example.com/digest/2026-W47.html\n"
                         "수신 거부: https://news.example.com/leave\n")


def test_the_logo_sits_above_the_title_sized_from_its_file(make_site, run):
    from PIL import Image

    root = make_site({"posts/2026-11-18-hello.md": POST}, config=config().replace(
        "[digest]\n", '[digest]\nlogo = "/assets/logo.png"\n'))
    (root / "assets").mkdir()
    Image.new("RGB", (600, 150), (10, 20, 30)).save(root / "assets/logo.png")
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    page = lxml.html.fromstring((root / "public/digest/2026-W47.html").read_text("utf-8"))
    masthead = page.find_class("masthead")[0]
    logo, title = masthead.find(".//img"), masthead.find_class("site-title")[0]
    assert (logo.get("src"), logo.get("width"), logo.get("height")) == (
        "https://news.example.com/assets/logo.png", "200", "50")  # scaled down, for Outlook
    # Images off would show an alt text, and the title follows: it stays empty.
    assert logo.get("alt") == "" and title.text_content() == "Example News"
    assert list(masthead.iter()).index(logo) < list(masthead.iter()).index(title)


def test_no_logo_by_default(make_site, run):
    page, _ = digest(make_site, run, config())
    assert page.find_class("masthead")[0].find(".//img") is None


def test_the_intro_from_the_config_in_markdown(make_site, run):
    intro = 'intro = "Hello **readers**: see [the archive](/archive/)."\n'
    page, text = digest(make_site, run, config().replace("[digest]\n", "[digest]\n" + intro))
    html = lxml.html.tostring(page.find_class("intro")[0], encoding="unicode")
    assert "<strong" in html and 'href="https://news.example.com/archive/"' in html
    assert page.find_class("intro")[0].text_content().strip() == "Hello readers: see the archive."
    assert "Nov 16 – 22, 2026\n\nHello readers: see the archive <https://news.example.com/archive/>.\n\n" \
        in text.replace("\u2009", " ")


def test_an_issue_of_its_own_has_its_intro_file(make_site, run):
    root = make_site({"posts/2026-11-18-hello.md": POST, "_intros/2026-W47.md": "This week: *one* post.\n"},
                     config=config().replace("[digest]\n", '[digest]\nintro = "The usual words."\n'))
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    page = lxml.html.fromstring((root / "public/digest/2026-W47.html").read_text("utf-8"))
    assert page.find_class("intro")[0].text_content().strip() == "This week: one post."
    assert "This week: one post." in (root / "public/digest/2026-W47.txt").read_text("utf-8")
    # An issue without its own file has the configured words.
    (root / "_intros/2026-W47.md").rename(root / "_intros/2026-W46.md")
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    assert "The usual words." in (root / "public/digest/2026-W47.txt").read_text("utf-8")
    (root / "_intros/2026-W47.md").write_bytes(b"\xff\xfe bad")
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.output.startswith("_intros/2026-W47.md: cannot read this issue's intro")
    assert len(result.output.splitlines()) == 1


def test_no_intro_by_default(make_site, run):
    page, text = digest(make_site, run, config())
    assert page.find_class("intro") == []


@pytest.mark.parametrize("count, listed", [(5, False), (6, True)])
def test_in_this_issue_when_more_than_five_posts(make_site, run, count, listed):
    posts = {f"posts/2026-11-{16 + day}-p.md": f"---\ntitle: Post {day}\ndate: 2026-11-{16 + day} 09:00:00\n---\nB.\n"
             for day in range(count)}
    root = make_site(posts, config=config())
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    page = lxml.html.fromstring((root / "public/digest/2026-W47.html").read_text("utf-8"))
    text = (root / "public/digest/2026-W47.txt").read_text("utf-8")
    if not listed:
        assert page.find_class("contents") == [] and "In this issue" not in text
        return
    contents = page.find_class("contents")[0]
    titles = [f"Post {day}" for day in reversed(range(count))]  # newest first, as the posts
    assert contents.find_class("contents-title")[0].text_content() == "In this issue"
    assert [(a.text_content(), a.get("href")) for a in contents.iter("a")] == [
        (title, f"https://news.example.com/2026/11/{16 + int(title.split()[1])}/p.html") for title in titles]
    assert "In this issue:\n" + "".join(f"{n}. {t}\n" for n, t in enumerate(titles, 1)) in text


def test_in_this_issue_threshold_from_config(make_site, run):
    page, text = digest(make_site, run, config().replace("[digest]\n", "[digest]\ncontents_after = 1\n"))
    assert page.find_class("contents") == []
    root_posts = {"posts/2026-11-18-hello.md": POST, "posts/2026-11-19-more.md": POST.replace("Hello", "More")
                  .replace("11-18", "11-19")}
    root = make_site(root_posts, config=config().replace("[digest]\n", "[digest]\ncontents_after = 1\n"))
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    assert "In this issue:\n1. More\n2. Hello\n" in (root / "public/digest/2026-W47.txt").read_text("utf-8")
