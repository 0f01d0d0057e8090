"""The local store: `Store` and how to open it (`core`), its files (`files`), its lock (`lock`)."""

from inboxfollow.store.core import (
    ANSWERS_UNSEEN,
    HUMAN,
    SCHEMA_VERSION,
    Store,
    StoreKeeper,
    open_store,
)
from inboxfollow.store.set_aside import set_aside_entry

__all__ = ["ANSWERS_UNSEEN", "HUMAN", "SCHEMA_VERSION", "Store", "StoreKeeper", "open_store",
           "set_aside_entry"]
