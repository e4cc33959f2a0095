"""What the schemathesis tests share: the server under test, its config, and the one check we refine.

Every built-in check runs as schemathesis ships it, except ``positive_data_acceptance``, which runs
through ``valid_data_accepted``: the same check, told about the 400s the contract requires for
requests that are valid against the schema (a state the schema cannot express, or a rule it states
in prose), and blind to "positive" cases that are not valid requests: those that break a ``format``
(schemathesis treats ``format`` as an annotation; the contract's formats are assertions), and form
bodies with a null field (forms cannot carry null; schemathesis sends the text ``null``).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import strategies as st
from posthog_experiments_server import app as generated_app
from posthog_experiments_server._formats import parse_lenient_datetime
from posthog_experiments_server._runtime import OperationSpec
from pydantic_core import PydanticCustomError
from schemathesis import Case as GenericCase
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.transport import SerializationContext

from generator.model import formats
from reference import admin
from reference.app import build
from reference.db import tables
from reference.db.engine import Database
from tests.reference_support import fresh_database_url

# What the server serves at /api/schema/?format=json (the adapter's tests check they are the same).
SERVED_SPEC = Path(__file__).resolve().parent.parent / "generated/server/posthog_experiments_server/openapi.json"
IDENTITY_TABLES = frozenset({"organizations", "projects", "users", "memberships", "personal_api_keys"})
Case = GenericCase[Any]
CAPTURE_PATHS = frozenset({"/batch", "/capture", "/e"})

# (code, detail pattern, why the contract requires the 400 for schema-valid input)
CONTRACT_REJECTIONS: tuple[tuple[str, re.Pattern[str], str], ...] = tuple(
    (code, re.compile(pattern), why)
    for code, pattern, why in (
        ("unique", r"^There is already a feature flag with this key\.$", "flag keys are unique per project"),
        ("invalid_input", r"^Experiment has no target metric$", "results need a stored metric"),
        ("invalid_input", r"^Experiment has no secondary metrics$", "secondary results need one"),
        ("invalid_input", r"^Secondary metric id is required$", "PostHog's precedence: checked after the above"),
        ("invalid_input", r"^Invalid metric ID$", "the index must name a stored secondary metric"),
        ("invalid_input", r"^Experiment has not been started yet$", "results need a launch"),
        ("no-results", r"^\{", "results need exposed persons in the window (the four-flag detail)"),
        ("invalid_input", r"^Experiment does not have a start date$", "cohorts and results need a launch"),
        ("invalid_input", r"^Action-based (metrics|cohorts) are not supported", "the contract: actions → 400"),
        ("invalid_payload", r"^Invalid payload: .* has no distinct_id\.$", "an event needs a person"),
        ("invalid_input", r"^Can't update keys: get_feature_flag_key on Experiment$", "a flag key never changes"),
        ("invalid_input", r"^Can't update feature_flag_variants on Experiment$", "variants are fixed at launch"),
        ("invalid_input", r"^Feature flag must have at least 2 variants", "0, or 2 to 10 variants"),
        ("invalid_input", r"^Feature flag variants must contain a control variant$", "one variant is `control`"),
        ("invalid_input", r"^Invalid variant definitions: Variant rollout percentages must sum to 100\.$", "100 %"),
        ("invalid_input", r"^End date must be after start date$", "a rule across two fields"),
        ("invalid_input", r"^Experiments do not support global filter properties$", "PostHog's rule"),
        ("null_characters_not_allowed", r"^Null characters are not allowed\.$", "DRF's text fields refuse NUL"),
        ("invalid_input", r"^Experiment already has an exposure cohort$", "one exposure cohort per experiment"),
        # results of a stored metric that cannot be computed: a 400 naming why (the contract's rule)
        ("invalid_input", r"^Every metric event needs an id", "a metric event names its event"),
        ("invalid_input", r"^Experiment metric has no events\.$", "a metric counts events"),
        ("invalid_input", r"^Invalid action ID$", "actions are ids"),
        ("invalid_input", r"^Secondary metrics need to be funnel or trend insights$", "PostHog's rule"),
        ("invalid_input", r"^The custom exposure filter has no event\.$", "an exposure filter names its event"),
        ("invalid_input", r"^Trend math '.*' (is not supported by this server|needs a math_property)\.$", "math"),
        (
            "invalid_input",
            r"^Property (filter|filters|name) .* (not supported by this server|not a number)\.$",
            "this server",
        ),
        ("invalid_input", r"^Property filter '.*' has no value to compare with\.$", "a comparison needs a value"),
        ("invalid_input", r"^The metric's values are out of the range this server can compare", "huge sums"),
        ("too_much_data", r"^Can't calculate experiment results for more than 10 variants$", "PostHog's limit"),
        ("no_data", r"^Can't calculate experiment results for less than 2 variants$", "PostHog's limit"),
    )
)


def contract_rejection(detail: object, code: object) -> str | None:
    """Why the contract requires this 400 for schema-valid input, or None when it does not."""
    for expected_code, pattern, why in CONTRACT_REJECTIONS:
        if code == expected_code and isinstance(detail, str) and pattern.search(detail):
            return why
    return None


URLENCODED = "application/x-www-form-urlencoded"
FORMS = (URLENCODED, "multipart/form-data")


def _form_field_sent_null(case: Case, attr: object) -> bool:
    """A form has no null: schemathesis writes the text ``null``, which a date field rightly refuses."""
    return case.media_type in FORMS and isinstance(case.body, dict) and attr in case.body and case.body[attr] is None


# The form fields each operation's spec encodes as JSON text, as the generated adapter reads them.
FORM_JSON_FIELDS = {
    spec.operation_id: set(spec.body_media_types[URLENCODED].json)
    for spec in vars(generated_app).values()
    if isinstance(spec, OperationSpec) and URLENCODED in spec.body_media_types
}


@schemathesis.serializer(URLENCODED)
def form_as_the_spec_encodes_it(ctx: SerializationContext, value: Any) -> bytes | None:
    """schemathesis sends a form's arrays as repeated keys even where the media type's ``encoding``
    says the field carries JSON text; this sends those fields as JSON, as the spec asks a client to."""
    if value is None or isinstance(value, bytes):
        return value
    if not isinstance(value, dict):  # an out-of-spec body (negative data): sent as text
        return (value if isinstance(value, str) else json.dumps(value)).encode()
    encoded_as_json = FORM_JSON_FIELDS.get(ctx.case.operation.definition.raw.get("operationId"), set())
    fields = {
        key: json.dumps(item) if key in encoded_as_json and not isinstance(item, str) else item
        for key, item in value.items()
    }
    return urlencode(fields, doseq=True).encode()


def _names_a_moment(text: str) -> bool:
    """The ``date-time-lenient`` format as an assertion: its grammar (the spec's pattern, which a
    test holds equal to the parser's) and a real moment, as the generated parser defines it."""
    try:
        parse_lenient_datetime(text)
    except PydanticCustomError:
        return False
    return True


FORMAT_CHECKERS = {formats.LENIENT_DATETIME: _names_a_moment}


def _body_breaks_a_format(case: Case) -> bool:
    if not isinstance(case.body, dict | list):
        return False
    for body in case.operation.body:
        if body.media_type == case.media_type:
            validator = jsonschema_rs.validator_for(
                body.validation_schema, validate_formats=True, formats=FORMAT_CHECKERS
            )
            return not validator.is_valid(case.body)
    return False


def _lenient_datetimes() -> st.SearchStrategy[str]:
    """Moments written in the forms ``date-time-lenient`` reads, with and without an offset."""
    moments = st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31))
    layouts = st.sampled_from(
        ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y%m%dT%H%M%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S.%f"]
    )
    offsets = st.sampled_from(["", "Z", "+05:30", "-0800", "+01", "-23:59"])
    return st.builds(
        lambda moment, layout, offset: moment.strftime(layout) + (offset if "H" in layout else ""),
        moments,
        layouts,
        offsets,
    )


schemathesis.openapi.format(formats.LENIENT_DATETIME, _lenient_datetimes())


@schemathesis.check
def valid_data_accepted(ctx: Any, response: Any, case: Case) -> bool | None:
    """``positive_data_acceptance``, minus the 400s the contract requires and format-breaking cases."""
    if response.status_code == 400:
        body = response.json() if "json" in response.headers.get("content-type", [""])[0] else {}
        if isinstance(body, dict) and contract_rejection(body.get("detail"), body.get("code")):
            return None
        if isinstance(body, dict) and _form_field_sent_null(case, body.get("attr")):
            return None
        if _body_breaks_a_format(case):
            return None
    result: bool | None = positive_data_acceptance(ctx, response, case)
    return result


class DeferredApp:
    """The ASGI app schemathesis calls: whichever server the running test's fixture has made."""

    def __init__(self) -> None:
        self.app: Any = None

    def bind(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        assert self.app is not None, "no server bound: use the `server` fixture"
        await self.app(scope, receive, send)


APP = DeferredApp()


@dataclass
class ContractServer:
    app: Any
    database: Database
    key: str
    project_token: str

    def forget_everything_but_identity(self) -> None:
        """Empty every table but the projects, users and keys: each stateful scenario starts alike,
        so that Hypothesis, replaying one, sees the answers it saw the first time."""
        with self.database.write() as session:
            for table in reversed(tables.Base.metadata.sorted_tables):
                if table.name not in IDENTITY_TABLES:
                    session.execute(table.delete())

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def prepare(self, case: Case) -> None:
        """A valid capture request carries this project's token: the schema cannot know it."""
        meta = case.meta
        positive = meta is None or meta.generation.mode.is_positive
        body = case.body
        capture = positive and case.operation.path in CAPTURE_PATHS and isinstance(body, dict)
        if capture and isinstance(body, dict) and isinstance(body.get("api_key"), str):
            body["api_key"] = self.project_token
        phase = meta.phase.name.value if meta is not None else "explicit"
        mode = meta.generation.mode.value if meta is not None else "positive"
        GENERATED[(phase, mode)] += 1


# Generated cases by (phase, generation mode), printed at the end of the run.
GENERATED: Counter[tuple[str, str]] = Counter()
SEEDS: set[int] = set()


def settings_from_environment() -> tuple[int, int | None, str]:
    """(examples per operation, seed or None for a random one, database kind) for this run."""
    examples = int(os.environ.get("EXPERIMENTS_FUZZ_EXAMPLES", "10"))
    seed_text = os.environ.get("EXPERIMENTS_FUZZ_SEED", "20261201")
    seed = None if seed_text == "random" else int(seed_text)
    return examples, seed, os.environ.get("EXPERIMENTS_FUZZ_DATABASE", "sqlite")


@contextmanager
def contract_server(tmp_path: Path) -> Iterator[ContractServer]:
    _, _, kind = settings_from_environment()
    with fresh_database_url(kind, tmp_path) as url:
        database = Database(url, pool_size=5)
        try:
            app = build(database)  # migrates the database
            made = admin.init(database)
            yield ContractServer(app, database, made["personal_api_key"], made["project_token"])
        finally:
            database.dispose()


REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]


def load_schema() -> Any:
    """The spec as the server serves it, with every check, phase and generation mode.

    Loaded at import (schemathesis' fixture-based lazy loading fails under pytest 9.2), so the
    server and its key come later: ``APP.bind`` gives the schema its app, each call its key.
    """
    examples, seed, _ = settings_from_environment()
    config = SchemathesisConfig.from_dict(
        {
            **({"seed": seed} if seed is not None else {}),
            "base-url": "http://testserver",  # every operation to the app, the ingestion ones too
            "phases": {
                "examples": {"enabled": True},
                "coverage": {"enabled": True},
                "fuzzing": {"enabled": True},
                "stateful": {"enabled": True},
            },
            "generation": {"max-examples": examples, "mode": "all", "database": "none"},
            "checks": {
                "enabled": True,
                "positive_data_acceptance": {"enabled": False},  # runs as valid_data_accepted
                # schemathesis' list, and 413: a body past the size limit is refused unread, as the spec says
                "negative_data_rejection": {"expected-statuses": REFUSALS},
            },
        }
    )
    schema = schemathesis.openapi.from_path(SERVED_SPEC, config=config)
    schema.app = APP  # before parametrizing: each operation keeps the app it was made with
    SEEDS.add(schema.config.seed)
    return schema


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not GENERATED:
        return
    terminalreporter.section("schemathesis: generated cases by phase and mode")
    for (phase, mode), count in sorted(GENERATED.items()):
        terminalreporter.write_line(f"{phase:>10} {mode:<9} {count:>6}")
    terminalreporter.write_line(f"{'total':>10} {'':<9} {sum(GENERATED.values()):>6}")
    terminalreporter.write_line(f"seed: {', '.join(map(str, sorted(SEEDS)))} (EXPERIMENTS_FUZZ_SEED replays it)")
