"""Two watchers (as on two machines), one folder, one PostgreSQL registry."""

from __future__ import annotations

import pytest

from tests.watch.helpers import (WatchProcess, assert_gap_free, audit_actions, documents, files_under, ledger_rows,
                                 sha256, wait_until, wenshu, write_txt)

pytestmark = pytest.mark.postgres


def _files(folder, count, start=0):
    return {sha256(write_txt(folder / f"公文{n:04d}.txt", n)) for n in range(start, start + count)}


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_two_watchers_register_each_of_200_files_exactly_once(tmp_path, pg_url):
    data = tmp_path / "data"
    env = {"WENSHU_DATABASE_URL": pg_url}
    wenshu(data, "init", env=env)
    expected = _files(data / "inbox", 200)
    args = ("--once", "--workers", "1", "--stable-seconds", "0.2")
    first = WatchProcess(data, args, env=env, log=tmp_path / "first.jsonl")
    second = WatchProcess(data, args, env=env, log=tmp_path / "second.jsonl")
    assert first.wait(240) == 0, first.errors()
    assert second.wait(240) == 0, second.errors()

    docs = documents(data, pg_url)
    assert len(docs) == 200 and {d["sha256"] for d in docs} == expected
    assert sorted(d["seq"] for d in docs) == list(range(1, 201))
    assert_gap_free(docs)
    done = [o for o in first.outcomes() + second.outcomes() if o["status"] == "registered"]
    assert len(done) == 200 and len({o["reg_no"] for o in done}) == 200
    rows = ledger_rows(data, pg_url)
    assert len(rows) == 200 and all(r["state"] == "done" for r in rows)
    assert files_under(data / "inbox") == [] and list((data / "work").iterdir()) == []
    assert [a for a, _, _ in audit_actions(data, pg_url)].count("duplicate") == 0
    wenshu(data, "audit", "verify", env=env)
    print(f"\nfirst watcher {len(first.outcomes())} files, second {len(second.outcomes())}")


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_a_live_watcher_takes_over_the_claims_of_one_that_was_killed(tmp_path, pg_url):
    data = tmp_path / "data"
    env = {"WENSHU_DATABASE_URL": pg_url}
    wenshu(data, "init", env=env)
    args = ("--workers", "1", "--stable-seconds", "0.2", "--rescan-interval", "1", "--retries", "1",
            "--retry-backoff", "0.3")
    doomed = WatchProcess(data, args, env=env, log=tmp_path / "doomed.jsonl")
    survivor = WatchProcess(data, args, env=env, log=tmp_path / "survivor.jsonl")
    try:
        expected = _files(data / "inbox", 60)
        (data / "inbox" / "坏.pdf").write_bytes(b"%PDF-1.7\n broken")  # waits in back-off: a held claim
        def held_by_doomed():
            return {r["file_name"] for r in ledger_rows(data, pg_url)
                    if r["state"] == "claimed" and r["owner"].split(":")[1] == str(doomed.pid)}

        wait_until(held_by_doomed, 60, message="the first watcher to hold a claim")
        doomed.kill(group=True)
        orphaned = held_by_doomed()  # claims of a dead watcher, in work/ and in the ledger
        wait_until(lambda: len(documents(data, pg_url)) == 60, 120, message="all files registered")
        wait_until(lambda: all(r["state"] != "claimed" for r in ledger_rows(data, pg_url)), 60,
                   message="every claim closed")
    finally:
        if doomed.process.poll() is None:
            doomed.kill(group=True)
        assert survivor.terminate() == 0, survivor.errors()
    assert orphaned and orphaned <= {o["file_name"] for o in survivor.outcomes() if o["status"] != "retry"}
    docs = documents(data, pg_url)
    assert {d["sha256"] for d in docs} == expected
    assert sorted(d["seq"] for d in docs) == list(range(1, 61))
    assert files_under(data / "inbox") == [] and list((data / "work").iterdir()) == []
    assert [p.name for p in files_under(data / "quarantine")] == ["坏.pdf", "坏.pdf.reason.txt"]
    wenshu(data, "audit", "verify", env=env)
