"""A Maildir folder's status (the no-change poll) agrees with its index (what a sync
fetches), whatever the file names: times in the name, ties, names without a time."""

from __future__ import annotations

import mailbox
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inboxfollow.sources.maildir import MaildirMailbox

NAMES = st.lists(
    st.one_of(
        st.tuples(st.integers(1_700_000_000, 1_700_000_003), st.integers(0, 2)).map(
            lambda t: f"{t[0]}.M{t[1]}P42Q{t[1]}.host"),
        st.integers(0, 10**6).map(lambda n: f"odd-name-{n}"),
    ),
    max_size=12,
    unique=True,
)


@settings(max_examples=60, deadline=None)
@given(new=NAMES, cur=NAMES, mtimes=st.lists(st.integers(1_600_000_000, 1_800_000_000),
                                             min_size=24, max_size=24))
def test_status_ends_where_the_index_ends(tmp_path_factory, new: list[str], cur: list[str],
                                          mtimes: list[int]) -> None:
    root = tmp_path_factory.mktemp("md") / "box"
    mailbox.Maildir(str(root), create=True)
    cur = [name for name in cur if name not in new]
    files = [Path(root, "new", n) for n in new] + [Path(root, "cur", n + ":2,S") for n in cur]
    for path, mtime in zip(files, mtimes, strict=False):
        path.write_bytes(b"Subject: x\n\nbody\n")
        os.utime(path, (mtime, mtime))
    Path(root, "cur", ".hidden").write_bytes(b"")  # never a message
    box = MaildirMailbox("owner", root)
    status = box.status("INBOX")
    _, index = box._index("INBOX")
    assert status.messages == len(index) == len(files)
    assert status.uidnext == (index[-1][0] + 1 if index else 1)
