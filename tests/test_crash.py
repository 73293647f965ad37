"""SIGKILL at random moments during edits, bulk imports and backups: every time the file passes
its checks, the data equals the last commit, and no import is half there."""

import sys

import pytest

from tests import _crashload

KILLS = 200


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL are POSIX")
def test_killed_writer_never_loses_a_commit_or_leaves_half_an_import(tmp_path):
    tally = _crashload.run(tmp_path, KILLS, seed=20261122)
    assert tally.failures == []
    assert tally.kills == KILLS
    # The kills must actually have hit the work, not only start-up.
    assert tally.steps > KILLS // 2 and tally.in_bulk >= 5
    assert tally.backups_checked > 0
    print(f"\ncrash test: {tally.kills} kills, {tally.in_bulk} inside an import, {tally.unreported} after an "
          f"unreported commit, {tally.steps} steps, {tally.seconds:.1f} s")


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGKILL are POSIX")
def test_killed_writer_on_a_share_leaves_a_hot_journal_that_is_rolled_back(tmp_path, monkeypatch):
    # A file on a share runs with the rollback journal; a kill leaves a hot journal beside it.
    from gridoffice.store import opening

    monkeypatch.setattr(opening, "network_location", lambda path: "cifs")
    tally = _crashload.run(tmp_path, 40, seed=7)
    assert tally.failures == []
    assert tally.kills == 40 and tally.in_bulk >= 1
