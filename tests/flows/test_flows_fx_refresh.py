"""The weekly FX refresh: the ECB's history fetched over loopback HTTP, used for later figures; a
failed refresh keeps the table it had, and figures reported after its last month say so."""

from __future__ import annotations

import io
import os
import zipfile
from datetime import date, timedelta

import pytest

from flows.tasks import refresh_fx_rates
from nlp.currencies import REFRESHED_ENV, rate_for, refreshed_path
from nlp.extract import extract_records
from nlp.fx_table import RateFileError, read_daily_rates
from spiders.loopback import serve_directory
from spiders.reference_rates import RateFetchError, fetch_history

USD_PER_EUR = 1.25  # made-up rates, far from any real month, so the test sees which table was used
INR_PER_EUR = 100.0


def ecb_zip(first: date, last: date) -> bytes:
    """An ECB-shaped history file (units per euro, newest day first, weekdays only)."""
    lines = ["Date,USD,JPY,INR,GBP,"]
    day = last
    while day >= first:
        if day.weekday() < 5:
            lines.append(f"{day.isoformat()},{USD_PER_EUR},170.5,{INR_PER_EUR},N/A,")
        day -= timedelta(days=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref-hist.csv", "\n".join(lines) + "\n")
    return buffer.getvalue()


@pytest.fixture
def ecb_site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "eurofxref-hist.zip").write_bytes(ecb_zip(date(2026, 9, 1), date(2026, 12, 4)))
    (site / "broken.zip").write_bytes(b"<html>maintenance</html>")
    with serve_directory(site) as base:
        yield f"{base}/sites"


@pytest.fixture
def rates_env():
    """The refresh sets TRACKER_FX_RATES for this process: back to the bundled table afterwards."""
    before = os.environ.pop(REFRESHED_ENV, None)
    yield
    os.environ.pop(REFRESHED_ENV, None)
    if before is not None:
        os.environ[REFRESHED_ENV] = before


def euro_figure(published: str) -> dict:
    record = {"id": "fx1", "published": published,
              "text": "France will invest EUR 2 billion in a new AI data centre near Paris."}
    (line,) = extract_records([record])
    (money,) = [c for c in line["commitments"] if c["kind"] == "money"]
    return money


def test_a_refreshed_table_converts_later_figures_at_their_own_month(prefect_server, ecb_site, rates_env, tmp_path):
    db = tmp_path / "data" / "tracker.duckdb"
    assert euro_figure("2026-12-03")["fx_month"] == "2026-10"  # the bundled table ends in October

    result = refresh_fx_rates(str(refreshed_path(db)), f"{ecb_site}/eurofxref-hist.zip")

    assert result["status"] == "refreshed" and result["last_month"] == "2026-12"  # the month so far
    assert result["table"] == str(refreshed_path(db).resolve())
    money = euro_figure("2026-12-03")
    assert (money["fx_month"], money["value_usd"]) == ("2026-12", 2_500_000_000)
    assert "fx_stale" not in money
    assert rate_for("INR", "2026-11-15") == (pytest.approx(USD_PER_EUR / INR_PER_EUR), "2026-11")
    assert rate_for("SAR", "2026-12-01") == (pytest.approx(1 / 3.75), "2026-12")  # pegs kept


def test_a_failed_refresh_keeps_the_table_and_marks_later_figures(prefect_server, ecb_site, rates_env, tmp_path):
    db = tmp_path / "tracker.duckdb"
    for url in (f"{ecb_site}/missing.zip", f"{ecb_site}/broken.zip", "ftp://example.invalid/x.zip"):
        result = refresh_fx_rates(str(refreshed_path(db)), url)
        assert result["status"] == "kept" and result["last_month"] == "2026-10", result
        assert "\n" not in result["reason"]
    assert not refreshed_path(db).exists()

    money = euro_figure("2026-12-03")
    assert money["fx_month"] == "2026-10" and money["fx_stale"] is True
    assert "fx_stale" not in euro_figure("2026-10-20")

    # An earlier good refresh stays in use when the next one fails.
    assert refresh_fx_rates(str(refreshed_path(db)), f"{ecb_site}/eurofxref-hist.zip")["status"] == "refreshed"
    kept = refresh_fx_rates(str(refreshed_path(db)), f"{ecb_site}/broken.zip")
    assert kept["status"] == "kept" and kept["last_month"] == "2026-12"
    assert euro_figure("2026-12-03")["fx_month"] == "2026-12"


def test_fetch_refuses_oversized_and_non_http(ecb_site):
    with pytest.raises(RateFetchError, match="bytes"):
        fetch_history(f"{ecb_site}/eurofxref-hist.zip", max_bytes=100)
    with pytest.raises(RateFetchError, match="only http"):
        fetch_history("file:///etc/passwd")
    with pytest.raises(RateFileError):
        read_daily_rates(fetch_history(f"{ecb_site}/broken.zip"))
