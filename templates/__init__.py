"""The templates that ship with inboxfollow, as package data (`inboxfollow.templates`).

A file here is replaced by a file of the same name in the owner's [drafts].templates
folder; see inboxfollow/outbox/templates.py.
"""
