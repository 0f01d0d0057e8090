"""A message's body as plain values (pure): its MIME parts and the text the rules read.

The text is the main text part (HTML made plain), with a delivery report's
fields appended, cut to TEXT_LIMIT characters. Never raises for bad input: what
went wrong is appended to `defects`.
"""

from __future__ import annotations

import binascii
import email.utils
import quopri
import re
from email.message import Message
from typing import Any

from inboxfollow.mail.headers import decode_words, text_of
from inboxfollow.mail.text import html_to_text
from inboxfollow.model import Part

TEXT_LIMIT = 16 * 1024  # characters of body text kept


def mime_defects(message: Message) -> list[str]:
    words = []
    for part in message.walk():
        for defect in part.defects:
            name = type(defect).__name__.removesuffix("Defect")
            words.append(re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower())
    return words


# structure -------------------------------------------------------------------


def content_type_of(message: Message) -> str:
    try:
        return message.get_content_type().lower()
    except Exception:  # noqa: BLE001
        return "text/plain"


def derive_parts(message: Message) -> tuple[Part, ...]:
    """The leaves of the MIME tree, as BODYSTRUCTURE would list them."""
    return tuple(_part(leaf) for leaf in _leaves(message))


def _leaves(message: Message) -> list[Message]:
    """Non-multipart parts; an attached message counts as one leaf."""
    if message.get_content_maintype() == "message" or not message.is_multipart():
        return [message]
    payload = message.get_payload()
    if not isinstance(payload, list):
        return [message]
    return [leaf for sub in payload if isinstance(sub, Message) for leaf in _leaves(sub)]


def _part(leaf: Message) -> Part:
    payload = leaf.get_payload()
    return Part(
        content_type=content_type_of(leaf),
        filename=_filename(leaf),
        disposition=(leaf.get_content_disposition() or "").lower(),
        size=len(payload) if isinstance(payload, str) else 0,
        params=_params(leaf),
    )


def _filename(leaf: Message) -> str:
    try:
        name = leaf.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""
    return decode_words(text_of(str(name)))


def _params(leaf: Message) -> tuple[tuple[str, str], ...]:
    params = leaf.get_params() or []
    return tuple(
        (str(key).lower(), text_of(email.utils.collapse_rfc2231_value(value)))
        for key, value in params[1:]
        if key
    )


# body text -------------------------------------------------------------------


def main_text(message: Message, defects: list[str]) -> str:
    # the report's fields first: a long report must not lose its Action lines to the cut
    return (_delivery_status(message) + _readable_text(message, defects))[:TEXT_LIMIT]


def _readable_text(message: Message, defects: list[str]) -> str:
    leaves = [leaf for leaf in _leaves(message) if not _is_attachment(leaf)]
    for wanted in ("text/plain", "text/html"):
        for leaf in leaves:
            if content_type_of(leaf) == wanted:
                text = _decoded_payload(leaf, defects)
                if wanted == "text/html":
                    text = html_to_text(text)
                return text[:TEXT_LIMIT]
    return _unparsed_text(leaves, defects)[:TEXT_LIMIT]


def _delivery_status(message: Message) -> str:
    """The fields of an RFC 3464 report (Final-Recipient, Status, Diagnostic-Code), as text.

    A bounce's reason lives there, not in its prose part.
    """
    blocks = []
    for part in message.walk():
        if part.get_content_type() not in ("message/delivery-status",
                                           "message/global-delivery-status"):
            continue
        payload = part.get_payload()
        encoding = str(part.get("content-transfer-encoding", "")).strip().lower()
        if encoding in ("base64", "quoted-printable"):
            blocks.append(_decoded_report(payload, encoding))
            continue
        for block in payload if isinstance(payload, list) else [payload]:
            if isinstance(block, Message):
                blocks.append("\n".join(f"{k}: {' '.join(str(v).split())}"
                                         for k, v in block.items()))
            elif isinstance(block, str):
                blocks.append(block)
    return ("\n\n" + "\n\n".join(blocks)) if blocks else ""


def _decoded_report(payload: Any, encoding: str) -> str:
    """A report sent base64 or quoted-printable (some servers do), decoded. The parser
    has already split the encoded text into header blocks: join them back first."""
    parts = payload if isinstance(payload, list) else [payload]
    text = "".join(p.as_string() if isinstance(p, Message) else str(p) for p in parts)
    try:
        raw = (binascii.a2b_base64(text.encode("ascii", "ignore")) if encoding == "base64"
               else quopri.decodestring(text.encode("utf-8", "replace")))
    except (binascii.Error, ValueError):
        return text
    return raw.decode("utf-8", "replace")


def _unparsed_text(leaves: list[Message], defects: list[str]) -> str:
    """Broken MIME (a multipart without boundary): its raw text is the best we have."""
    for leaf in leaves:
        if leaf.get_content_maintype() in ("multipart", "text"):
            return _decoded_payload(leaf, defects)
    return ""


def _is_attachment(leaf: Message) -> bool:
    return (leaf.get_content_disposition() or "").lower() == "attachment"


def _decoded_payload(leaf: Message, defects: list[str]) -> str:
    data = leaf.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = leaf.get_content_charset()
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeError):
            defects.append(f"undecodable charset {charset[:40]}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if not charset:
            defects.append("undeclared 8-bit text")
        return data.decode("cp1252", "replace")
