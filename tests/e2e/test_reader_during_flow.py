"""An analyst's read-only connection, in another process, stays open while the weekly flow runs
on the same warehouse file: the flow succeeds and publishes, the analyst keeps a consistent view
and can keep querying, and a connection opened afterwards sees the flow's rows."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import duckdb
import pytest

from tests.e2e.conftest import run_tracker

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import sys
    import duckdb

    con = duckdb.connect(sys.argv[1], read_only=True)
    query = "select (select count(*) from documents), (select count(*) from deals)"
    print(con.execute(query).fetchall()[0], flush=True)
    sys.stdin.readline()  # the flow runs meanwhile
    print(con.execute(query).fetchall()[0], flush=True)
    con.close()
    """
)


def test_the_flow_runs_while_an_analyst_holds_the_file(sample_run, tmp_path):
    db = tmp_path / "tracker.duckdb"
    db.write_bytes(sample_run["db"].read_bytes())  # a published warehouse from an earlier run
    with duckdb.connect(str(db)) as con:  # as if the last crawl had not been loaded yet
        con.execute("delete from deal_evidence; delete from deals")
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        before = reader.stdout.readline().strip()
        assert before.endswith(", 0)"), reader.stderr.read()
        run_tracker("run", "--sample", "--auto-approve", "--db", str(db), "--out", str(tmp_path / "out"))
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == before  # its snapshot is unchanged and still readable
        assert reader.wait(timeout=30) == 0, reader.stderr.read()
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from deals").fetchone()[0] == sample_run["first"]["deals"]
