"""What issue 16 asks to see: a 20-post full-content digest under Gmail's clipping limit, and the
.eml as a real mail client's parser (mblaze, from Debian; .ci/run installs it) reads it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import NOW, REPO
from tests.test_digest import CONFIG, ENGLISH, KOREAN

GMAIL_CLIP = 102 * 1024  # bytes of HTML past which Gmail shows "[Message clipped] View entire message"

# A post as blogs write them: a few paragraphs, a heading, a list, a quotation, code, an image and links.
FULL_POST = """\
---
title: 'Week note {n}: what we shipped'
date: 2026-11-{day:02d} {hour:02d}:00:00
image: /assets/img/x.png
---
This week we shipped the new search page, rewrote the import tool and answered
questions from readers. Here is what changed, why, and what comes next for the
project; the [changelog](https://example.org/changelog/{n}) has every detail.

## What changed

- The search page loads in half the time, on phones too.
- Imports keep the original dates and authors.
- Feeds carry the full text of each post.

> We measured before and after on the same machine, ten runs each.

```
$ tool import --keep-dates archive.xml
imported 120 posts
```

서울 사무실에서는 새 검색 페이지를 시험했습니다. 다음 주에는 가져오기 도구의
오류 보고를 다듬고, 독자 여러분이 보내 주신 질문에 답하겠습니다.

![The new search page](/assets/img/x.png)

Thanks to everyone who wrote in. See [the roadmap](https://example.org/roadmap) for
what is planned, and reply to this email with ideas.
"""


def test_a_20_post_full_content_digest_is_not_clipped_by_gmail(make_site, run):
    posts = {f"posts/2026-11-{16 + n % 7:02d}-note-{n}.md": FULL_POST.format(n=n, day=16 + n % 7, hour=n % 24)
             for n in range(20)}
    image = (REPO / "assets/img/seoul-skyline.png").read_bytes()
    site = make_site({**posts, "assets/img/x.png": image},
                     config=CONFIG.replace("[digest]\n", "[digest]\nfull_content = true\n"))
    result = run("digest", "--site", site, "--week", "2026-W47", "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "Gmail clips" not in result.output
    html = (site / "public/digest/2026-W47.html").read_bytes()
    assert html.count(b"what we shipped") >= 20 * 2  # each title, in the contents list and above its body
    assert html.count(b"imported 120 posts") == 20  # the bodies are in it, not excerpts
    assert len(html) < GMAIL_CLIP, f"the HTML part is {len(html) / 1024:.1f} KB"


MBLAZE = ("mblaze's mshow and mhdr are not installed: `apt-get install mblaze` "
          "(Debian's mail client tools; .ci/run installs them)")


def mblaze(*args: str | Path) -> str:
    if not (shutil.which("mshow") and shutil.which("mhdr")):
        pytest.fail(MBLAZE)
    done = subprocess.run([str(arg) for arg in args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
                               "MBLAZE": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_mblaze_reads_the_headers_both_parts_and_the_hangul_subject(make_site, run):
    site = make_site({"posts/2026-11-16-roundup.html": KOREAN, "posts/2026-11-18-notes.md": ENGLISH},
                     config=CONFIG)
    assert run("digest", "--site", site, "--week", "2026-W47", "--now", NOW).exit_code == 0
    eml = site / "public/digest/2026-W47.eml"

    def header(name: str) -> str:
        return mblaze("mhdr", "-d", "-h", name, eml).strip()

    assert header("subject") == "서울 뉴스 — 2026년 11월 16일~22일"
    assert header("from") == "서울 뉴스 <digest@news.example.com>"
    assert header("to") == "readers@lists.example.com"
    assert header("list-unsubscribe") == "<https://news.example.com/unsubscribe>"
    assert header("message-id").startswith("<digest.2026-W47.") and header("message-id").endswith(
        "@news.example.com>")
    structure = [line.split(":", 1)[1].split()[0] for line in mblaze("mshow", "-t", eml).splitlines()[1:]]
    assert structure == ["multipart/alternative", "text/plain", "text/html"]
    text, html = mblaze("mshow", "-O", eml, "2"), mblaze("mshow", "-O", eml, "3")
    assert "서울 스타트업 소식: 11월 셋째 주" in text and "Notes from the desk" in text
    assert "https://news.example.com/digest/2026-W47.html" in text
    assert "서울 스타트업 소식: 11월 셋째 주" in html and html.lstrip().startswith("<!DOCTYPE html>")
