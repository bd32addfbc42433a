"""Retry-After parsing, failure classification and the polite defaults of the settings."""

from datetime import UTC, datetime

import pytest

from spiders import settings
from spiders.middlewares import parse_retry_after

NOW = datetime(2025, 9, 16, 8, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (b"7", 7.0),
        ("Tue, 16 Sep 2025 08:00:30 GMT", 30.0),
        ("Tue, 16 Sep 2025 07:59:00 GMT", 0.0),  # in the past: no wait
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds):
    assert parse_retry_after(value, now=NOW) == seconds


def test_polite_defaults():
    assert settings.ROBOTSTXT_OBEY is True
    assert settings.AUTOTHROTTLE_ENABLED is True
    assert settings.DOWNLOAD_DELAY > 0 and settings.CONCURRENT_REQUESTS_PER_DOMAIN <= 2
    assert 429 not in settings.RETRY_HTTP_CODES and 503 not in settings.RETRY_HTTP_CODES
    assert settings.TRACKER_BACKOFF_HTTP_CODES == [429, 503]
    assert "RetryAfterMiddleware" in " ".join(settings.DOWNLOADER_MIDDLEWARES)
    assert settings.USER_AGENT.startswith("ai-infra-tracker/") and settings.TRACKER_CONTACT in settings.USER_AGENT


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(404, False), (410, False), (403, False), (408, True), (429, True), (500, True), (503, True)],
)
def test_http_failures_retryable(status, retryable):
    from scrapy import Request
    from scrapy.http import Response
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    from spiders.spiders.articles import classify_failure

    request = Request("https://news.example.org/a")
    response = Response(request.url, status=status, request=request)
    try:
        raise HttpError(response, "ignored")
    except HttpError:
        failure = Failure()
    assert classify_failure(failure, request) == (f"HTTP {status}", retryable)
