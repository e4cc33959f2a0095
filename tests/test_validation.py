"""``python -m generator validate``: each broken spec gives its located problem, and a non-zero exit."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.cli import main
from generator.validation import validate
from tests.conftest import SPEC

CORPUS = Path(__file__).parent / "validation_corpus"
CASES = sorted([*CORPUS.glob("*.yaml"), *CORPUS.glob("*.json")])


def _expectation(path: Path) -> tuple[str, int, int] | None:
    """From the file's first line, or from ``<name>.expect`` beside it (JSON has no comments)."""
    sidecar = path.with_name(path.name + ".expect")
    text = sidecar.read_bytes() if sidecar.exists() else path.read_bytes()
    first_line = text.split(b"\n", 1)[0].decode()
    match = re.fullmatch(r"# expect: (\S+)(?: (\d+):(\d+))?", first_line)
    assert match, f"{path.name} lacks its '# expect:' line"
    rule, line, column = match.groups()
    return None if rule == "none" else (rule, int(line), int(column))


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_corpus(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(CORPUS)
    expected = _expectation(path)
    report = validate(Path(path.name))
    if expected is None:
        assert report.problems == []
        return
    rule, line, column = expected
    assert (report.problems[0].rule, report.problems[0].line, report.problems[0].column) == (rule, line, column)
    assert report.problems[0].file == path.name
    # Generating from it fails the same way, touching nothing; unless the problem is advisory (it does
    # not change the code), when generation goes on and replaces the folder.
    out = tmp_path / "generated"
    out.mkdir()
    (out / "kept.py").write_text("# from an earlier run\n")
    blocking = report.problems[0].blocking
    assert main(["generate", "--spec", path.name, "--out", str(out)]) == (1 if blocking else 0)
    assert [p.name for p in tmp_path.iterdir()] == ["generated"]
    assert ([p.name for p in out.iterdir()] == ["kept.py"]) == blocking


def test_text_output_has_location_pointer_and_code_frame(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)
    assert main(["validate", "--spec", "example_wrong_type.yaml"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("example_wrong_type.yaml:25:22: example-valid (advisory): 'three' is not of type 'integer'")
    assert "  at #/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/example/age\n" in err
    assert "  > 25 |                 age: three\n" in err
    assert err.rstrip().endswith("1 problem found")


def test_json_output(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    assert main(["validate", "--spec", "dangling_ref.yaml", "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert problems == [
        {
            "file": "dangling_ref.yaml",
            "line": 22,
            "column": 23,
            "pointer": "#/paths/~1pets~1{pet_id}/get/responses/200/content/application~1json/schema/$ref",
            "rule": "ref-resolves",
            "message": "/components/schemas has no 'Pat'",
            "blocking": True,
        }
    ]


def test_every_problem_of_a_run_is_reported_sorted(tmp_path: Path) -> None:
    spec = (CORPUS / "valid.yaml").read_text()
    spec = spec.replace("age: 3", "age: -3").replace("name: Rex", "name: 7")
    (tmp_path / "two.yaml").write_text(spec)
    problems = validate(tmp_path / "two.yaml").problems
    assert [(p.rule, p.line) for p in problems] == [("example-valid", 24), ("example-valid", 25)]


def test_module_entry_point_exit_status() -> None:
    ok = subprocess.run([sys.executable, "-m", "generator", "validate", "--spec", str(SPEC)], capture_output=True)
    bad = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(CORPUS / "bad_yaml.yaml")], capture_output=True
    )
    assert (ok.returncode, bad.returncode) == (0, 1)


def test_unreadable_spec_is_a_located_problem(tmp_path: Path) -> None:
    (tmp_path / "spec.yaml").mkdir()  # a folder where the file should be: cannot be read, even by root
    problems = validate(tmp_path / "spec.yaml").problems
    assert [(p.rule, p.line, p.column) for p in problems] == [("readable", 1, 1)]
    assert "cannot read the file" in problems[0].message


def test_missing_spec_is_a_located_problem(tmp_path: Path) -> None:
    problems = validate(tmp_path / "nowhere.yaml").problems
    assert [(p.rule, p.message) for p in problems] == [("readable", "file not found")]


def test_corpus_is_large_enough() -> None:
    assert len([case for case in CASES if _expectation(case) is not None]) >= 20


def test_a_blocking_rendering_problem_does_not_hide_the_structure_problems(tmp_path: Path) -> None:
    spec = (CORPUS / "unrenderable_enum.yaml").read_text()
    spec += "    post:\n      operationId: addPet\n      responses:\n        '200':\n          description: Added.\n"
    spec += "          content:\n            application/json:\n              schema: null\n"
    (tmp_path / "both.yaml").write_text(spec)
    rules = {problem.rule for problem in validate(tmp_path / "both.yaml").problems}
    assert rules == {"renderable", "openapi-structure"}


def test_a_structure_problem_says_its_reason_before_the_value(tmp_path: Path) -> None:
    """The value may be a whole schema: the reason comes first, the value after, cut when long."""
    long_description = "word " * 200
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        f"        '200': {{description: ok}}\n      parameters:\n"
        f"        - {{name: q, description: '{long_description}', schema: {{type: string}}}}\n"
    )
    (tmp_path / "long.yaml").write_text(spec)
    (problem,) = [p for p in validate(tmp_path / "long.yaml").problems if p.rule == "openapi-structure"]
    assert problem.message.startswith("the value is not valid under any of the schemas listed in the "), problem.message
    assert len(problem.message) < 300


def test_an_example_under_a_pattern_the_code_cannot_read_is_said_unchecked_not_a_crash(tmp_path: Path) -> None:
    spec = (
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Word:\n"
        "      type: string\n      pattern: '^(?!x)[a-z]+$'\n      example: abc\n"
    )
    (tmp_path / "word.yaml").write_text(spec, encoding="utf-8")
    problems = [p for p in validate(tmp_path / "word.yaml").problems if p.rule == "example-valid"]
    assert [(p.pointer, p.blocking) for p in problems] == [("#/components/schemas/Word/example", False)]
    assert problems[0].message.startswith(
        "the example is not checked: a pattern of its schema is not one the generated"
    )


@pytest.mark.parametrize(("example", "problems"), [("Ærø", 0), ("R2D2", 1)])
def test_examples_are_checked_by_the_generated_code_s_pattern_engine(
    tmp_path: Path, example: str, problems: int
) -> None:
    """``\\p{L}`` is a letter to pydantic's engine, which the models use (Python's re cannot read it)."""
    spec = (
        "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Letters:\n"
        f"      type: string\n      pattern: '^[\\p{{L}} ]+$'\n      example: {example}\n"
    )
    (tmp_path / "letters.yaml").write_text(spec, encoding="utf-8")
    found = [p for p in validate(tmp_path / "letters.yaml").problems if p.rule == "example-valid"]
    assert len(found) == problems, found


def test_a_pattern_that_backtracks_without_end_in_python_is_checked_at_once(tmp_path: Path) -> None:
    """``([a-z.-]*)*`` against a long text that fails takes Python's re hours (a real directory spec)."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Site:\n"
        "      type: string\n      pattern: '^([a-z.-]*)*$'\n"
        f"      example: '{'a.' * 40}!'\n"
    )
    (tmp_path / "site.yaml").write_text(spec, encoding="utf-8")
    found = [p for p in validate(tmp_path / "site.yaml").problems if p.rule == "example-valid"]
    assert [p.pointer for p in found] == ["#/components/schemas/Site/example"]


def test_names_an_author_chose_are_spec_not_data(tmp_path: Path) -> None:
    """A response named ``default``, a property named ``enum`` and a header named ``example`` hold spec:
    their references resolve and their schemas are rendered (they were once skipped as data)."""
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/a": {
                "get": {
                    "operationId": "get_a",
                    "responses": {
                        "400": {
                            "description": "bad",
                            "headers": {"example": {"schema": {"type": "integer"}}},
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                        },
                        "default": {"$ref": "#/paths/~1a/get/responses/400"},
                    },
                }
            },
            "/b": {
                "get": {
                    "operationId": "get_b",
                    "responses": {
                        "default": {
                            "description": "any",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/paths/~1a/get/responses/400/content/application~1json/schema"}
                                }
                            },
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Problem": {
                    "type": "object",
                    "properties": {"enum": {"$ref": "#/components/schemas/Missing"}},
                }
            }
        },
    }
    (tmp_path / "named.json").write_text(json.dumps(spec))
    problems = validate(tmp_path / "named.json").problems
    assert [(p.rule, p.pointer) for p in problems if p.blocking] == [
        ("ref-resolves", "#/components/schemas/Problem/properties/enum/$ref")
    ]
    del spec["components"]["schemas"]["Problem"]["properties"]["enum"]["$ref"]
    (tmp_path / "named.json").write_text(json.dumps(spec))
    report = validate(tmp_path / "named.json")
    assert not [p for p in report.problems if p.blocking], report.problems
    assert report.api is not None
    responses = {op.operation_id: op.responses for op in report.api.operations}
    assert [(r.status, [m.annotation for m in r.media_types]) for r in responses["get_b"]] == [
        ("default", ["models.Problem"])
    ]
    assert [h.name for r in responses["get_a"] if r.status == "default" for h in r.headers] == ["example"]


def test_a_code_frame_of_a_one_line_document_shows_the_column_not_the_whole_line(tmp_path: Path) -> None:
    """A minified JSON document is one line: the frame is a window around the column, caret under it."""
    padding = {f"p{i}": {"get": {"responses": {"200": {"description": "ok"}}}} for i in range(300)}
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "T", "version": "1"},
        "paths": {**{f"/{k}": v for k, v in padding.items()}},
    }
    spec["paths"]["/z"] = {"get": {"responses": {"200": {"$ref": "#/components/responses/Nowhere"}}}}
    (tmp_path / "one.json").write_text(json.dumps(spec))
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "validate", "--spec", str(tmp_path / "one.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = completed.stderr.splitlines()
    head = next(line for line in lines if ": ref-resolves: " in line)
    column = int(head.split(":")[2])
    assert column > 10_000
    frame = lines[lines.index(head) + 2 : lines.index(head) + 4]
    assert all(len(line) < 130 for line in frame), frame
    text, caret = frame
    assert caret.index("^") < len(text)
    assert text[caret.index("^") :].startswith('"#/components/responses/Nowhere"')


def test_a_3_0_document_ignores_what_stands_beside_a_ref(tmp_path: Path) -> None:
    """OpenAPI 3.0 ignores a $ref's siblings: a sibling that is no schema (an ``allOf`` map, as in a
    real directory document) neither crashes the example check nor reaches the models."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /m:\n    get:\n      operationId: get_m\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema:\n                $ref: '#/components/schemas/M'\n"
        "                description: The monster.\n                allOf: {'3': {properties: {a: {}}}}\n"
        "              example: {name: Aboleth}\n"
        "components:\n  schemas:\n    M:\n      type: object\n      properties:\n        name: {type: string}\n"
    )
    (tmp_path / "siblings.yaml").write_text(spec)
    assert main(["generate", "--spec", str(tmp_path / "siblings.yaml"), "--out", str(tmp_path / "out")]) == 0
    (operation,) = validate(tmp_path / "siblings.yaml").api.operations  # type: ignore[union-attr]
    assert [m.annotation for m in operation.responses[0].media_types] == ["models.M"]


def test_an_example_of_a_subtype_whose_base_has_the_discriminator_is_checked(tmp_path: Path) -> None:
    """Base and subtypes name each other (discriminator one way, allOf the other): checking an
    example once recursed until Python stopped it; now the example is checked, and its error found."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /pets:\n    get:\n      operationId: get_pets\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema: {$ref: '#/components/schemas/Pet'}\n"
        "              examples:\n                good: {value: {kind: Cat, lives: 9}}\n"
        "                bad: {value: {kind: Cat, lives: nine}}\n"
        "components:\n  schemas:\n    Pet:\n      type: object\n      required: [kind]\n"
        "      properties: {kind: {type: string}}\n      discriminator: {propertyName: kind}\n"
        "      allOf: [{$ref: '#/components/schemas/Named'}]\n"
        "    Named:\n      type: object\n      properties: {name: {type: string}}\n"
        "    Cat:\n      allOf: [{$ref: '#/components/schemas/Pet'}]\n      properties: {lives: {type: integer}}\n"
    )
    (tmp_path / "pets.yaml").write_text(spec)
    problems = [p for p in validate(tmp_path / "pets.yaml").problems if p.rule == "example-valid"]
    assert [p.pointer for p in problems] == [
        "#/paths/~1pets/get/responses/200/content/application~1json/examples/bad/value/lives"
    ]


def test_a_3_0_response_s_siblings_of_its_ref_are_not_checked(tmp_path: Path) -> None:
    """A real directory document puts headers beside a response's $ref; 3.0 ignores them, and so does the
    example check (it once looked their schema up where the validator, rightly, did not have it)."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /d:\n    get:\n      operationId: get_d\n"
        "      responses:\n        '200':\n          $ref: '#/components/responses/File'\n"
        "          headers: {Content-Disposition: {schema: {type: string, example: 1}}}\n"
        "components:\n  responses:\n    File: {description: A file.}\n"
    )
    (tmp_path / "file.yaml").write_text(spec)
    assert [p.rule for p in validate(tmp_path / "file.yaml").problems] == []


def test_a_discriminator_mapping_names_the_schemas_by_their_class_names(tmp_path: Path) -> None:
    """Microsoft Graph names schemas ``microsoft.graph.x`` and maps discriminators to them; the mapping
    kept those names, and datamodel-code-generator then made a package of modules instead of one."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /p:\n    get:\n      operationId: get_p\n"
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema: {$ref: '#/components/schemas/graph.entity'}\n"
        "components:\n  schemas:\n    graph.entity:\n      type: object\n      required: ['@type']\n"
        "      properties: {'@type': {type: string}}\n"
        "      discriminator:\n        propertyName: '@type'\n"
        "        mapping: {'#graph.user': '#/components/schemas/graph.user', '#graph.group': graph.group}\n"
        "    graph.user:\n      allOf: [{$ref: '#/components/schemas/graph.entity'}]\n"
        "      properties: {name: {type: string}}\n"
        "    graph.group:\n      allOf: [{$ref: '#/components/schemas/graph.entity'}]\n"
        "      properties: {size: {type: integer}}\n"
    )
    (tmp_path / "graph.yaml").write_text(spec)
    assert main(["generate", "--spec", str(tmp_path / "graph.yaml"), "--out", str(tmp_path / "out")]) == 0
    report = validate(tmp_path / "graph.yaml")
    assert report.normalized is not None
    entity = report.normalized.document["components"]["schemas"]["GraphEntity"]
    assert entity["discriminator"]["mapping"] == {
        "#graph.group": "#/components/schemas/GraphGroup",
        "#graph.user": "#/components/schemas/GraphUser",
    }


def test_body_fields_python_would_name_alike_pass_the_body_whole(tmp_path: Path) -> None:
    """Trello's ``prefs/background`` and ``prefs_background`` made two keyword arguments of one name."""
    spec = (
        "openapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths:\n  /b:\n    put:\n      operationId: put_b\n"
        "      requestBody:\n        content:\n          application/json:\n            schema:\n"
        "              type: object\n              properties:\n"
        "                prefs/background: {type: string}\n                prefs_background: {type: string}\n"
        "      responses:\n        '204': {description: ok}\n"
    )
    (tmp_path / "b.yaml").write_text(spec)
    assert main(["generate", "--spec", str(tmp_path / "b.yaml"), "--out", str(tmp_path / "out")]) == 0
    (operation,) = validate(tmp_path / "b.yaml").api.operations  # type: ignore[union-attr]
    assert operation.body_fields is None
