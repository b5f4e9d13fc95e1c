"""WebSub: build and publish ping the site's hubs for the feeds whose bytes they changed, once.

The hubs are HTTP servers on 127.0.0.1 in a thread of the test, recording every request.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from tests.conftest import BASIC_CONFIG, NOW, REPO, age, parse_feed

POSTS = {
    "posts/2026-11-20-a.md": "---\ntitle: A\ncategories: [News]\n---\nx\n",
    "posts/2026-11-21-b.md": "---\ntitle: B\ncategories: [Life]\n---\ny\n",
}


class Hub:
    """A WebSub hub that records each request's (path, form, content type) and answers ``status``."""

    def __init__(self):
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        self.status = 204
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("ascii")
                hub.requests.append((self.path, parse_qs(body), self.headers.get("Content-Type")))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def topics(self) -> list[str]:
        """The feed URL of each ping, in order; each ping says it in both hub.url and hub.topic."""
        for _, form, kind in self.requests:
            assert kind == "application/x-www-form-urlencoded"
            assert form["hub.mode"] == ["publish"] and form["hub.url"] == form["hub.topic"]
        return [form["hub.topic"][0] for _, form, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hubs(monkeypatch):
    """Two hubs; proxies off, so that 127.0.0.1 is asked directly."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    made = [Hub(), Hub()]
    yield made
    for hub in made:
        hub.close()


def closed_port_url() -> str:
    """The URL of a port on 127.0.0.1 that nothing listens on: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hub"


def site_with(make_site, *hub_urls: str) -> Path:
    hubs = ", ".join(f'"{url}"' for url in hub_urls)
    site = make_site(POSTS, config=BASIC_CONFIG + f"[feed]\ncategories = true\nhubs = [{hubs}]\n")
    age(site)
    return site


def written(result) -> list[str]:
    return [line.removeprefix("wrote public/") for line in result.stdout.splitlines() if line.startswith("wrote ")]


def url(path: str) -> str:
    return "https://example.com/blog/" + path


def test_a_changed_feed_is_announced_once_to_every_hub_and_an_unchanged_one_never(make_site, run, hubs):
    site = site_with(make_site, hubs[0].url, hubs[1].url)
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    feeds = written(result)
    assert feeds == ["feed.xml", "atom.xml", "feed.json", "feeds/category/life.xml", "feeds/category/life.json",
                     "feeds/category/news.xml", "feeds/category/news.json"]
    for hub in hubs:
        assert hub.topics() == [url(path) for path in feeds]  # one ping per feed
    # The topic is the feed's self link.
    rss = parse_feed(site / "public" / "feeds/category/news.xml")
    assert [link.href for link in rss.feed.links if link.rel == "self"] == [url("feeds/category/news.xml")]
    assert [link.href for link in rss.feed.links if link.rel == "hub"] == [hubs[0].url, hubs[1].url]

    # Nothing changed: no ping. A post touched, its bytes the same: the same feeds, no ping.
    assert run("build", "--site", site, "--now", NOW).exit_code == 0
    os.utime(site / "posts/2026-11-20-a.md")
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0 and written(result) == []
    assert [len(hub.requests) for hub in hubs] == [len(feeds)] * 2

    # One post edited: only the feeds it is in.
    (site / "posts/2026-11-20-a.md").write_text("---\ntitle: A2\ncategories: [News]\n---\nx\n", encoding="utf-8")
    result = run("build", "--site", site, "--now", NOW)
    changed = written(result)
    assert changed == ["feed.xml", "atom.xml", "feed.json", "feeds/category/news.xml", "feeds/category/news.json"]
    for hub in hubs:
        assert hub.topics()[len(feeds):] == [url(path) for path in changed]
    assert not (site / ".syndicate" / "websub.json").exists()  # nothing ever waited


def test_a_hub_that_fails_is_a_warning_and_the_next_run_sends_its_pings_once(make_site, run, hubs):
    down = closed_port_url()
    busy = hubs[0]
    busy.status = 503
    site = site_with(make_site, busy.url, down, hubs[1].url)
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    feeds = [url(path) for path in written(result)]
    warnings = [line for line in result.output.splitlines() if "WebSub" in line]
    assert warnings == [
        f"warning: WebSub hub {busy.url} answered HTTP 503; 7 feed change(s) not announced, the next run tries again",
        f"warning: WebSub hub {down} not reached: [Errno 111] Connection refused; 7 feed change(s) not announced, "
        "the next run tries again"]
    assert len(busy.requests) == 1  # a hub that failed is not asked again within the run
    assert hubs[1].topics() == feeds  # the working hub got its pings
    assert (site / ".syndicate" / "websub.json").exists()

    # The next run changes nothing, and sends what waited to the hub that is back, once.
    busy.status = 202
    busy.requests.clear()
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0 and written(result) == []
    assert busy.topics() == feeds
    assert len(hubs[1].requests) == len(feeds)  # not again
    assert [line for line in result.output.splitlines() if "WebSub" in line] == [warnings[1]]
    result = run("build", "--site", site, "--now", NOW)
    assert busy.topics() == feeds  # sent once
    # The hub that is gone is left out of the configuration: its pings are dropped.
    config = site / "syndicate.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(f', "{down}"', ""), encoding="utf-8")
    result = run("build", "--site", site, "--now", NOW)
    assert result.exit_code == 0 and "WebSub" not in result.output
    assert (site / ".syndicate" / "websub.json").read_text(encoding="utf-8") == '{\n  "pending": []\n}\n'


def test_publish_pings_the_hubs_and_is_quiet_when_a_retry_fails_again(make_site, run, hubs):
    down = closed_port_url()
    site = site_with(make_site, hubs[0].url, down)
    result = run("publish", "--site", site, "--now", NOW)
    assert result.exit_code == 0, result.output
    assert hubs[0].topics() == [url(path) for path in written(result)]
    assert "WebSub hub" in result.output
    # cron's next run: nothing changed; the retry fails again, which -v alone shows.
    result = run("publish", "--site", site, "--now", NOW)
    assert result.exit_code == 0 and result.output == ""
    assert "WebSub hub" in run("publish", "--site", site, "--now", NOW, "-v").output
    assert len(hubs[0].requests) == 7
    # A dry run pings nothing.
    (site / "posts/2026-11-20-a.md").write_text("---\ntitle: A2\ncategories: [News]\n---\nx\n", encoding="utf-8")
    assert run("publish", "--site", site, "--now", NOW, "--dry-run").exit_code == 0
    assert len(hubs[0].requests) == 7
    result = run("publish", "--site", site, "--now", NOW)
    assert hubs[0].topics()[7:] == [url(path) for path in written(result)] and len(written(result)) == 5


@pytest.mark.slow
def test_the_installed_command_pings_a_hub(make_site, hubs):
    site = site_with(make_site, hubs[0].url)
    env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
    done = subprocess.run([sys.executable, "-m", "syndicate", "build", "--site", str(site), "--now", NOW],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert hubs[0].topics()[0] == url("feed.xml") and len(hubs[0].requests) == 7
