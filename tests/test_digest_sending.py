"""Sending that list tools and Gmail accept: refusals, List-* headers, one Message-ID per variant,
and merge-tag syntax from posts shown as text, never filled in by the list tool."""

from __future__ import annotations

import email
import email.policy
import json

import pytest

from tests.conftest import BASIC_CONFIG, NOW
from tests.smtp_sink import Sink, digest_config, running

UNSUBSCRIBE = 'unsubscribe_url = "https://example.com/unsubscribe"\n'
POSTS = {
    "posts/2026-11-16-monday.md": "---\ntitle: Monday news\nexcerpt: The week begins.\n---\nBody one.\n",
    "posts/2026-11-19-thursday.md": "---\ntitle: 목요일 소식\nexcerpt: 한국어 요약.\n---\n본문.\n",
}
DUE = "2026-11-23T08:00:00+09:00"
WORD_JOINER = "\u2060"


def site_with(make_site, port: int, extra: str = "", *, unsubscribe: str = UNSUBSCRIBE, posts=POSTS):
    tables = digest_config(port).replace(UNSUBSCRIBE, unsubscribe)
    return make_site(posts, config=BASIC_CONFIG + tables.replace("[digest]\n", "[digest]\n" + extra, 1))


def eml(root, period: str = "2026-W47") -> email.message.EmailMessage:
    return email.message_from_bytes((root / f"public/digest/{period}.eml").read_bytes(),
                                    policy=email.policy.default)


def recorded(root) -> dict:
    path = root / ".syndicate/state.json"
    return {d["period"]: d for d in json.loads(path.read_text())["digests"]} if path.exists() else {}


# --- refusals -------------------------------------------------------------------------


def test_digest_send_without_an_unsubscribe_route_is_refused(make_site, run):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port, unsubscribe="")
        result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47", "--for", "plain", "--send")
    assert result.exit_code == 1
    assert result.output == ("syndicate.toml: digest.unsubscribe_url is not set: a digest is not sent without an "
                             "unsubscribe link (set digest.unsubscribe_url or digest.unsubscribe_mailto)\n")
    assert sink.messages == [] and recorded(root) == {}
    assert not (root / "public/digest").exists()


def test_a_mailto_alone_is_an_unsubscribe_route(make_site, run):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port, unsubscribe='unsubscribe_mailto = "leave@example.com"\n')
        result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47", "--send")
    assert result.exit_code == 0, result.output
    assert [str(m["List-Unsubscribe"]) for m in sink.messages] == ["<mailto:leave@example.com>"]


def test_publish_refuses_to_send_without_an_unsubscribe_route_and_sends_once_it_has_one(make_site, run):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port, unsubscribe="")
        refused = run("publish", "--site", root, "--now", DUE)
        assert refused.exit_code == 1
        assert refused.output.splitlines()[0] == (
            "syndicate.toml: digest.unsubscribe_url is not set: a digest is not sent without "
            "an unsubscribe link (set digest.unsubscribe_url or digest.unsubscribe_mailto)")
        assert refused.output.splitlines()[-1] == "failed: 1 problem(s)"
        assert sink.messages == [] and recorded(root) == {}
        assert (root / "public/feed.xml").exists()  # the feeds are written all the same
        config = (root / "syndicate.toml").read_text()
        (root / "syndicate.toml").write_text(config.replace("[digest]\n", "[digest]\n" + UNSUBSCRIBE, 1))
        sent = run("publish", "--site", root, "--now", "2026-11-23T08:05:00+09:00")
    assert sent.exit_code == 0, sent.output
    assert len(sink.messages) == 1 and recorded(root)["2026-W47"]["status"] == "sent"


@pytest.mark.parametrize("tool, tags", [
    ("mailchimp", "Mailchimp fills in its tags (*|UNSUB|*, *|ARCHIVE|*)"),
    ("listmonk", "listmonk fills in its tags ({{ UnsubscribeURL }}, {{ MessageURL }})"),
    ("sendy", "Sendy fills in its tags ([unsubscribe], [webversion])"),
    ("buttondown", "Buttondown fills in its tags ({{ unsubscribe_url }}, {{ email.absolute_url }})"),
    ("campaign-monitor", "Campaign Monitor fills in its tags ([unsubscribe], [webversion])"),
])
def test_send_for_a_list_tool_with_merge_tags_is_refused(make_site, run, tool, tags):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port)
        result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47", "--for", tool, "--send")
    assert result.exit_code == 1
    assert result.output == (f"--for {tool}: not sent, as only {tags} when it sends; import public/digest/ "
                             f"into {tags.split(' fills')[0]}, or send with --for plain or mailman\n")
    assert sink.messages == [] and recorded(root) == {}


def test_publish_with_a_list_tool_with_merge_tags_is_refused(make_site, run):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port, 'list_tool = "mailchimp"\n')
        result = run("publish", "--site", root, "--now", DUE)
    assert result.exit_code == 1
    assert result.output.startswith('syndicate.toml: digest.list_tool = "mailchimp": not sent, as only Mailchimp '
                                    "fills in its tags (*|UNSUB|*, *|ARCHIVE|*) when it sends;")
    assert result.output.splitlines()[1:] == ["wrote public/feed.xml", "wrote public/atom.xml",
                                              "wrote public/feed.json", "failed: 1 problem(s)"]
    assert sink.messages == []


def test_mailman_is_sent_as_before(make_site, run):
    sink = Sink()
    with running(sink) as port:
        root = site_with(make_site, port)
        result = run("digest", "--site", root, "--now", NOW, "--week", "2026-W47", "--for", "mailman", "--send")
    assert result.exit_code == 0, result.output
    assert len(sink.messages) == 1


# --- List-Unsubscribe, List-Unsubscribe-Post, List-Id ------------------------------------


def test_one_click_only_for_a_url_that_names_its_recipient(make_site, run):
    root = site_with(make_site, 25, unsubscribe='unsubscribe_url = "https://example.com/leave?who={recipient}&a=1"\n')
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    message = eml(root)
    assert str(message["List-Unsubscribe"]) == "<https://example.com/leave?who={recipient}&a=1>"
    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    # The placeholder reaches the list server as written, in both parts, for it to fill.
    html = (root / "public/digest/2026-W47.html").read_text("utf-8")
    text = (root / "public/digest/2026-W47.txt").read_text("utf-8")
    assert 'href="https://example.com/leave?who={recipient}&amp;a=1"' in html
    assert "Unsubscribe: https://example.com/leave?who={recipient}&a=1" in text


def test_https_and_mailto_together(make_site, run):
    root = site_with(make_site, 25, unsubscribe=UNSUBSCRIBE + 'unsubscribe_mailto = "mailto:leave@example.com"\n')
    assert run("digest", "--site", root, "--now", NOW).exit_code == 0
    message = eml(root)
    # Folded onto a line of its own, as any long header: a mail client unfolds it.
    assert str(message["List-Unsubscribe"]).strip() == "<https://example.com/unsubscribe>, <mailto:leave@example.com>"
    assert message["List-Unsubscribe-Post"] is None  # one URL for everyone
    assert 'href="https://example.com/unsubscribe"' in (root / "public/digest/2026-W47.html").read_text("utf-8")


def test_list_id_by_default_and_from_config(make_site, run):
    root = site_with(make_site, 25)
    run("digest", "--site", root, "--now", NOW)
    assert str(eml(root)["List-Id"]) == '"Test Site" <digest.example.com>'
    (root / "syndicate.toml").write_text((root / "syndicate.toml").read_text().replace(
        "[email]\n", '[email]\nlist_id = "weekly.example.com"\n'))
    run("digest", "--site", root, "--now", NOW)
    assert str(eml(root)["List-Id"]) == '"Test Site" <weekly.example.com>'


@pytest.mark.parametrize("key, value, problem", [
    ("email", 'list_id = "weekly"', "email.list_id must be a list id such as"),
    ("digest", 'unsubscribe_mailto = "https://example.com/x"', "digest.unsubscribe_mailto must be a mailto: address"),
])
def test_bad_list_keys_name_the_key(make_site, run, key, value, problem):
    root = site_with(make_site, 25)
    (root / "syndicate.toml").write_text((root / "syndicate.toml").read_text().replace(
        f"[{key}]\n", f"[{key}]\n{value}\n", 1))
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 1
    assert result.output.startswith("syndicate.toml") and problem in result.output
    assert len(result.output.splitlines()) == 1


# --- one Message-ID per variant ----------------------------------------------------------


def test_each_variant_of_a_week_has_its_own_message_id(make_site, run):
    root = site_with(make_site, 25)
    ids = {}
    for full in (False, True):
        if full:
            (root / "syndicate.toml").write_text((root / "syndicate.toml").read_text().replace(
                "[digest]\n", "[digest]\nfull_content = true\n", 1))
        for tool in ("plain", "mailman", "mailchimp", "listmonk", "sendy", "buttondown", "campaign-monitor"):
            assert run("digest", "--site", root, "--now", NOW, "--for", tool).exit_code == 0
            ids[tool, full] = str(eml(root)["Message-ID"])
    assert len(set(ids.values())) == len(ids) == 14
    assert all(i.startswith("<digest.2026-W47.") and i.endswith("@example.com>") for i in ids.values())


# --- merge-tag syntax in posts ----------------------------------------------------------

NAMES = {"mailchimp": "Mailchimp", "listmonk": "listmonk", "sendy": "Sendy", "buttondown": "Buttondown",
         "campaign-monitor": "Campaign Monitor"}
HOSTILE = {
    "mailchimp": "*|EMAIL|*",
    "listmonk": "{{ .Subscriber.Email }}",
    "sendy": "[Email]",
    "buttondown": "{{ subscriber.email }}",
    "campaign-monitor": "[firstname,fallback=reader]",
}


@pytest.mark.parametrize("tool", sorted(HOSTILE))
@pytest.mark.parametrize("full", [False, True])
def test_merge_tags_in_posts_are_shown_as_text_not_filled_in(make_site, run, tool, full):
    tag = HOSTILE[tool]
    post = (f"---\ntitle: 'Title {tag}'\ndate: 2026-11-18 09:00:00\nexcerpt: 'Excerpt {tag}'\n---\n"
            f"<p>Body {tag}</p>\n")
    root = site_with(make_site, 25, "full_content = true\n" if full else "",
                     posts={"posts/2026-11-18-tags.html": post})
    result = run("digest", "--site", root, "--now", NOW, "--for", tool)
    assert result.exit_code == 0
    where = f"title ({tag}), excerpt ({tag})" + (f", body ({tag})" if full else "")
    assert result.stderr == (f"posts/2026-11-18-tags.html: warning: {NAMES[tool]} merge-tag syntax in the {where}: "
                             "shown as text, not filled in\n")
    html = (root / "public/digest/2026-W47.html").read_text("utf-8")
    text = (root / "public/digest/2026-W47.txt").read_text("utf-8")
    message = eml(root)
    for part in (html, text, *(p.get_content() for p in message.iter_parts()), str(message["Subject"])):
        assert tag not in part  # the tool finds nothing to fill in
    # Readers see the same characters.
    shown = (html + text).replace(WORD_JOINER, "")
    assert f"Title {tag}" in shown.replace("&#34;", '"')
    assert (f"Body {tag}" if full else f"Excerpt {tag}") in text.replace(WORD_JOINER, "")


def test_plain_keeps_such_text_byte_for_byte(make_site, run):
    post = "---\ntitle: 'Title *|EMAIL|* {{ x }}'\ndate: 2026-11-18 09:00:00\n---\nBody.\n"
    root = site_with(make_site, 25, posts={"posts/2026-11-18-tags.md": post})
    result = run("digest", "--site", root, "--now", NOW)
    assert result.exit_code == 0 and result.stderr == ""
    assert "Title *|EMAIL|* {{ x }}" in (root / "public/digest/2026-W47.txt").read_text("utf-8")
