from pathlib import Path

import pytest

from spiders.registry import RegistryError, Source, load_sources, render_sources

GOOD = """
[[source]]
id = "openai-news"
name = "OpenAI News"
kind = "company"
country = "US"
feeds = ["https://openai.com/news/rss.xml"]
start_urls = []
article_pattern = ""
allowed_domains = ["openai.com"]

[[source]]
id = "gov-uk"
name = "GOV.UK"
kind = "government"
country = "GB"
start_urls = ["__BASE__/news/"]
article_pattern = '/news/[a-z-]+$'
allowed_domains = ["127.0.0.1"]
"""


def write(tmp_path, text):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_sources(tmp_path):
    sources = load_sources(write(tmp_path, GOOD), {"__BASE__": "http://127.0.0.1:8000"})
    assert sources[0] == Source(
        id="openai-news", name="OpenAI News", kind="company", country="US",
        feeds=("https://openai.com/news/rss.xml",), start_urls=(), article_pattern="",
        allowed_domains=("openai.com",),
    )
    assert sources[1].start_urls == ("http://127.0.0.1:8000/news/",) and sources[1].feeds == ()


def test_budget_keys_are_optional(tmp_path):
    text = GOOD.replace('allowed_domains = ["openai.com"]',
                        'allowed_domains = ["openai.com"]\nmax_requests = 40\nmax_articles = 12\nmax_seconds = 90')
    openai, gov = load_sources(write(tmp_path, text), {"__BASE__": "http://127.0.0.1:8000"})
    assert (openai.max_requests, openai.max_articles, openai.max_seconds) == (40, 12, 90)
    assert (gov.max_requests, gov.max_articles, gov.max_seconds) == (None, None, None)  # the crawler's defaults
    assert "max_requests" not in openai.to_dict()  # the registry contract's eight fields, unchanged


def test_render_sources(tmp_path):
    assert "__BASE__" not in render_sources(write(tmp_path, GOOD), {"__BASE__": "http://127.0.0.1:1"})


def test_fixture_registry_is_valid():
    SOURCES = Path(__file__).parent / "fixtures" / "sources.toml"
    placeholders = {"__BASE__": "http://127.0.0.1:1", "__DEAD__": "http://127.0.0.1:2", "__SLOW__": "http://127.0.0.1:3"}
    assert [s.id for s in load_sources(SOURCES, placeholders)] == ["alpha-ai", "beta-wire", "gamma-gov", "delta-slow"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ('id = "openai-news"', 'id = "OpenAI News"', "source OpenAI News: id 'OpenAI News' is not a slug"),
        ('id = "gov-uk"', 'id = "openai-news"', "source openai-news: duplicate id"),
        ('kind = "company"', 'kind = "blog"',
         "source openai-news: kind 'blog' is not one of company, government, trade, media"),
        ('country = "US"', 'country = "XX"', "source openai-news: country 'XX' is not an ISO 3166-1 alpha-2 code"),
        ('country = "US"', 'country = "USA"', "country 'USA' is not an ISO 3166-1 alpha-2 code"),
        ('"https://openai.com/news/rss.xml"', '"ftp://openai.com/rss.xml"',
         "feeds entry 'ftp://openai.com/rss.xml' is not an http(s) URL"),
        ("'/news/[a-z-]+$'", "'/news/[a-z'", "source gov-uk: article_pattern '/news/[a-z' is not a valid regex"),
        ("'/news/[a-z-]+$'", "''", "source gov-uk: start_urls given but article_pattern is empty"),
        ('allowed_domains = ["openai.com"]', "allowed_domains = []", "source openai-news: allowed_domains is empty"),
        ('allowed_domains = ["openai.com"]', 'allowed_domains = ["https://openai.com"]',
         "is not a bare lowercase host name"),
        ('name = "OpenAI News"\n', "", "source openai-news: missing field 'name'"),
        ('name = "OpenAI News"', 'name = "OpenAI News"\nfeed = []', "source openai-news: unknown field 'feed'"),
        ('feeds = ["https://openai.com/news/rss.xml"]', "feeds = []", "source openai-news: no feeds and no start_urls"),
        ('feeds = ["https://openai.com/news/rss.xml"]', 'feeds = "https://openai.com/rss"',
         "field 'feeds' must be a list of strings"),
        ("[[source]]\nid = \"gov-uk\"", "[[source]]\nid = gov-uk", "invalid TOML"),
        *[
            ('allowed_domains = ["openai.com"]', f'allowed_domains = ["openai.com"]\n{line}',
             f"source openai-news: field {problem}")
            for line, problem in (
                ("max_requests = 0", "'max_requests' must be a whole number of at least 1 (got 0)"),
                ("max_articles = -5", "'max_articles' must be a whole number of at least 1 (got -5)"),
                ("max_seconds = 1.5", "'max_seconds' must be a whole number of at least 1 (got 1.5)"),
                ('max_seconds = "60"', "'max_seconds' must be a whole number of at least 1 (got '60')"),
                ("max_articles = true", "'max_articles' must be a whole number of at least 1 (got True)"),
            )
        ],
        ('allowed_domains = ["openai.com"]', 'allowed_domains = ["openai.com"]\nmax_pages = 3',
         "source openai-news: unknown field 'max_pages'"),
    ],
)
def test_bad_registry_gives_one_line_error(tmp_path, old, new, problem):
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(RegistryError) as info:
        load_sources(path, {"__BASE__": "http://127.0.0.1:8000"})
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(RegistryError, match="no such file"):
        load_sources(tmp_path / "nope.toml")
    with pytest.raises(RegistryError, match=r"no \[\[source\]\] entries"):
        load_sources(write(tmp_path, "# nothing\n"))


def test_unsubstituted_placeholder_is_rejected(tmp_path):
    with pytest.raises(RegistryError, match="not an http"):
        load_sources(write(tmp_path, GOOD))


def test_check_registry_reports_every_problem_at_once(tmp_path):
    from spiders.registry import check_registry

    text = GOOD.replace('kind = "company"', 'kind = "blog"').replace('country = "US"', 'country = "XX"')
    text = text.replace('country = "GB"', 'country = "gb"').replace("'/news/[a-z-]+$'", "'/news/[a-z'")
    text += ('\n[[source]]\nid = "gov-uk"\nname = ""\nkind = "media"\ncountry = "FR"\n'
             'feeds = ["https://other.org/rss"]\nallowed_domains = ["example.org"]\n')
    problems = check_registry(write(tmp_path, text), {"__BASE__": "http://127.0.0.1:8000"})
    assert len(problems) == 7, problems
    joined = "\n".join(problems)
    for fragment in ("kind 'blog'", "country 'XX'", "country 'gb'", "not a valid regex", "duplicate id",
                     "name is empty", "'https://other.org/rss' is outside allowed_domains"):
        assert fragment in joined
    assert all(problem.startswith(f"{tmp_path / 'sources.toml'}: ") for problem in problems)


def test_check_registry_on_a_good_and_a_missing_file(tmp_path):
    from spiders.registry import check_registry

    assert check_registry(write(tmp_path, GOOD), {"__BASE__": "http://127.0.0.1:8000"}) == []
    assert check_registry(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: no such file"]


def test_production_registry_is_valid():
    import subprocess
    import sys

    from spiders.registry import check_registry

    production = Path(__file__).resolve().parents[2] / "spiders" / "sources.toml"
    assert check_registry(production) == []
    sources = load_sources(production)
    assert len(sources) >= 25
    assert {s.kind for s in sources} == {"company", "government", "trade", "media"}
    assert len({s.country for s in sources if s.kind == "government"}) >= 6
    lines = production.read_text(encoding="utf-8").splitlines()
    markers = [lines[i + 1].split(":")[0] for i, line in enumerate(lines) if line == "[[source]]"]
    assert len(markers) == len(sources)
    assert set(markers) <= {"# confirmed", "# partly confirmed", "# unconfirmed"}, set(markers)
    result = subprocess.run([sys.executable, "-m", "spiders.registry", "check", str(production)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ok" in result.stdout
