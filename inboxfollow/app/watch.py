"""Watching for new mail while the daemon waits: one thread per watched INBOX.

The owner's INBOX, and the capture mailbox's INBOX where it has a login of its
own, are watched where the source can (IMAP IDLE: `Watchable`); each watch
holds its own connection and only calls `wake`, which makes the daemon run its
sync at once on its main thread. A watch never touches the store: one process,
one thread owns it. A source that cannot watch (no IDLE, a Maildir) is polled
at the sync interval, as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from inboxfollow.app.daemon import Watch
from inboxfollow.config import Config
from inboxfollow.errors import InboxfollowError
from inboxfollow.sources.from_config import PATIENT, open_mailboxes
from inboxfollow.sources.mailbox import INBOX_NAME, Watchable

LOG = logging.getLogger(__name__)

def watch_inboxes(config: Config) -> Watch:
    """The sync job's watch: the INBOX of each mail source that can be watched."""

    def start(wake: Callable[[], None], stop: threading.Event) -> list[threading.Thread]:
        try:
            sources = open_mailboxes(config, retry=PATIENT)  # nothing connects here
        except InboxfollowError as err:
            LOG.error("not watching for new mail (polling instead): %s", err)
            return []
        threads = []
        for source in sources:
            if not isinstance(source, Watchable):
                LOG.debug("%s: %s is polled", source.name, INBOX_NAME)
                continue
            thread = threading.Thread(target=_watch, args=(source, wake, stop), daemon=True,
                                      name=f"watch {source.name} {INBOX_NAME}")
            thread.start()
            threads.append(thread)
        return threads

    return start


def _watch(source: Watchable, wake: Callable[[], None], stop: threading.Event) -> None:
    try:
        source.watch(INBOX_NAME, wake, stop)
    except Exception:  # a bug in the watch must not go unseen; the polls go on
        LOG.exception("watching %s stopped; it is polled from now on", INBOX_NAME)
