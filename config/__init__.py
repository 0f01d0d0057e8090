"""The example config and systemd unit that ship with inboxfollow, as package data
(`inboxfollow.examples`; `inboxfollow config --example` prints the config).
"""
