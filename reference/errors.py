"""Errors as PostHog answers them: ``{type, code, detail, attr}``, with Django REST framework's wording.

``ApiError`` and its kinds are what the service raises; ``render`` words the failures that the
generated adapter catches before the service runs (it is the app's error renderer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from posthog_experiments_server import models
from posthog_experiments_server._runtime import ErrorAnswer, ValidationFailure


class ApiError(Exception):
    default_type: ClassVar[models.ErrorType] = models.ErrorType.validation_error

    def __init__(self, detail: str, *, code: str = "invalid_input", attr: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.code, self.attr = detail, code, attr

    def body(self) -> models.Error:
        return models.Error(type=self.default_type, code=self.code, detail=self.detail, attr=self.attr)


class BadRequestError(ApiError):
    """400: the request breaks one of the API's rules."""


class NotFoundError(ApiError):
    default_type = models.ErrorType.invalid_request

    def __init__(self, detail: str = "Not found.") -> None:
        super().__init__(detail, code="not_found")


class ApprovalRequiredError(Exception):
    """409: the change waits for approval; ``body`` is the gate's answer."""

    def __init__(self, body: models.ApprovalRequiredResponse) -> None:
        super().__init__(body.detail)
        self.body = body


def error_body(kind: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    return {"type": kind, "code": code, "detail": detail, "attr": attr}


DATETIME_FORMAT = (
    "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
)
# DRF reports the first failing field in the serializer's declaration order.
_FIELD_ORDER = (
    "name",
    "description",
    "start_date",
    "end_date",
    "feature_flag_key",
    "parameters",
    "secondary_metrics",
    "filters",
    "archived",
)
_ADAPTER_KINDS = {  # the adapter's own failures: status, type, code
    "invalid_json": (400, "invalid_request", "parse_error"),
    "invalid_form": (400, "invalid_request", "parse_error"),
    "invalid_encoding": (400, "invalid_request", "parse_error"),
    "payload_too_large": (413, "invalid_request", "payload_too_large"),
    "unsupported_media_type": (415, "invalid_request", "unsupported_media_type"),
    "method_not_allowed": (405, "invalid_request", "method_not_allowed"),
    "not_found": (404, "invalid_request", "not_found"),
    "server_error": (500, "server_error", "error"),
}
SECONDARY_RESULTS = "experiments_secondary_results_retrieve"  # its metric index is worded as PostHog words it
_TYPE_KINDS = {"string_type", "bool_type", "int_type", "float_type", "dict_type", "model_type", "list_type"}


def render(failures: Sequence[ValidationFailure]) -> ErrorAnswer:
    """The error renderer given to the generated app: the first failure, worded as DRF words it."""
    first = min(failures, key=_position)
    if first.kind in _ADAPTER_KINDS:
        status, kind, code = _ADAPTER_KINDS[first.kind]
        detail = "A server error occurred." if status == 500 else first.message
        return ErrorAnswer(status, error_body(kind, code, detail))
    if first.location == "path":  # /experiments/abc/ is no route in PostHog
        return ErrorAnswer(404, error_body("invalid_request", "not_found", "Not found."))
    code, detail, attr = _worded(first)
    return ErrorAnswer(400, error_body("validation_error", code, detail, attr))


def _position(failure: ValidationFailure) -> tuple[int, int]:
    head = str(failure.path[0]) if failure.path else ""
    return (0 if failure.location != "body" else 1, _FIELD_ORDER.index(head) if head in _FIELD_ORDER else 99)


def _worded(failure: ValidationFailure) -> tuple[str, str, str | None]:
    """(code, detail, attr) for a field that failed validation."""
    kind, limits, path = failure.kind, failure.constraint, failure.path
    attr = "__".join(str(part) for part in path) or None
    last = str(path[-1]) if path else ""
    if kind == "missing":
        return ("required", "This field is required.", attr) if path else ("required", "A body is required.", None)
    if kind == "null_not_allowed" or (kind in _TYPE_KINDS and failure.value is None):
        return "null", "This field may not be null.", attr
    if last == "feature_flag_key" and kind == "string_pattern_mismatch":
        return "invalid_key", "Only letters, numbers, hyphens (-) & underscores (_) are allowed.", "key"
    if last == "feature_flag_variants" and kind == "too_long":
        return "invalid_input", "Feature flag variants must be less than 11", "parameters"
    if kind == "string_too_short" and limits.get("min_length") == 1:
        return "blank", "This field may not be blank.", attr
    if failure.operation_id == SECONDARY_RESULTS and failure.location == "query" and path == ("id",):
        detail = "Secondary metric id must be an integer" if kind == "int_parsing" else "Invalid metric ID"
        return "invalid_input", detail, None
    if kind in ("null_characters_not_allowed", "surrogate_characters_not_allowed"):
        return kind, failure.message, attr
    if kind == "datetime_overflow":  # DRF's, when the moment has no UTC form within years 1 to 9999
        return "overflow", "Datetime value out of range.", attr
    if kind.startswith(("datetime_", "timezone_")):
        return "invalid_input", DATETIME_FORMAT, attr
    worded = {
        "string_too_long": ("max_length", "Ensure this field has no more than {max_length} characters."),
        "string_too_short": ("min_length", "Ensure this field has at least {min_length} characters."),
        "too_long": ("max_length", "Ensure this field has no more than {max_length} elements."),
        "too_short": ("min_length", "Ensure this field has at least {min_length} elements."),
        "greater_than_equal": ("min_value", "Ensure this value is greater than or equal to {ge}."),
        "greater_than": ("min_value", "Ensure this value is greater than {gt}."),
        "less_than_equal": ("max_value", "Ensure this value is less than or equal to {le}."),
        "less_than": ("max_value", "Ensure this value is less than {lt}."),
        "int_parsing": ("invalid_input", "A valid integer is required."),
        "int_type": ("invalid_input", "A valid integer is required."),
        "int_from_float": ("invalid_input", "A valid integer is required."),
        "bool_parsing": ("invalid_input", "Must be a valid boolean."),
        "bool_type": ("invalid_input", "Must be a valid boolean."),
        "float_parsing": ("invalid_input", "A valid number is required."),
        "float_type": ("invalid_input", "A valid number is required."),
        "string_type": ("invalid_input", "Not a valid string."),
        "enum": ("invalid_choice", '"{value}" is not a valid choice.'),
        "literal_error": ("invalid_choice", '"{value}" is not a valid choice.'),
        "dict_type": ("not_a_dict", 'Expected a dictionary of items but got type "{type}".'),
        "model_type": ("not_a_dict", 'Expected a dictionary of items but got type "{type}".'),
        "model_attributes_type": ("not_a_dict", 'Expected a dictionary of items but got type "{type}".'),
        "list_type": ("not_a_list", 'Expected a list of items but got type "{type}".'),
    }
    if kind in worded:
        code, template = worded[kind]
        names = {**limits, "value": failure.value, "type": _json_type(failure.value)}
        return code, template.format_map(names), attr
    return "invalid_input", failure.message, attr


def _json_type(value: Any) -> str:
    names = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict", type(None): "NoneType"}
    return names.get(type(value), type(value).__name__)
