"""One self-contained document whose schema names are the Python class names.

Before any code is generated the spec is rewritten so that:

* every schema that code refers to is a component, named by its final class name: schemas of
  other files and inline object schemas of bodies, responses and parameters are hoisted into
  ``components/schemas``;
* every other ``$ref`` to another file is replaced by what it points to;
* no two schemas end up with the same class name (that is a located problem, not a rename);
* schemas whose readOnly or writeOnly fields make requests and responses differ get a request
  form (see ``directions``);
* every mapping's keys are sorted, so that the order of keys in the spec changes nothing.

datamodel-code-generator then names each model exactly as the component is named, which is what
lets the server and client templates rely on the names.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from generator import naming, patterns, pointers, refs, source, walk
from generator.context import Context
from generator.model import directions
from generator.problems import Problem

SCHEMAS = "/components/schemas"
_SCHEMA_IN_ONE = frozenset({"schema", "items", *walk.ONE_SCHEMA})
_SCHEMA_IN_LIST = frozenset(walk.SCHEMA_LIST)
_SCHEMA_IN_MAP = frozenset(walk.SCHEMA_MAP)
_DATA_KEYS = walk.DATA_KEYS
_PROSE_KEYS = frozenset({"description", "summary", "title"})


@dataclass
class Normalized:
    document: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


def normalize(context: Context) -> Normalized:
    return _Normalizer(context).run()


class _Normalizer:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.root = context.document
        self.schemas: dict[str, Any] = {}  # class name -> schema (filled as names are given)
        self.names: dict[tuple[str, str], str] = {}  # (file, pointer) -> class name
        self.problems: list[Problem] = []

    def run(self) -> Normalized:
        data = self.root.data
        self._name_root_components(data.get("components", {}).get("schemas", {}) or {})
        document = {key: value for key, value in data.items() if key not in ("paths", "components", "webhooks")}
        document["paths"] = self._rewrite(data.get("paths", {}), self.root, "/paths", in_schema=False, names=True)
        if "webhooks" in data:
            document["webhooks"] = self._rewrite(data["webhooks"], self.root, "/webhooks", in_schema=False, names=True)
        components = {
            kind: self._rewrite(
                items, self.root, pointers.join("/components", kind), in_schema=False, names=kind != "examples"
            )
            for kind, items in (data.get("components") or {}).items()
            if kind != "schemas"
        }
        for (file, pointer), name in list(self.names.items()):
            if file == str(self.root.path) and pointer.startswith(SCHEMAS + "/"):
                raw = refs.lookup(data, pointer)
                self.schemas[name] = self._rewrite(raw, self.root, pointer, in_schema=True)
        self._hoist_inline(document, components)
        components["schemas"] = self.schemas
        document["components"] = components
        directions.split(document, self._request_form_renamed)
        return Normalized(_sorted_keys(document), self.problems)

    def _request_form_renamed(self, name: str, message: str) -> None:
        origin = next((pointer for (_, pointer), given in self.names.items() if given == name), SCHEMAS)
        self.problems.append(self.context.problem(origin, "renamed", message, at_key=True))

    def _name_root_components(self, schemas: dict[str, Any]) -> None:
        taken: dict[str, str] = {}
        for original in schemas:
            name = naming.class_name(original)
            pointer = pointers.join(SCHEMAS, original)
            if name in taken:  # `Address` and `address`: the later is renamed, and told
                wanted, name = name, naming.numbered(name, {*taken, *schemas})
                self.problems.append(
                    self.context.problem(
                        pointer,
                        "renamed",
                        f"schemas {taken[wanted]!r} and {original!r} would both become class {wanted}: "
                        f"the second is {name}",
                        at_key=True,
                    )
                )
            taken[name] = original
            self.names[(str(self.root.path), pointer)] = name

    def _component_name(self, document: source.SourceDocument, pointer: str) -> str:
        key = (str(document.path), pointer)
        if key not in self.names:
            tokens = [token for token in pointers.split(pointer) if token not in ("components", "schemas", "$defs")]
            base = naming.class_name(" ".join(tokens[-2:]) if tokens else document.path.stem)
            name = naming.numbered(base, self.names.values())
            self.names[key] = name
            target = refs.lookup(document.data, pointer)
            self.schemas[name] = {}  # reserve it before rewriting, so recursive schemas terminate
            self.schemas[name] = self._rewrite(target, document, pointer, in_schema=True)
        return self.names[key]

    def _rewrite(
        self, value: Any, document: source.SourceDocument, here: str, *, in_schema: bool, names: bool = False
    ) -> Any:
        """``value`` rewritten; ``names`` when its keys are names (responses, headers), not keywords."""
        if isinstance(value, list):
            return [
                self._rewrite(item, document, pointers.join(here, i), in_schema=in_schema)
                for i, item in enumerate(value)
            ]
        if not isinstance(value, dict):
            return value
        if isinstance(value.get("$ref"), str) and not names:
            return self._rewrite_ref(value, document, here, in_schema=in_schema)
        result: dict[str, Any] = {}
        for key, item in value.items():
            at = pointers.join(here, key)
            if names and not key.startswith("x-"):  # a response named `default`, a header `example`
                result[key] = self._rewrite(item, document, at, in_schema=False)
            elif in_schema and key == "discriminator" and isinstance(item, dict):
                result[key] = self._rewrite_discriminator(item, document, at)
            elif in_schema and key == "enum" and (spelled := _spelled_as_strings(value)) is not None:
                result[key] = spelled
                self.problems.append(self.context.problem(at, "enum-type", _spelled_message(item)))
            elif key in _DATA_KEYS or key.startswith("x-"):
                result[key] = copy.deepcopy(item)
            elif key in _PROSE_KEYS and isinstance(item, str):
                result[key] = _tidy_prose(item)
            elif in_schema and key == "pattern" and isinstance(item, str) and (why := patterns.unreadable(item)):
                # kept out of the code, and said, rather than code that fails when imported
                self.problems.append(
                    self.context.problem(
                        at, "pattern-unsupported", f"the pattern is not enforced: pydantic cannot compile it ({why})"
                    )
                )
            elif in_schema and key in _SCHEMA_IN_MAP and isinstance(item, dict):
                result[key] = {
                    name: self._rewrite(sub, document, pointers.join(at, name), in_schema=True)
                    for name, sub in item.items()
                }
            else:
                child_in_schema = (in_schema and (key in _SCHEMA_IN_ONE or key in _SCHEMA_IN_LIST)) or key == "schema"
                child_names = not in_schema and key in walk.NAME_MAPS
                result[key] = self._rewrite(item, document, at, in_schema=child_in_schema, names=child_names)
        return result

    def _rewrite_ref(
        self, value: dict[str, Any], document: source.SourceDocument, here: str, *, in_schema: bool
    ) -> Any:
        target = self.context.resolver.resolve(value["$ref"], document)
        if in_schema:
            key = (str(target.document.path), target.pointer)
            is_root_component = (
                target.document is self.root
                and target.pointer.startswith(SCHEMAS + "/")
                and target.pointer.count("/") == 3
            )
            if not is_root_component and isinstance(target.value, dict) and set(target.value) == {"$ref"}:
                # a reference to a reference (a response's schema that is a $ref): the class it ends at
                ref = self._rewrite_ref(target.value, target.document, target.pointer, in_schema=True)
            else:
                name = (
                    self.names.get(key) if is_root_component else self._component_name(target.document, target.pointer)
                )
                if name is None:  # a component whose name collided; the problem is reported already
                    return {}
                ref = {"$ref": f"#{pointers.join(SCHEMAS, name)}"}
            # 3.1 allows keywords beside $ref; they are schema keywords like any other. 3.0 ignores
            # them, so only its prose is kept (a sibling `allOf` of a 3.0 document is no schema at all).
            kept = {
                k: v for k, v in value.items() if k != "$ref" and (self.context.version == "3.1" or k in _PROSE_KEYS)
            }
            siblings = self._rewrite(kept, document, here, in_schema=True)
            return {**ref, **siblings} if siblings else ref
        if target.document is self.root and value["$ref"].startswith("#"):
            return dict(value)  # a local ref to a component of the root: kept as it is
        # A non-schema part of another file: put it in place, its own refs rewritten from there.
        return self._rewrite(target.value, target.document, target.pointer, in_schema=False)

    def _rewrite_discriminator(self, value: dict[str, Any], document: source.SourceDocument, here: str) -> Any:
        """A discriminator whose mapping names the schemas by their class names, as its refs do."""
        mapping = value.get("mapping")
        if not isinstance(mapping, dict):
            return copy.deepcopy(value)
        rewritten = {}
        for key, target in mapping.items():
            # a ref, or a bare schema name, which means the component of that name
            ref = target if isinstance(target, str) and ("/" in target or "#" in target) else f"#{SCHEMAS}/{target}"
            try:
                mapped = self._rewrite_ref({"$ref": ref}, document, pointers.join(here, "mapping", key), in_schema=True)
            except refs.UnresolvableRefError:
                mapped = {"$ref": target}  # the references rule says where
            rewritten[key] = mapped.get("$ref", target)
        return {**copy.deepcopy(value), "mapping": rewritten}

    def _hoist_inline(self, document: dict[str, Any], components: dict[str, Any]) -> None:
        """Give inline object schemas of bodies, responses, parameters and headers a component name,
        in operations, webhooks and callbacks alike."""
        found = [*walk.operations(document), *(received.operation for received in walk.received(document))]
        for operation in found:
            stem = naming.class_name(operation.value.get("operationId") or f"{operation.method} {operation.path}")
            self._hoist_body(operation.value.get("requestBody"), f"{stem}Body")
            for status, response in (operation.value.get("responses") or {}).items():
                suffix = status.upper() if status.isalnum() else naming.class_name(status)
                self._hoist_response(response, f"{stem}Response{suffix}")
            for parameter in operation.value.get("parameters") or []:
                if isinstance(parameter, dict) and "name" in parameter:
                    self._hoist(parameter, f"{stem}{naming.class_name(parameter['name'])}")
        for name, body in (components.get("requestBodies") or {}).items():
            self._hoist_body(body, f"{naming.class_name(name)}Body")
        for name, response in (components.get("responses") or {}).items():
            self._hoist_response(response, f"{naming.class_name(name)}Response")
        for name, parameter in (components.get("parameters") or {}).items():
            if isinstance(parameter, dict):
                self._hoist(parameter, f"{naming.class_name(name)}Parameter")
        for name, header in (components.get("headers") or {}).items():
            if isinstance(header, dict):
                self._hoist(header, f"{naming.class_name(name)}Header")

    def _hoist_body(self, body: Any, name: str) -> None:
        if isinstance(body, dict):
            for media in (body.get("content") or {}).values():
                if isinstance(media, dict):
                    self._hoist(media, name)

    def _hoist_response(self, response: Any, name: str) -> None:
        if not isinstance(response, dict):
            return
        self._hoist_body(response, name)
        for header_name, header in (response.get("headers") or {}).items():
            if isinstance(header, dict):
                self._hoist(header, f"{name}{naming.class_name(header_name)}Header")

    def _hoist(self, holder: dict[str, Any], name: str) -> None:
        for media in (holder.get("content") or {}).values():  # a parameter or header given as `content`
            if isinstance(media, dict):
                self._hoist(media, name)
        schema = holder.get("schema")
        if not _needs_class(schema):
            return
        for existing, other in self.schemas.items():
            if other == schema:  # the same inline schema for several media types: one class
                holder["schema"] = {"$ref": f"#{pointers.join(SCHEMAS, existing)}"}
                return
        unique = naming.numbered(name, self.schemas)
        self.schemas[unique] = schema
        holder["schema"] = {"$ref": f"#{pointers.join(SCHEMAS, unique)}"}


def _tidy_prose(text: str) -> str:
    """Descriptions become docstrings: no trailing spaces, tabs or blank lines at either end."""
    return "\n".join(line.rstrip() for line in text.expandtabs(4).strip("\n").splitlines())


def _spelled_as_strings(schema: dict[str, Any]) -> list[Any] | None:
    """A string schema's enum with its other values (YAML's unquoted ``true``, ``1``) spelled as the
    strings the author meant; None when there is nothing to spell."""
    types = schema.get("type")
    types = set(types) if isinstance(types, list) else {types}
    values = schema.get("enum")
    if "string" not in types or not types <= {"string", "null"} or not isinstance(values, list):
        return None
    if all(isinstance(value, str) or value is None for value in values):
        return None
    spelled = [value if isinstance(value, str) or value is None else json.dumps(value) for value in values]
    return list(dict.fromkeys(spelled))  # `1` and `"1"` are one value once spelled


def _spelled_message(values: list[Any]) -> str:
    others = [json.dumps(value) for value in values if not (isinstance(value, str) or value is None)]
    return (
        f"enum values {', '.join(others)} are not strings though the schema's type is string: "
        f"they are read as the strings {', '.join(json.dumps(other) for other in others)}"
    )


def _sorted_keys(value: Any) -> Any:
    """The same data with every mapping's keys in order: the spec's key order must not matter."""
    if isinstance(value, dict):
        return {key: _sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(item) for item in value]
    return value


def _needs_class(schema: Any) -> bool:
    """Whether an inline schema is more than a type expression can say."""
    if not isinstance(schema, dict) or "$ref" in schema:
        return False
    if "properties" in schema or "discriminator" in schema:
        return True
    if isinstance(schema.get("allOf"), list):  # one member is that member's type (a $ref, nullable or not)
        return len(schema["allOf"]) != 1 or _needs_class(schema["allOf"][0]) or not isinstance(schema["allOf"][0], dict)
    if "allOf" in schema:
        return True
    if any(isinstance(schema.get(key), list) for key in ("oneOf", "anyOf")):
        return any(_needs_class(member) for member in schema.get("oneOf", []) + schema.get("anyOf", []))
    if "items" in schema:
        return _needs_class(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        return _needs_class(schema["additionalProperties"])
    return False
