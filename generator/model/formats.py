"""String formats the generator reads beyond JSON Schema's own: their grammar and their Python type.

``date-time-lenient`` is a date-time as Django REST framework reads one, for APIs whose servers
accept more than RFC 3339: ``T`` or a space between date and time; seconds, fraction and offset
optional (``Z``, ``+HH:MM``, ``+HHMM``, ``+HH``); one-digit fields in Django's own pattern
(``2021-12-1 9:5``); ISO 8601's basic form (``20211201T1023``); a date alone is midnight. Text
without an offset is UTC. ``PATTERN`` is its grammar, fit for a schema's ``pattern`` so that
tools that do not know the format still generate and check the same forms; that the fields name a
real moment (no 24:00, no 30 February, within years 1 to 9999 in UTC) is the format's own part.

Generated packages read the format with ``_formats.LenientDatetime`` (an aware datetime in UTC).
"""

from __future__ import annotations

LENIENT_DATETIME = "date-time-lenient"
PYTHON_NAME = "LenientDatetime"
MODULE = "_formats"

_OFFSET = "(Z|[+-][0-9]{2}(:?[0-9]{2})?)"
# Django's own pattern: one- or two-digit fields, colons in the time, spaces before the offset.
_DJANGO = "[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}[T ][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}([.,][0-9]{1,12})?)? *" + _OFFSET + "?"
# ISO 8601's two-digit forms, extended or basic, as Python's datetime.fromisoformat reads them.
_ISO = (
    "([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8})"
    "([T ]([0-9]{2}(:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?)?|[0-9]{2}([0-9]{2}([0-9]{2}([.,][0-9]+)?)?)?)" + _OFFSET + "?)?"
)
PATTERN = f"^({_DJANGO}|{_ISO})$"

# Keywords that constrain a string's text: the format's grammar is fixed, so a schema may carry
# only PATTERN itself (no other pattern, no lengths), else they would not be enforced.
TEXT_CONSTRAINTS = ("pattern", "minLength", "maxLength")

# OpenAPI's `byte`: base64 text (RFC 4648, padded). Read as that text, checked by this pattern:
# pydantic's Base64Str would decode it to text, which fails for the bytes of an image.
BASE64_PATTERN = "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
