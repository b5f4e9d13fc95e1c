"""Write a deterministic Jekyll site of N posts, for the benchmark and tests.

    python bench/gen_posts.py OUT N [--seed S]

OUT gets a ``_config.yml``, a ``syndicate.toml`` (category feeds on; posts in
``_posts``) and ``_posts/YYYY-MM-DD-slug.md`` files shaped like a real news
blog's: dates over about five years with time-zone offsets, categories and
tags, about half with a folded ``excerpt: >``, site-relative images and links,
3-8 KB bodies mixing Markdown and raw HTML, about a third in Korean. The last
``DIGEST_WEEK_POSTS`` posts fall in ISO week ``DIGEST_WEEK`` (Seoul time), the
week before ``NOW``, so every size has a 50-post digest; a few posts are
scheduled after ``NOW`` or are drafts.

The same N and seed always give the same bytes. Pure standard library, so it
runs anywhere; 10,000 posts take a few seconds.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The clock the benchmark (and tests) pass as --now: a Monday morning in Seoul,
# when the digest of the week that just ended (Monday to Sunday) goes out.
NOW = "2026-11-23T09:00:00+09:00"
NOW_MOMENT = datetime.fromisoformat(NOW)
DIGEST_WEEK = "2026-W47"
WEEK_START = datetime.fromisoformat("2026-11-16T00:00:00+09:00")
YEARS = 5
DIGEST_WEEK_POSTS = 50
SITE_URL = "https://news.example.com/"

OFFSETS = [timezone(timedelta(hours=h, minutes=m)) for h, m in
           ((9, 0), (9, 0), (9, 0), (0, 0), (-5, 0), (-8, 0), (1, 0), (5, 30), (-3, 30))]

ENGLISH = ("the city council market report budget school river bridge election vote "
           "museum opening weather storm festival housing rent price train line "
           "station worker union strike court ruling hospital nurse doctor program "
           "startup founder investment fund software release developer night market "
           "harbour ferry island tourist season record rain heat wave power grid "
           "solar wind farm coast fishing boat library book reader author week "
           "morning evening report says plan new old first last many few great "
           "small local national public private open closed after before during").split()
KOREAN = ("서울 부산 시청 의회 예산 학교 강 다리 선거 투표 박물관 개관 날씨 태풍 축제 "
          "주택 월세 가격 기차 노선 역 노동자 파업 법원 판결 병원 간호사 의사 "
          "스타트업 창업자 투자 펀드 소프트웨어 출시 개발자 야시장 항구 여객선 섬 "
          "관광객 계절 기록 비 폭염 전력망 태양광 풍력 해안 어선 도서관 책 독자 "
          "작가 이번 주 아침 저녁 보도 계획 새로운 지역 전국 공공 민간 발표 했다 "
          "있다 없다 그리고 하지만 오늘 내일 시민 정부 회의 결과").split()
CATEGORIES = ["News", "Politics", "Economy", "Tech", "Culture", "Sports", "Science",
              "Opinion", "Local", "World", "뉴스", "정치", "경제", "기술", "문화",
              "스포츠", "서울", "부산", "사설", "국제"]
TAGS_EN = [f"{a}-{b}" for a in ("city", "budget", "rail", "ai", "sea", "art", "school", "health")
           for b in ("plan", "report", "update", "watch", "review")]
TAGS_KO = ["예산", "교통", "인공지능", "바다", "예술", "교육", "건강", "선거", "날씨", "주택"]
AUTHORS = ["Jane Park", "Min-jun Kim", "Alex Doe", "박서연", "이도윤", "Sam Lee"]


class Writer:
    """Text in one language, built from a fixed pool of sentences for speed."""

    def __init__(self, rng: random.Random, words: list[str], korean: bool):
        self.rng = rng
        self.korean = korean
        end = "."
        self.sentences = []
        for _ in range(600):
            chosen = rng.choices(words, k=rng.randint(6, 16))
            text = " ".join(chosen) + end
            self.sentences.append(text if korean else text[0].upper() + text[1:])
        self.words = words

    def words_of(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(self.words, k=self.rng.randint(low, high)))

    def paragraph(self, low: int = 2, high: int = 6) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(low, high)))


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _flow_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def post_dates(rng: random.Random, count: int) -> tuple[list[datetime], int]:
    """``count`` aware dates, oldest first, and how many come before the digest week.

    Then come 50 posts in ISO week DIGEST_WEEK and 3 scheduled after NOW.
    """
    scheduled = 3 if count > DIGEST_WEEK_POSTS + 3 else 0
    week = min(DIGEST_WEEK_POSTS, count - scheduled)
    older = count - week - scheduled
    start = NOW_MOMENT - timedelta(days=365 * YEARS)
    span = (WEEK_START - start).total_seconds()
    dates = sorted(start + timedelta(seconds=rng.uniform(0, span)) for _ in range(older))
    dates += sorted(WEEK_START + timedelta(seconds=rng.uniform(60, 7 * 86400 - 60)) for _ in range(week))
    dates += sorted(NOW_MOMENT + timedelta(days=rng.uniform(1, 30)) for _ in range(scheduled))
    return [moment.replace(microsecond=0) for moment in dates], older


def body(rng: random.Random, writer: Writer, links: list[str], index: int, more: bool) -> str:
    """A 3-8 KB body mixing Markdown blocks and raw HTML, the way CMS exports look."""
    target = rng.randint(3000, 8000)
    blocks = []
    size = 0
    first = True
    while size < target:
        kind = rng.random()
        if first:
            block = writer.paragraph(2, 4)
            first = False
        elif kind < 0.35:
            block = writer.paragraph()
        elif kind < 0.45:
            block = f"## {writer.words_of(3, 7)}"
        elif kind < 0.55:
            link = rng.choice(links)
            block = (f"{writer.paragraph(1, 3)} [{writer.words_of(2, 4)}]({link}) "
                     f"**{writer.words_of(1, 3)}** {writer.paragraph(1, 2)}")
        elif kind < 0.65:
            block = "\n".join(f"- {writer.words_of(3, 9)}" for _ in range(rng.randint(2, 5)))
        elif kind < 0.78:
            block = (f'<p data-block-id="b{index}-{len(blocks)}" class="article-text">&nbsp;'
                     f"{writer.paragraph(1, 4)} <a href=\"{rng.choice(links)}\" "
                     f'data-track="inline">{writer.words_of(1, 3)}</a></p>')
        elif kind < 0.88:
            image = f"/assets/img/{rng.randint(1, 400):03d}"
            block = (f'<figure class="photo" data-id="{index}-{len(blocks)}">\n'
                     f'<img src="{image}.jpg" srcset="{image}-640.jpg 640w, {image}-1280.jpg 1280w" '
                     f'alt="{writer.words_of(2, 5)}" loading="lazy">\n'
                     f"<figcaption>{writer.words_of(4, 10)}</figcaption>\n</figure>")
        elif kind < 0.94:
            block = f"> {writer.paragraph(1, 3)}"
        else:
            block = ("<table>\n<tr><th>항목</th><th>value</th></tr>\n"
                     + "".join(f"<tr><td>{writer.words_of(1, 3)}</td><td>{rng.randint(1, 9999)}</td></tr>\n"
                               for _ in range(rng.randint(2, 5)))
                     + "</table>")
        blocks.append(block)
        size += len(block.encode("utf-8")) + 2
        if more and len(blocks) == 2:
            blocks.append("<!--more-->")
    # A trailing link outside any paragraph, as CMS exports often leave.
    blocks.append(f'<a href="{rng.choice(links)}" data-role="related">{writer.words_of(2, 4)}</a>')
    return "\n\n".join(blocks) + "\n"


JEKYLL_SHARE = 0.2  # with --jekyll, the posts whose bodies hold Liquid and kramdown's attribute lists


def jekyll_constructs(rng: random.Random, index: int) -> list[str]:
    """Blocks a Jekyll post's body holds: Liquid tags and filters, kramdown attribute lists and footnotes."""
    return [
        '{% capture where %}{{ site.title }}{% endcapture %}Filed for {{ where | upcase }} on '
        '{{ page.date | date_to_long_string }}.',
        f'![chart]({{{{ "/assets/img/{index % 400:03d}.png" | absolute_url }}}}){{: width="700"}}',
        "A note for readers.\n{: .prompt-info }",
        f"A claim with a source[^{index}].\n\n[^{index}]: The source of the claim.",
        "{% highlight python %}\nprint(\"bench\")\n{% endhighlight %}",
    ][: rng.randint(2, 5)]


HUGO_BUNDLE_SHARE = 0.1  # with --hugo, the posts that are leaf bundles (a folder with index.md and a picture)


def generate(out: Path, count: int, seed: int = 1, jekyll: bool = False, hugo: bool = False) -> list[Path]:
    """Write the site into ``out`` (emptied first); return the post paths, oldest first.

    ``jekyll``: no syndicate.toml, so the site is read as Jekyll reads it
    (``_config.yml``, Liquid and kramdown), jekyll-feed's category feeds on,
    and a share of posts (``JEKYLL_SHARE``) with Liquid and kramdown in their
    bodies. The other posts are the same bytes as without it.

    ``hugo``: the same posts as a Hugo site's pages, read as Hugo reads them:
    ``hugo.toml`` (``[services.rss] limit = 20``, so that its feeds hold as
    many posts as the other sites'), ``content/posts/<slug>.md``, a share
    (``HUGO_BUNDLE_SHARE``) as leaf bundles, and Hugo's feeds of the section,
    every tag and every category.
    """
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # for the Jekyll constructs: the other posts keep their bytes
    writers = {False: Writer(rng, ENGLISH, False), True: Writer(rng, KOREAN, True)}
    if out.exists():
        shutil.rmtree(out)
    posts_dir = out / ("content/posts" if hugo else "_posts")
    posts_dir.mkdir(parents=True)
    if hugo:
        (out / "hugo.toml").write_text(
            'baseURL = "https://news.example.com/"\ntitle = "Bench News 벤치 뉴스"\nlanguageCode = "ko"\n'
            'timeZone = "Asia/Seoul"\n[params]\ndescription = "A generated news blog for syndicate\'s benchmark."\n'
            '[services.rss]\nlimit = 20\n', encoding="utf-8")
    else:
        (out / "_config.yml").write_text(
            "title: Bench News 벤치 뉴스\n"
            f"url: {SITE_URL.rstrip('/')}\n"
            "baseurl: ''\n"
            "description: A generated news blog for syndicate's benchmark.\n"
            "lang: ko\n"
            "timezone: Asia/Seoul\n"
            "permalink: date\n"
            "markdown: kramdown\n"
            + ("author:\n  name: Bench Newsroom\n  email: news@example.com\n"
               f"feed:\n  posts_limit: 20\n  categories: [{', '.join(CATEGORIES)}]\n" if jekyll else ""),
            encoding="utf-8")
    # A Jekyll site keeps _config.yml, and syndicate.toml adds what Jekyll has
    # no key for; the other site is configured by syndicate.toml alone.
    digest = '[digest]\nunsubscribe_url = "https://news.example.com/unsubscribe"\n'
    (out / "syndicate.toml").write_text(digest if jekyll or hugo else (
        "standalone = true  # syndicate's own rules, not _config.yml's\n"
        'title = "Bench News 벤치 뉴스"\n'
        f'url = "{SITE_URL}"\n'
        'description = "A generated news blog for syndicate\'s benchmark."\n'
        'language = "ko"\n'
        'timezone = "Asia/Seoul"\n'
        'author = { name = "Bench Newsroom", email = "news@example.com" }\n'
        'posts_dir = "_posts"\n'
        'permalink = "date"\n\n'
        "[feed]\nlimit = 20\ncategories = true\n\n" + digest), encoding="utf-8")

    dates, older = post_dates(rng, count)
    paths = []
    # Site-relative links to other posts and pages, as in real archives.
    links = ["/about/", "/contact.html", "/assets/files/report.pdf", "../../../../about/",
             "/2024/03/01/older-story.html", "#top"]
    for index, utc_moment in enumerate(dates):
        korean = rng.random() < 1 / 3
        writer = writers[korean]
        offset = rng.choice(OFFSETS)
        moment = utc_moment.astimezone(offset)
        # Only older posts go without a date (the file name's day, in the
        # site's zone, could fall outside the digest week) or unpublished.
        ordinary = index < older
        title_words = writer.words_of(3, 8)
        slug_base = "-".join(title_words.split()[:5]) if not korean else f"기사-{title_words.split()[0]}"
        slug = f"{slug_base}-{index}"
        categories = rng.sample(CATEGORIES, rng.choice((1, 1, 2, 2, 3)))
        tags = rng.sample(TAGS_KO if korean else TAGS_EN, rng.randint(0, 4))
        lines = ["---", "layout: post", f"title: {_yaml_string(title_words.capitalize())}"]
        if rng.random() < 0.95 or not ordinary:
            lines.append(f"date: {moment:%Y-%m-%d %H:%M:%S %z}")
        lines.append(f"categories: {_flow_list(categories)}")
        if tags:
            lines.append(f"tags: {_flow_list(tags)}")
        with_excerpt = rng.random() < 0.5
        if with_excerpt:
            lines.append("excerpt: >")
            lines += ["  " + writer.words_of(6, 12) for _ in range(rng.randint(2, 3))]
        if rng.random() < 0.7:
            lines.append(f"image: '/assets/img/{rng.randint(1, 400):03d}.png'")
        lines.append(f"author: {_yaml_string(rng.choice(AUTHORS))}")
        if rng.random() < 0.01 and ordinary:
            lines.append("draft: true" if hugo else "published: false")  # Hugo's "published" is a date
        lines.append("---")
        text = "\n".join(lines) + "\n" + body(rng, writer, links, index, more=not with_excerpt and rng.random() < 0.3)
        if jekyll and extra.random() < JEKYLL_SHARE:
            text += "\n" + "\n\n".join(jekyll_constructs(extra, index)) + "\n"
        path = posts_dir / f"{moment:%Y-%m-%d}-{slug}.md"
        if hugo and extra.random() < HUGO_BUNDLE_SHARE:
            path = posts_dir / slug / "index.md"
            path.parent.mkdir()
            (path.parent / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
            text += "\n![A picture of the bundle](photo.png)\n"
        elif hugo:
            path = posts_dir / f"{slug}.md"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the site folder to write (emptied first)")
    parser.add_argument("count", type=int, help="how many posts")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    flavour = parser.add_mutually_exclusive_group()
    flavour.add_argument("--jekyll", action="store_true",
                         help="no syndicate.toml: read as Jekyll reads it, a fifth of the posts with Liquid and kramdown")
    flavour.add_argument("--hugo", action="store_true",
                         help="the same posts as a Hugo site (hugo.toml, content/posts/, a tenth as leaf bundles)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    generate(args.out, args.count, args.seed, args.jekyll, args.hugo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
