"""Schema validation of the merged Compose tree against the vendored Compose Specification.

The schema is ``compose-spec.json`` next to this module (see ``SCHEMA_NOTICE.md`` for its
origin, checksum and licence). Validation runs in two passes, like a compiler's fast path and
its diagnostics:

1. ``_fast_check`` answers "is it valid?". The schema is compiled once per process, lazily, into
   nested closures that return a bool (no exceptions, no messages), which keeps a
   1,000-service document in the tens of milliseconds. It handles exactly the keywords the
   Compose schema uses (``_KEYWORDS``; ``check_keywords``, run by a test, fails loudly on any
   other); subschemas are compiled when a document first uses them.
   (fastjsonschema was measured first and not kept: ~190 ms to compile this schema and ~180 ms
   per 1,000-service document, because its generated code raises and formats an exception for
   every ``oneOf`` branch that does not match.)
2. Only for an invalid document, ``jsonschema`` (imported then) lists every violation and
   ``_most_specific`` keeps the one compose-go would report (``schema/schema.go``): the
   deepest instance location, ``additionalProperties`` ranked one level deeper, first one on
   a tie, worded in Compose terms (``services.web.ports.0 must be a number``).

Regular expressions follow Go/ECMA semantics: ``$`` matches only at the very end of a string.
"""

from __future__ import annotations

import json
import math
import operator
import os
import re
from collections.abc import Callable, Mapping
from functools import cache, partial
from typing import Any

from dockyard.compose.location import Location, placed
from dockyard.compose.tree import dotted
from dockyard.errors import SchemaError

Check = Callable[[Any], bool]
SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "compose-spec.json")  # os.path: pathlib costs start-up time

_KEYWORDS = frozenset(
    {
        "type", "properties", "patternProperties", "additionalProperties", "items", "oneOf",
        "anyOf", "allOf", "$ref", "enum", "const", "required", "uniqueItems", "minimum",
        "maximum", "pattern", "minItems", "maxItems", "minLength", "maxLength",
        # annotations, no effect on validity
        "description", "deprecated", "default", "title", "$schema", "$id", "$defs", "$comment",
        "examples", "format",
    }
)  # fmt: skip

_COMPOSE_TYPE_WORDS = {"object": "mapping"}


def validate(
    data: Any, *, file: str, positions: Mapping[tuple, Location], every: bool = False
) -> list[SchemaError]:
    """Validate a merged Compose tree; return compose-go's single most specific error, or ``[]``.

    With ``every``, compose-go's error comes first, then the most specific error of each other
    violation, in file order (``dockyard validate`` lists every problem, not only the first).
    ``positions`` maps tree paths such as ``("services", "web", "ports", 0)`` to where the value
    was written; the error is located at the nearest known path (the offending key for an
    ``additional properties`` error).
    """
    if _fast_check()(data):
        return []
    violations = list(_explainer().iter_errors(data))
    first = _explain(_most_specific(violations), file=file, positions=positions)
    if not every:
        return [first]
    others = {str(first): first}
    for violation in violations:
        error = _explain(_most_specific([violation]), file=file, positions=positions)
        others.setdefault(str(error), error)
    del others[str(first)]
    return [first, *sorted(others.values(), key=lambda e: (e.file or "", e.line or 0, e.column or 0))]


# --- pass 1: compiled boolean validator -------------------------------------------------


@cache
def schema_document() -> dict[str, Any]:
    """The vendored Compose schema (parsed once)."""
    with open(SCHEMA_FILE, encoding="utf-8") as schema_file:
        return json.load(schema_file)


@cache
def _fast_check() -> Check:
    return _Compiler(schema_document()).compile(schema_document())


def check_keywords(schema: Any) -> None:
    """Fail loudly on a keyword ``_Compiler`` does not know, anywhere in ``schema``. The compiler
    meets a subschema only when a document first uses it, so a test runs this on the vendored
    schema instead."""
    if not isinstance(schema, dict):
        return
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise NotImplementedError(f"schema keywords not supported: {sorted(unknown)}")
    for keyword in ("properties", "patternProperties", "$defs"):
        for sub in schema.get(keyword, {}).values():
            check_keywords(sub)
    for keyword in ("additionalProperties", "items"):
        check_keywords(schema.get(keyword))
    for keyword in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(keyword, ()):
            check_keywords(sub)


def go_regex(pattern: str) -> re.Pattern[str]:
    """Compile a schema regex with Go/ECMA anchoring (``$`` is end of text, not before a final newline)."""
    return re.compile(re.sub(r"(?<!\\)\$", r"\\Z", pattern))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ``str.__instancecheck__`` is ``isinstance(v, str)`` called without a Python frame: the type
# checks are the validator's most frequent calls
_TYPE_TESTS: dict[str, Check] = {
    "object": dict.__instancecheck__,
    "array": list.__instancecheck__,
    "string": str.__instancecheck__,
    "boolean": bool.__instancecheck__,
    "null": partial(operator.is_, None),
    "number": _is_number,
    "integer": lambda v: _is_number(v) and (isinstance(v, int) or (math.isfinite(v) and v == int(v))),
}


# The Python types a JSON type name accepts without further test (``bool`` is not a number, a
# float is an integer only when integral: those cases go through ``_TYPE_TESTS``).
_PLAIN_TYPES: dict[str, frozenset[type]] = {
    "object": frozenset({dict}),
    "array": frozenset({list}),
    "string": frozenset({str}),
    "boolean": frozenset({bool}),
    "null": frozenset({type(None)}),
    "number": frozenset({int, float}),
    "integer": frozenset({int}),
}
_PLAIN = frozenset().union(*_PLAIN_TYPES.values())


def json_key(value: Any) -> Any:
    """A hashable form of a JSON value under JSON equality (``1 == 1.0``, ``true != 1``)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return (type(value).__name__, value)
    if _is_number(value):
        return ("number", value)
    if isinstance(value, list):
        return ("array", tuple(json_key(v) for v in value))
    if isinstance(value, dict):
        return ("object", frozenset((str(k), json_key(v)) for k, v in value.items()))
    return ("other", id(value))


def _all_unique(items: list[Any]) -> bool:
    if len(items) < 2:
        return True
    if all(type(item) is str for item in items):  # the usual list: strings are equal as JSON iff equal
        return len(set(items)) == len(items)
    seen = set()
    for item in items:
        key = json_key(item)
        if key in seen:
            return False
        seen.add(key)
    return True


class _Compiler:
    """Turns a schema into nested closures; ``$ref`` targets are compiled once and shared."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        unknown = set(schema) - _KEYWORDS
        if unknown:
            raise NotImplementedError(f"schema keywords not supported: {sorted(unknown)}")
        wanted = schema.get("type")
        # ``type: object`` with properties (``array`` with items) is checked by the structural
        # check itself, which then refuses other values: one call per node instead of two
        strict = wanted if wanted in ("object", "array") else None
        checks = [c for c in self._object_checks(schema, strict == "object") if c is not None]
        if "items" in schema:
            checks.append(_items(self, schema["items"], strict == "array"))
        elif strict == "array":
            strict = None
        if strict == "object" and not checks:
            strict = None
        checks += [self._keyword(k, schema) for k in _SIMPLE if k in schema and k != "items"]
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"]))
        if wanted is not None and strict is None:
            checks.insert(0, self._type(wanted))
        if len(checks) == 1:
            return checks[0]
        return _all_checks(tuple(checks))

    def _ref(self, ref: str) -> Check:
        if ref not in self.refs:
            target: Any = self.root
            for part in ref.lstrip("#/").split("/"):
                target = target[part]
            holder: list[Check] = []
            self.refs[ref] = lambda v: holder[0](v)  # for a reference met while compiling its target
            holder.append(self.compile(target))
            self.refs[ref] = holder[0]  # later references call the check itself
        return self.refs[ref]

    def _type(self, wanted: str | list[str]) -> Check:
        names = [wanted] if isinstance(wanted, str) else wanted
        tests = [_TYPE_TESTS[t] for t in names]
        if len(tests) == 1:
            return tests[0]
        # most values are of a plain type: a set lookup answers without calling each test
        accepted = frozenset().union(*(_PLAIN_TYPES[t] for t in names))
        refused = _PLAIN - accepted - ({float} if "integer" in names else set())

        def check_types(value: Any) -> bool:
            kind = type(value)
            if kind in accepted:
                return True
            if kind in refused:
                return False
            return any(test(value) for test in tests)

        return check_types

    def _object_checks(self, schema: dict[str, Any], strict: bool = False) -> list[Check | None]:
        props = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        extra = schema.get("additionalProperties", True)
        required = tuple(schema.get("required", ()))
        if not (props or patterns or extra is not True or required):
            return []

        # a key's checks are compiled the first time the key is met: a file uses a few of the
        # schema's hundreds of properties, and compiling them all was most of a small file's run
        plans: dict[Any, Check] = {}  # key -> the check its value must pass (all of them, combined)
        compiled: dict[Any, Check] = {}  # property name -> its check
        others: list[Any] = []  # [compiled patternProperties, additionalProperties check or None]

        def plan_for(key: Any) -> Check:
            if not others:
                others.append([(go_regex(p), self.compile(s)) for p, s in patterns.items()])
                others.append(None if extra is True else self.compile(extra))
            compiled_patterns, extra_check = others
            name = key if type(key) is str else str(key)
            checks = [check for regex, check in compiled_patterns if regex.search(name)]
            if key in props:
                if key not in compiled:
                    compiled[key] = self.compile(props[key])
                checks.insert(0, compiled[key])
            if not checks:
                return _accept if extra_check is None else extra_check
            return checks[0] if len(checks) == 1 else _all_checks(tuple(checks))

        def check_object(value: Any) -> bool:
            if not isinstance(value, dict):
                return not strict
            for name in required:
                if name not in value:
                    return False
            for key, item in value.items():
                check = plans.get(key)  # only str keys are cached (1 and True hash alike): no other key hits
                if check is None:
                    check = plan_for(key)
                    if type(key) is str and len(plans) < 4096:
                        plans[key] = check
                if check is not _accept and not check(item):
                    return False
            return True

        return [check_object]

    def _keyword(self, keyword: str, schema: dict[str, Any]) -> Check:
        return _SIMPLE[keyword](self, schema[keyword])


def _accept(value: Any) -> bool:
    return True


def _all_checks(checks: tuple[Check, ...]) -> Check:
    def check_all(value: Any) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True

    return check_all


def _items(compiler: _Compiler, sub: Any, strict: bool = False) -> Check:
    check = compiler.compile(sub)

    def check_items(value: Any) -> bool:
        if not isinstance(value, list):
            return not strict
        for item in value:
            if not check(item):
                return False
        return True

    return check_items


def _one_of(compiler: _Compiler, subs: list[Any]) -> Check:
    checks = tuple(compiler.compile(s) for s in subs)

    def check_one_of(value: Any) -> bool:
        matched = 0
        for check in checks:
            if check(value):
                matched += 1
                if matched > 1:
                    return False
        return matched == 1

    return check_one_of


def _any_of(compiler: _Compiler, subs: list[Any]) -> Check:
    checks = [compiler.compile(s) for s in subs]
    return lambda v: any(c(v) for c in checks)


def _all_of(compiler: _Compiler, subs: list[Any]) -> Check:
    checks = [compiler.compile(s) for s in subs]
    return lambda v: all(c(v) for c in checks)


def _enum(compiler: _Compiler, values: list[Any]) -> Check:
    keys = {json_key(v) for v in values}
    strings = frozenset(v for v in values if type(v) is str)  # a string is in the enum iff it is one of these
    return lambda v: v in strings if type(v) is str else json_key(v) in keys


def _const(compiler: _Compiler, value: Any) -> Check:
    key = json_key(value)
    return lambda v: json_key(v) == key


def _pattern(compiler: _Compiler, pattern: str) -> Check:
    regex = go_regex(pattern)
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


def _bound(test: Callable[[Any, Any], bool], kind: Callable[[Any], bool]) -> Callable[[_Compiler, Any], Check]:
    return lambda compiler, limit: lambda v: not kind(v) or test(v, limit)


_SIMPLE: dict[str, Callable[[_Compiler, Any], Check]] = {
    "items": _items,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "allOf": _all_of,
    "enum": _enum,
    "const": _const,
    "pattern": _pattern,
    "uniqueItems": lambda c, on: (lambda v: not isinstance(v, list) or _all_unique(v)) if on else (lambda v: True),
    "minimum": _bound(lambda v, n: v >= n, _is_number),
    "maximum": _bound(lambda v, n: v <= n, _is_number),
    "minItems": _bound(lambda v, n: len(v) >= n, lambda v: isinstance(v, list)),
    "maxItems": _bound(lambda v, n: len(v) <= n, lambda v: isinstance(v, list)),
    "minLength": _bound(lambda v, n: len(v) >= n, lambda v: isinstance(v, str)),
    "maxLength": _bound(lambda v, n: len(v) <= n, lambda v: isinstance(v, str)),
}


# --- pass 2: explaining an invalid document ---------------------------------------------


@cache
def _explainer() -> Any:
    import jsonschema
    from jsonschema import validators

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Any:
        if validator.is_type(instance, "string") and not go_regex(patrn).search(instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            regex = go_regex(patrn)
            for key, value in instance.items():
                if regex.search(str(key)):
                    yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    def additional_properties(validator: Any, extra: Any, instance: Any, schema: Any) -> Any:
        if not validator.is_type(instance, "object"):
            return
        extras = _additional_keys(instance, schema)
        if extra is False and extras:
            yield jsonschema.ValidationError("additional properties", instance=extras)
        elif isinstance(extra, dict):
            for key in extras:
                yield from validator.descend(instance[key], extra, path=key)

    cls = validators.extend(
        jsonschema.Draft202012Validator,
        {"pattern": pattern, "patternProperties": pattern_properties, "additionalProperties": additional_properties},
    )
    return cls(schema_document())


def _additional_keys(instance: dict[Any, Any], schema: dict[str, Any]) -> list[Any]:
    props = schema.get("properties", {})
    regexes = [go_regex(p) for p in schema.get("patternProperties", {})]
    return [k for k in instance if k not in props and not any(r.search(str(k)) for r in regexes)]


def _leaves(error: Any) -> Any:
    if not error.context:
        yield error
        return
    for child in error.context:
        yield from _leaves(child)


def _specificity(error: Any) -> int:
    depth = len(error.absolute_path)
    return depth + 1 if error.validator == "additionalProperties" else depth


def _most_specific(errors: list[Any]) -> Any | None:
    best = None
    for error in errors:
        for leaf in _leaves(error):
            if best is None or _specificity(leaf) > _specificity(best):
                best = leaf
    return best


def _explain(error: Any, *, file: str, positions: Mapping[tuple, Location]) -> SchemaError:
    if error is None:  # the fast pass and jsonschema disagree: still a clean, located error
        return SchemaError("does not match the Compose specification", file=file)
    path = tuple(error.absolute_path)
    anchor = path + (error.instance[0],) if error.validator == "additionalProperties" else path
    text = " ".join(p for p in (dotted(path), describe(error)) if p)
    return SchemaError(text, path=dotted(path), **placed(positions, anchor, file))


def quote(text: Any) -> str:
    """santhosh-tekuri/jsonschema's quoting: Go ``%q`` body between single quotes."""
    body = json.dumps(str(text), ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
    return f"'{body}'"


def _go_value(value: Any) -> str:
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    return str(value)


def human_type(wanted: str | list[str]) -> str:
    """compose-go's ``humanReadableType``: ``object`` reads ``mapping``; several are sorted."""
    if isinstance(wanted, str):
        return _COMPOSE_TYPE_WORDS.get(wanted, wanted)
    if len(wanted) == 1:
        return human_type(wanted[0])
    words = sorted(human_type(w) for w in wanted)
    return f"{', '.join(words[:-1])} or {words[-1]}"


def _number(limit: Any) -> str:
    return str(int(limit)) if _is_number(limit) and float(limit).is_integer() else str(limit)


_DESCRIPTIONS: dict[str, Callable[[Any], str]] = {
    "type": lambda e: f"must be a {human_type(e.validator_value)}",
    "minimum": lambda e: f"must be greater than or equal to {_number(e.validator_value)}",
    "maximum": lambda e: f"must be less than or equal to {_number(e.validator_value)}",
    "additionalProperties": lambda e: f"additional properties {', '.join(quote(k) for k in e.instance)} not allowed",
    "required": lambda e: _missing([r for r in e.validator_value if r not in e.instance]),
    "enum": lambda e: _one_of_values(e.validator_value),
    "const": lambda e: f"value must be {_go_value(e.validator_value)}",
    "pattern": lambda e: f"{quote(e.instance)} does not match pattern {quote(e.validator_value)}",
    "uniqueItems": lambda e: "items at {} and {} are equal".format(*_duplicate_indexes(e.instance)),
    "oneOf": lambda e: "oneOf failed, more than one subschema matched",
    "anyOf": lambda e: "anyOf failed, none matched",
    "minItems": lambda e: f"minItems: got {len(e.instance)}, want {e.validator_value}",
    "maxItems": lambda e: f"maxItems: got {len(e.instance)}, want {e.validator_value}",
    "minLength": lambda e: f"minLength: got {len(e.instance)}, want {e.validator_value}",
    "maxLength": lambda e: f"maxLength: got {len(e.instance)}, want {e.validator_value}",
}


def describe(error: Any) -> str:
    """Compose-worded description of one jsonschema error (without its path)."""
    words = _DESCRIPTIONS.get(error.validator)
    return words(error) if words else error.message


def _missing(names: list[str]) -> str:
    if len(names) == 1:
        return f"missing property {quote(names[0])}"
    return f"missing properties {', '.join(quote(n) for n in names)}"


def _one_of_values(values: list[Any]) -> str:
    if len(values) == 1:
        return f"value must be {_go_value(values[0])}"
    return f"value must be one of {', '.join(_go_value(v) for v in values)}"


def _duplicate_indexes(items: list[Any]) -> tuple[int, int]:
    seen: dict[Any, int] = {}
    for index, item in enumerate(items):
        key = json_key(item)
        if key in seen:
            return seen[key], index
        seen[key] = index
    return 0, 0
