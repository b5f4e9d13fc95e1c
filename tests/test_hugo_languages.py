"""Multilingual Hugo sites and Hugo's configuration environments, against ``hugo`` 0.111 where it can tell.

Every language's Atom and JSON Feed beside Hugo's RSS (``/en/atom.xml``),
a digest in another language (``[digest] language``), languages in folders
of their own (``[languages.en] contentDir``), ``config/<environment>/``,
a leaf bundle's files on an ``uglyURLs`` site, and ``:git`` dates
(``enableGitInfo``). The fixture sites ``language-folders``,
``environments`` and ``ugly-bundles`` in tests/hugo/ are also compared
feed by feed with Hugo's by tests/test_hugo.py; git dates are tried on a
repository each test makes (git is on the machine, as hugo is: without it
those tests fail, never skip).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from click.testing import CliRunner

from syndicate.cli import cli
from syndicate.sources.hugo import environment, merged
from tests.conftest import age, parse_feed
from tests.test_hugo import entries, post_feeds

SITES = Path(__file__).parent / "hugo"
NOW = "2026-01-01T00:00:00+00:00"


def hugo_build(source: Path, destination: Path, hugo_environment: str = "production") -> None:
    """``hugo`` of ``source`` in ``hugo_environment``; the test fails, with Hugo's output, if it does."""
    hugo = shutil.which("hugo")
    if hugo is None:
        pytest.fail("hugo is not on PATH (Debian: apt-get install hugo; .ci/run does it)", pytrace=False)
    env = {key: value for key, value in os.environ.items() if key not in ("HUGO_ENV", "HUGO_ENVIRONMENT")}
    env.update(TZ="UTC", HUGO_ENVIRONMENT=hugo_environment)
    done = subprocess.run([hugo, "--source", str(source), "--destination", str(destination), "--quiet",
                           "--cacheDir", str(destination.parent / "hugo-cache")],
                          env=env, capture_output=True, text=True, timeout=300)
    if not any(destination.rglob("index.xml")):
        pytest.fail(f"hugo {source.name} failed:\n{done.stdout}\n{done.stderr}", pytrace=False)


def syndicate(*args: str):
    return CliRunner().invoke(cli, list(args), prog_name="syndicate", catch_exceptions=False)


def build(site: Path, now: str = NOW, *flags: str):
    result = syndicate("build", "--site", str(site), "--now", now, *flags)
    assert result.exit_code == 0, result.output
    return result


def settle(site: Path) -> None:
    """Build until the posts index and the last run's record exist and a build does nothing (test_inputs' way)."""
    build(site)
    build(site)
    age(site)
    build(site)
    assert "nothing changed since the last run" in build(site, NOW, "-v").output


@pytest.fixture
def hugo_env(monkeypatch):
    """No HUGO_ENVIRONMENT or HUGO_ENV from the machine: each test says the environment it means."""
    monkeypatch.delenv("HUGO_ENVIRONMENT", raising=False)
    monkeypatch.delenv("HUGO_ENV", raising=False)
    return monkeypatch


def copied(tmp_path: Path, name: str) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITES / name, site)
    return site


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def links(path: Path) -> list[str]:
    return [entry.link for entry in parse_feed(path).entries]


# --- every language's Atom and JSON Feed ------------------------------------------


@pytest.mark.parametrize("name, home, title, language", [
    ("multilingual", "https://multi.example.org/en/", "A blog in two languages", "en-US"),
    ("language-folders", "https://folders.example.org/en/", "A folder per language", "en-GB"),
])
def test_each_language_has_an_atom_and_a_json_feed_beside_hugos_rss(tmp_path, hugo_env, name, home, title, language):
    """``/en/atom.xml`` (where Hugo writes nothing) and ``/en/index.json``: the posts of ``/en/index.xml``, in English."""
    site = copied(tmp_path, name)
    hugo_build(site, tmp_path / "oracle")
    assert not (tmp_path / "oracle" / "en" / "atom.xml").exists() and not (tmp_path / "oracle" / "en" / "index.json").exists()
    hugo_build(site, site / "public")
    build(site)
    public = site / "public"
    rss, atom = parse_feed(public / "en" / "index.xml"), parse_feed(public / "en" / "atom.xml")
    assert atom.bozo == 0 and atom.version == "atom10"
    assert atom.feed.title == title and atom.feed.language == language
    assert atom.feed.id == home + "atom.xml"
    assert [link.href for link in atom.feed.links if link.rel == "alternate"] == [home]
    assert rss.feed.link == home  # as Hugo's own /en/index.xml links it
    assert links(public / "en" / "atom.xml") == links(public / "en" / "index.xml") \
        == links(tmp_path / "oracle" / "en" / "index.xml")
    document = json.loads((public / "en" / "index.json").read_text(encoding="utf-8"))
    assert (document["title"], document["language"], document["home_page_url"]) == (title, language, home)
    assert document["feed_url"] == home + "index.json"
    assert [item["url"] for item in document["items"]] == links(public / "en" / "atom.xml")
    assert not (public / "en" / "atom.json").exists()  # the RSS and Atom feeds of a language share one twin
    # The default language's feeds keep their places.
    assert links(public / "atom.xml") == links(public / "index.xml") == links(tmp_path / "oracle" / "index.xml")


@pytest.mark.parametrize("old, new, present, absent", [
    ('title = "두 언어 블로그"\n', 'title = "두 언어 블로그"\ndefaultContentLanguageInSubdir = true\n',
     ["ko/index.xml", "atom.xml", "ko/index.json", "en/atom.xml"], ["index.xml", "ko/atom.xml"]),
    ('languageName = "English"\n', 'languageName = "English"\ndisabled = true\n', ["atom.xml"],
     ["en/atom.xml", "en/index.json"]),
])
def test_language_atom_feeds_follow_hugos_language_settings(tmp_path, hugo_env, old, new, present, absent):
    """The default language in a subfolder keeps ``/atom.xml``; a language turned off has no feed at all."""
    site = copied(tmp_path, "multilingual")
    edit(site / "hugo.toml", old, new)
    build(site)
    for path in present:
        assert (site / "public" / path).is_file(), path
    for path in absent:
        assert not (site / "public" / path).exists(), path


def test_the_feeds_page_shows_a_languages_three_formats_as_one_feed(tmp_path, hugo_env):
    site = copied(tmp_path, "multilingual")
    (site / "syndicate.toml").write_text("[feed]\npage = true\n", encoding="utf-8")
    build(site)
    page = lxml.html.parse(str(site / "public" / "feeds.html"))
    english = page.xpath("//section[@class='feed'][h3='A blog in two languages']")
    assert len(english) == 1
    assert english[0].xpath(".//ul[@class='subscribe']//a/@href") == [
        "https://multi.example.org/en/index.xml", "https://multi.example.org/en/atom.xml",
        "https://multi.example.org/en/index.json"]
    assert english[0].xpath("preceding::h2[1]/text()") == ["By language"]


# --- a digest in another language ------------------------------------------------


def digest(site: Path, now: str = "2023-05-08T09:00:00+09:00"):
    return syndicate("digest", "--site", str(site), "--now", now)


@pytest.mark.parametrize("name", ["multilingual", "language-folders"])
def test_digest_language_chooses_the_language_of_the_digests_posts(tmp_path, hugo_env, name):
    """``[digest] language = "en"``: the English posts, once each, under the English title, dated in English."""
    site = copied(tmp_path, name)
    (site / "syndicate.toml").write_text('[digest]\nlanguage = "en"\n', encoding="utf-8")
    result = digest(site)
    assert result.exit_code == 0, result.output
    text = (site / "public" / "digest" / "2023-W18.txt").read_text(encoding="utf-8")
    assert text.count("The trip") == 1 and "여행" not in text
    if name == "language-folders":
        # Its English posts of the week, from the English main section (posts/, not notes/).
        assert "First post" in text and "첫 글" not in text and "An aside" not in text
    english = "A blog in two languages" if name == "multilingual" else "A folder per language"
    message = email.message_from_bytes((site / "public" / "digest" / "2023-W18.eml").read_bytes(),
                                       policy=email.policy.default)
    assert message["Subject"].startswith(english + " — ")
    # The date in the language's words (Korean: 2023년 5월 2일): its languageCode's, en-US or en-GB.
    assert ("May 2, 2023" if name == "multilingual" else "2 May 2023") in text
    index = (site / "public" / "digest" / "index.html").read_text(encoding="utf-8")
    assert english in index


def test_without_digest_language_the_digest_is_the_default_languages(tmp_path, hugo_env):
    site = copied(tmp_path, "language-folders")
    result = digest(site)
    assert result.exit_code == 0, result.output
    text = (site / "public" / "digest" / "2023-W18.txt").read_text(encoding="utf-8")
    assert "여행" in text and "이름이 언어를 정합니다" in text and "The trip" not in text


@pytest.mark.parametrize("site_name, toml, expected", [
    ("multilingual", '[digest]\nlanguage = "fr"\n',
     'syndicate.toml: digest.language must be one of the site\'s languages (ko, en), got "fr"'),
    ("multilingual", '[digest]\nlanguage = 5\n', "syndicate.toml: digest.language must be a string, got 5"),
    ("disabled", '[digest]\nlanguage = "en"\n', "syndicate.toml: digest.language names a language the site turns off"),
    (None, '[digest]\nlanguage = "en"\n',
     "syndicate.toml: digest.language is read only beside a Hugo configuration"),
])
def test_a_digest_language_the_site_has_not_is_one_clear_error(tmp_path, hugo_env, site_name, toml, expected):
    if site_name == "disabled":
        site = copied(tmp_path, "multilingual")
        edit(site / "hugo.toml", 'languageName = "English"\n', 'languageName = "English"\ndisabled = true\n')
    elif site_name is None:
        site = tmp_path / "site"
        (site / "posts").mkdir(parents=True)
        toml = 'title = "T"\nurl = "https://t.example/"\n' + toml
    else:
        site = copied(tmp_path, site_name)
    (site / "syndicate.toml").write_text(toml, encoding="utf-8")
    result = digest(site)
    assert result.exit_code == 1 and "Traceback" not in result.output
    problems = [line for line in result.output.splitlines() if "digest.language" in line]
    assert len(problems) == 1 and expected in problems[0], result.output


# --- languages in folders of their own ------------------------------------------


def test_a_page_is_in_its_folders_language_unless_its_name_says_another(tmp_path, hugo_env):
    """``content/en/posts/first.md`` is English at /en/posts/first/; ``content/en/posts/moved.ko.md`` Korean."""
    site = copied(tmp_path, "language-folders")
    build(site)
    public = site / "public"
    assert [e.title for e in parse_feed(public / "en" / "index.xml").entries] == ["An aside", "The trip", "First post"]
    assert [e.title for e in parse_feed(public / "index.xml").entries] == [
        "이름이 언어를 정합니다", "두 번째 글", "여행", "첫 글"]
    assert links(public / "en" / "notes" / "index.xml") == ["https://folders.example.org/en/notes/aside/"]
    assert "https://folders.example.org/posts/moved/" in links(public / "index.xml")
    entry = next(e for e in parse_feed(public / "en" / "atom.xml").entries if e.title == "The trip")
    image = "https://folders.example.org/en/posts/trip/photo.png"
    assert [link.href for link in entry.links if link.rel == "enclosure"] == [image]
    assert f'src="{image}"' in entry.content[0].value


def test_files_outside_every_language_folder_are_no_pages(tmp_path, hugo_env):
    """With every language in a folder of its own, Hugo reads nothing else under content/: nor does syndicate."""
    site = copied(tmp_path, "language-folders")
    stray = site / "content" / "posts" / "stray.md"
    stray.parent.mkdir(parents=True)
    stray.write_text("---\ntitle: Stray\ndate: 2023-05-06T10:00:00+09:00\n---\nNobody's.\n", encoding="utf-8")
    hugo_build(site, tmp_path / "oracle")
    result = build(site)
    assert "stray" not in result.output
    for path in post_feeds(tmp_path / "oracle"):
        assert entries(site / "public" / path) == entries(tmp_path / "oracle" / path), path
    assert "Stray" not in {e.title for e in parse_feed(site / "public" / "atom.xml").entries}


def test_a_language_folder_that_is_missing_holds_no_page(tmp_path, hugo_env):
    """As in Hugo: no error, that language's feeds are empty; when no folder exists at all, the error names one."""
    site = copied(tmp_path, "language-folders")
    shutil.rmtree(site / "content" / "en")
    hugo_build(site, tmp_path / "oracle")
    build(site)
    assert parse_feed(site / "public" / "en" / "atom.xml").entries == []
    assert entries(site / "public" / "index.xml") == entries(tmp_path / "oracle" / "index.xml")
    shutil.rmtree(site / "content" / "ko")
    shutil.rmtree(site / "public")
    shutil.rmtree(site / ".syndicate")
    result = syndicate("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 1 and "posts folder content/en does not exist" in result.output


def test_a_language_folder_inside_anothers_is_read_once_with_a_warning(tmp_path, hugo_env):
    """``content`` (the default language's) holding ``content/en``: Hugo reads those files twice; syndicate in English."""
    site = copied(tmp_path, "language-folders")
    edit(site / "hugo.toml", 'contentDir = "content/ko"\n', "")
    shutil.copytree(site / "content" / "ko" / "posts", site / "content" / "posts")
    shutil.rmtree(site / "content" / "ko")
    result = build(site)
    assert ("hugo.toml: warning: content/en, the content folder of en, is inside content, the folder of ko: "
            "Hugo reads its pages in both languages, syndicate in en only") in result.stderr
    assert [e.title for e in parse_feed(site / "public" / "en" / "atom.xml").entries] == [
        "An aside", "The trip", "First post"]
    assert "https://folders.example.org/en/posts/first/" not in links(site / "public" / "index.xml")


def test_a_new_post_goes_in_the_default_languages_folder(tmp_path, hugo_env):
    """``syndicate new`` on a site whose languages have folders: where Hugo reads it, as a Korean page."""
    site = copied(tmp_path, "language-folders")
    result = syndicate("new", "--site", str(site), "새 글")
    assert result.exit_code == 0, result.output
    assert [path.name for path in (site / "content" / "ko").glob("*새-글.md")], result.output
    build(site, "2100-01-01T00:00:00+00:00")  # dated today
    assert "새 글" in {e.title for e in parse_feed(site / "public" / "atom.xml").entries}


def test_a_bad_language_folder_is_named(tmp_path, hugo_env):
    site = copied(tmp_path, "language-folders")
    edit(site / "hugo.toml", 'contentDir = "content/en"', "contentDir = 5")
    result = syndicate("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 1
    assert "hugo.toml: languages.en.contentDir must be a string, got 5" in result.output


# --- config/<environment>/ --------------------------------------------------------


def channel(path: Path) -> tuple[str, str]:
    feed = parse_feed(path).feed
    return feed.title, feed.link


@pytest.mark.parametrize("variables, expected", [
    ({}, "production"),
    ({"HUGO_ENVIRONMENT": "staging"}, "staging"),
    ({"HUGO_ENV": "staging"}, "staging"),
    ({"HUGO_ENV": "staging", "HUGO_ENVIRONMENT": "development"}, "development"),
    ({"HUGO_ENV": "staging", "HUGO_ENVIRONMENT": ""}, "production"),  # set but empty: Hugo's default, checked
])
def test_the_environment_is_hugos(variables, expected):
    assert environment(variables) == expected


@pytest.mark.parametrize("hugo_environment, url", [
    ("production", "https://env.example.org/"),
    ("staging", "https://staging.env.example.org/"),
])
def test_config_environment_is_merged_over_default_as_hugo_merges_it(tmp_path, hugo_env, hugo_environment, url):
    """The root file, then config/_default/, then config/<environment>/, each over the last: Hugo's feeds, entry by entry."""
    site = copied(tmp_path, "environments")
    hugo_build(site, tmp_path / "oracle", hugo_environment)
    if hugo_environment != "production":
        hugo_env.setenv("HUGO_ENVIRONMENT", hugo_environment)
    build(site)
    public = site / "public"
    assert channel(public / "index.xml") == channel(tmp_path / "oracle" / "index.xml") == ("Environments", url)
    assert post_feeds(public, "syndicate") == post_feeds(tmp_path / "oracle")
    for path in post_feeds(tmp_path / "oracle"):
        assert entries(public / path) == entries(tmp_path / "oracle" / path), path
    atom = parse_feed(public / "atom.xml").feed
    description = "Said in config/production" if hugo_environment == "production" else \
        "Said in config/_default, and overridden in production"
    assert atom.subtitle == description and atom.language == "en-GB"
    assert len(parse_feed(public / "index.xml").entries) == (2 if hugo_environment == "production" else 3)


def test_hugo_env_chooses_the_environment_too(tmp_path, hugo_env):
    site = copied(tmp_path, "environments")
    hugo_env.setenv("HUGO_ENV", "staging")
    build(site)
    assert links(site / "public" / "index.xml")[0].startswith("https://staging.env.example.org/")


def test_another_environment_is_a_change_of_configuration(tmp_path, hugo_env):
    """Kept work is not reused across environments: the next build's feeds are the new environment's."""
    site = copied(tmp_path, "environments")
    settle(site)
    hugo_env.setenv("HUGO_ENVIRONMENT", "staging")
    output = build(site).output
    assert "nothing changed" not in output
    assert all(link.startswith("https://staging.env.example.org/") for link in links(site / "public" / "atom.xml"))


def test_without_the_environments_base_url_the_error_names_it(tmp_path, hugo_env):
    """In an environment with no folder of its own (development), baseURL is nowhere: the usual error."""
    site = copied(tmp_path, "environments")
    hugo_env.setenv("HUGO_ENVIRONMENT", "development")
    result = syndicate("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 1 and "baseURL is required" in result.output


def test_a_site_configured_by_config_production_alone(tmp_path, hugo_env):
    """No root file, no config/_default/: Hugo builds it in production, and syndicate reads it."""
    site = copied(tmp_path, "environments")
    (site / "hugo.toml").unlink()
    shutil.rmtree(site / "config" / "_default")
    hugo_build(site, tmp_path / "oracle")
    build(site)
    assert entries(site / "public" / "index.xml") == entries(tmp_path / "oracle" / "index.xml")


def test_a_mistake_is_named_in_the_file_that_set_it_last(tmp_path, hugo_env):
    site = copied(tmp_path, "environments")
    (site / "config" / "production" / "hugo.toml").write_text('baseURL = "https://env.example.org/"\ntimeZone = "Mars"\n',
                                                              encoding="utf-8")
    result = syndicate("build", "--site", str(site), "--now", NOW)
    assert result.exit_code == 1
    assert 'config/production/hugo.toml: timeZone must be an IANA time zone' in result.output


def test_a_config_file_named_for_a_language_is_that_languages(tmp_path):
    """``params.en.toml`` is ``[languages.en.params]``, ``menus.en.toml`` its menus, as Hugo 0.111 places them."""
    folder = tmp_path / "config" / "_default"
    read = [(tmp_path / "hugo.toml", {"title": "T"}), (folder / "params.en.toml", {"Subtitle": "x"}),
            (folder / "menus.en.toml", {"main": []}), (folder / "languages.toml", {"en": {"title": "E"}})]
    assert merged(tmp_path, read) == {"title": "T", "languages": {"en": {"params": {"subtitle": "x"}, "menus": {"main": []},
                                                                         "title": "E"}}}


# --- uglyURLs: a leaf bundle's files ------------------------------------------


def test_a_bundles_files_on_an_ugly_site_are_where_hugo_publishes_them(tmp_path, hugo_env):
    """``posts/trip/index.md`` is ``posts/trip.html``; its photo is ``posts/trip/photo.png``, the resource's permalink.

    Hugo's page says ``<img src="photo.png">`` (beside the page, where no
    file is); syndicate gives the file's URL, as Hugo's ``.Permalink`` of it.
    """
    site = copied(tmp_path, "ugly-bundles")
    oracle = tmp_path / "oracle"
    hugo_build(site, oracle)
    hugo_build(site, site / "public")  # as on a Hugo site: syndicate runs after hugo, in its public/
    build(site)
    feed = parse_feed(site / "public" / "atom.xml")
    photos = {}
    for entry in feed.entries:
        page = oracle / urlsplit(entry.link).path.lstrip("/")
        if page.name == "" or page.is_dir():
            page = page / "index.html"
        permalinks = lxml.html.parse(str(page)).xpath("//a[@class='resource']/@href")
        sources = re.findall(r'src="([^"]+)"', entry.content[0].value)
        assert sources == permalinks, entry.link
        for source in sources:
            assert (oracle / urlsplit(source).path.lstrip("/")).is_file(), source
        photos[entry.title] = sources
    assert photos == {"A page that is no bundle": [],
                      "A bundle with its own url": ["https://ugly.example.org/elsewhere/photo.png"],
                      "A bundle with a slug": ["https://ugly.example.org/posts/renamed/photo.png"],
                      "A leaf bundle": ["https://ugly.example.org/posts/trip/photo.png"]}
    trip = next(entry for entry in feed.entries if entry.title == "A leaf bundle")
    assert trip.link == "https://ugly.example.org/posts/trip.html"
    enclosure = next(link for link in trip.links if link.rel == "enclosure")
    assert enclosure.href == "https://ugly.example.org/posts/trip/photo.png" and int(enclosure.length) > 0


# --- :git dates ---------------------------------------------------------------------

GIT_SITE = {
    "hugo.toml": 'baseURL = "https://git.example.org/"\ntitle = "Git dates"\nenableGitInfo = true\ntimeZone = "UTC"\n',
    # The layout shows the dates Hugo gives each page.
    "layouts/_default/single.html": '<time class="lastmod">{{ .Lastmod.Format "2006-01-02T15:04:05-07:00" }}</time>'
                                    '<time class="date">{{ .Date.Format "2006-01-02T15:04:05-07:00" }}</time>\n',
    "content/posts/one.md": "---\ntitle: One\ndate: 2023-05-01T10:00:00Z\nlastmod: 2023-06-01T10:00:00Z\n---\nOne.\n",
    "content/posts/two.md": "---\ntitle: Two\ndate: 2023-05-02T10:00:00Z\n---\nTwo.\n",
    "content/posts/한글.md": "---\ntitle: 한글\ndate: 2023-05-03T10:00:00Z\nlastmod: 2023-06-03T10:00:00Z\n---\n셋.\n",
}


def git(repository: Path, *args: str, date: str | None = None) -> None:
    """Run git in ``repository``; ``date``: the commit's author date (the committer's is another, later one)."""
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repository)}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE="2025-12-31T00:00:00+00:00")
    subprocess.run(["git", "-C", str(repository), *args], env=env, check=True, capture_output=True, timeout=60)


def git_site(tmp_path: Path, files: dict[str, str] = GIT_SITE, folder: str = "") -> Path:
    """A Hugo site in a new git repository (in ``folder`` of it): two commits, ``two.md`` changed in the second."""
    if shutil.which("git") is None:
        pytest.fail("git is not on PATH: the :git tests need it (Debian: apt-get install git)", pytrace=False)
    repository = tmp_path / "repo"
    site = repository / folder
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    git(repository, "init", "-q")
    git(repository, "add", "-A")
    git(repository, "commit", "-qm", "first", date="2024-01-02T03:04:05+09:00")
    with (site / "content" / "posts" / "two.md").open("a", encoding="utf-8") as file:
        file.write("More.\n")
    git(repository, "commit", "-qam", "second", date="2024-03-04T05:06:07+02:00")
    return site


def hugo_dates(oracle: Path, kind: str) -> dict[str, str]:
    """Each page's date of ``kind`` (the layout's ``<time class=kind>``) as Hugo gave it, by link path."""
    found = {}
    for page in oracle.rglob("index.html"):
        times = lxml.html.parse(str(page)).xpath(f"//time[@class='{kind}']/text()")
        if times:
            found["/" + page.parent.relative_to(oracle).as_posix() + "/"] = times[0]
    return found


def our_dates(site: Path, field: str) -> dict[str, str]:
    """Each Atom entry's ``updated`` or ``published`` as written, by its link's path (unquoted)."""
    from urllib.parse import unquote

    feed = parse_feed(site / "public" / "atom.xml")
    return {unquote(urlsplit(entry.link).path): entry[field] for entry in feed.entries}


def same_moment(ours: dict[str, str], hugos: dict[str, str]) -> bool:
    from datetime import datetime

    return ours.keys() == hugos.keys() and all(
        datetime.fromisoformat(ours[key]) == datetime.fromisoformat(hugos[key]) for key in ours)


@pytest.mark.parametrize("folder", ["", "blog"])
def test_lastmod_is_the_files_last_commit_as_hugo_gives_it(tmp_path, hugo_env, folder):
    """Hugo's ``:git`` (the newest commit's author date) wins over the front matter's lastmod; a name git quotes
    (Hangul) gets none in Hugo 0.111, nor here: the front matter's. The site may be a folder of the repository."""
    site = git_site(tmp_path, folder=folder)
    hugo_build(site, tmp_path / "oracle")
    result = build(site)
    assert "warning" not in result.output
    hugos, ours = hugo_dates(tmp_path / "oracle", "lastmod"), our_dates(site, "updated")
    assert same_moment(ours, hugos), (ours, hugos)
    assert ours["/posts/one/"] == "2024-01-01T18:04:05+00:00"  # the first commit, not lastmod: 2023-06-01
    assert ours["/posts/two/"] == "2024-03-04T03:06:07+00:00"  # the second; in the site's time zone
    assert ours["/posts/한글/"] == "2023-06-03T10:00:00+00:00"


def test_a_date_from_git_orders_the_feed_as_hugos(tmp_path, hugo_env):
    """``[frontmatter] date = [":git", …]``: the entries' dates, and so their order, are Hugo's."""
    files = dict(GIT_SITE)
    files["hugo.toml"] += '[frontmatter]\ndate = [":git", ":default"]\n'
    site = git_site(tmp_path, files)
    hugo_build(site, tmp_path / "oracle")
    build(site)
    assert entries(site / "public" / "index.xml") == entries(tmp_path / "oracle" / "index.xml")
    assert same_moment(our_dates(site, "published"), hugo_dates(tmp_path / "oracle", "date"))
    assert [e.title for e in parse_feed(site / "public" / "index.xml").entries] == ["Two", "One", "한글"]


def test_a_new_commit_is_an_input(tmp_path, hugo_env):
    """A commit that changes no file (the change was saved before) still changes lastmod: kept work is not reused."""
    site = git_site(tmp_path)
    edited = site / "content" / "posts" / "one.md"
    edited.write_text(edited.read_text(encoding="utf-8") + "Edited.\n", encoding="utf-8")
    settle(site)
    before = our_dates(site, "updated")
    assert before["/posts/one/"] == "2024-01-01T18:04:05+00:00"  # an uncommitted change moves no git date
    git(site, "commit", "-qam", "third", date="2024-05-06T07:08:09+00:00")
    assert "nothing changed" not in build(site, NOW, "-v").output
    after = our_dates(site, "updated")
    assert after["/posts/one/"] == "2024-05-06T07:08:09+00:00" and after["/posts/two/"] == before["/posts/two/"]
    clean = tmp_path / "clean"
    shutil.copytree(site, clean, ignore=shutil.ignore_patterns("public", ".syndicate"))
    build(clean)
    assert (site / "public" / "atom.xml").read_bytes() == (clean / "public" / "atom.xml").read_bytes()


def test_no_repository_is_one_warning_and_the_next_source(tmp_path, hugo_env):
    """Hugo logs an error and uses the next source; syndicate warns once and does the same."""
    site = tmp_path / "site"
    for name, text in GIT_SITE.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    result = build(site)
    warnings = [line for line in result.stderr.splitlines() if "enableGitInfo" in line]
    assert warnings == ["hugo.toml: warning: enableGitInfo: the site is in no git repository; lastmod (and any "
                        "[frontmatter] :git date) comes from the next source"]
    hugo_build(site, tmp_path / "oracle")
    assert same_moment(our_dates(site, "updated"), hugo_dates(tmp_path / "oracle", "lastmod"))
    assert our_dates(site, "updated")["/posts/one/"] == "2023-06-01T10:00:00+00:00"


def test_no_git_is_one_warning_and_the_next_source(tmp_path, hugo_env):
    site = git_site(tmp_path)
    hugo_env.setenv("PATH", str(tmp_path / "no-programs-here"))
    result = build(site)
    assert "hugo.toml: warning: enableGitInfo: git is not installed; lastmod" in result.stderr
    assert our_dates(site, "updated")["/posts/one/"] == "2023-06-01T10:00:00+00:00"


def test_a_repository_git_cannot_read_is_one_warning_in_gits_words(tmp_path, hugo_env):
    """Not "no commit yet" for every failure (a broken config, a repository another user owns): git's own line."""
    site = git_site(tmp_path)
    (tmp_path / "repo" / ".git" / "config").write_text("[core\n", encoding="utf-8")
    warnings = [line for line in build(site).stderr.splitlines() if "enableGitInfo" in line]
    assert len(warnings) == 1 and "git rev-parse failed (fatal: bad config line 1" in warnings[0], warnings
    assert our_dates(site, "updated")["/posts/one/"] == "2023-06-01T10:00:00+00:00"


def test_an_empty_repository_has_no_commit_yet(tmp_path, hugo_env):
    site = tmp_path / "site"
    for name, text in GIT_SITE.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    git(site, "init", "-q")
    assert "enableGitInfo: its git repository has no commit yet; lastmod" in build(site).stderr


def test_git_info_off_runs_no_git(tmp_path, hugo_env):
    """Without enableGitInfo, ``:git`` in the sources gives nothing and git is never asked."""
    site = git_site(tmp_path)
    edit(site / "hugo.toml", "enableGitInfo = true\n", "")
    hugo_env.setenv("PATH", str(tmp_path / "no-programs-here"))
    result = build(site)
    assert "warning" not in result.output
    assert our_dates(site, "updated")["/posts/one/"] == "2023-06-01T10:00:00+00:00"
