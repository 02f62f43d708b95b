"""The ``${...}`` grammar of Compose files, as compose-go's ``template`` package implements it.

Only the grammar lives here: values come from a ``lookup(name) -> str | None`` function (``None``
means unset), so the same code serves compose files, ``.env`` files and tests. Quirks kept on
purpose because users rely on docker compose's behaviour:

* ``$$`` is a literal ``$``; a ``$`` not followed by a name, ``$`` or ``{`` stays as it is;
* a ``${`` expression ends at its balanced ``}`` (every brace counts, so ``${X:-{"a":1}}`` works);
  when there is none, it ends where compose-go's regular expression says;
* the operator used is the one among ``:? ? :- - :+ +`` that occurs first in the expression;
* defaults, alternatives and error messages are themselves templates, evaluated only when used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dockyard.errors import InvalidTemplateError, MissingRequiredError

__all__ = [
    "Lookup",
    "VariableRef",
    "extract_variables",
    "first_operator",
    "go_quote",
    "substitute",
    "substitute_with_unset",
]

Lookup = Callable[[str], "str | None"]

PATTERN = re.compile(
    r"\$(?i:(?P<escaped>\$)|(?P<named>[_a-z][_a-z0-9]*)"
    r"|\{(?:(?P<braced>[_a-z][_a-z0-9]*(?::?[-+?](.*\}|[^}]*))?)\}|(?P<invalid>)))"
)
BRACED = re.compile(r"(?i:[_a-z][_a-z0-9]*)(?:(?P<operator>:?[-+?]).*)?")
OPERATORS = (":?", "?", ":-", "-", ":+", "+")


@dataclass(frozen=True)
class VariableRef:
    """One variable used by a template: compose-go's ``template.Variable``."""

    name: str
    default: str = ""
    presence_value: str = ""
    required: bool = False


def substitute(template: str, lookup: Lookup) -> str:
    """Substitute every variable of ``template``; unset plain variables become ``""``."""
    return _substitute(template, lookup, [])


def substitute_with_unset(template: str, lookup: Lookup) -> tuple[str, list[str]]:
    """Like ``substitute``, plus the names that were unset and defaulted to ``""`` (one per use)."""
    unset: list[str] = []
    return _substitute(template, lookup, unset), unset


def _substitute(template: str, lookup: Lookup, unset: list[str]) -> str:
    if "$" not in template:
        return template
    out: list[str] = []
    position = 0
    while (dollar := template.find("$", position)) >= 0:
        out.append(template[position:dollar])
        match = PATTERN.match(template, dollar)
        if match is None:
            out.append("$")
            position = dollar + 1
            continue
        if match.group("escaped"):
            out.append("$")
            position = match.end()
            continue
        name = match.group("named")
        if name:
            out.append(_plain(name, lookup, unset))
            position = match.end()
            continue
        body, position = _braced_body(template, dollar, match)
        out.append(_evaluate(body, template, lookup, unset))
    out.append(template[position:])
    return "".join(out)


def _braced_body(template: str, dollar: int, match: re.Match) -> tuple[str | None, int]:
    """The text between ``${`` and its balanced ``}`` (all braces count), else what the pattern matched."""
    close = template.find("}", dollar + 2)
    if close >= 0 and template.find("{", dollar + 2, close) < 0:  # the usual ``${NAME:-default}``: no scan
        return template[dollar + 2:close], close + 1
    depth = 1
    for index in range(dollar + 2, len(template)):
        char = template[index]
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return template[dollar + 2:index], index + 1
    return match.group("braced"), match.end()


def _evaluate(body: str | None, template: str, lookup: Lookup, unset: list[str]) -> str:
    braced = BRACED.fullmatch(body) if body else None
    if braced is None:
        raise _invalid(template)
    operator = braced.group("operator")  # first_operator(body): a name has no operator character
    if operator is None:
        return _plain(body, lookup, unset)
    return _OPERATIONS[operator](body, operator, lookup, unset)


def _plain(name: str, lookup: Lookup, unset: list[str]) -> str:
    value = lookup(name)
    if value is None:
        unset.append(name)
        return ""
    return value


def first_operator(text: str) -> str | None:
    found = [(index, op) for op in OPERATORS if (index := text.find(op)) >= 0]
    return min(found)[1] if found else None


def _first_closing_brace(text: str) -> int:
    depth = 0
    index = 0
    while index < len(text):
        if text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        if text.startswith("${", index):
            depth += 1
            index += 1
        index += 1
    return -1


def _default_when_absent(body: str, operator: str, lookup: Lookup, unset: list[str]) -> str:
    name, default = body.split(operator, 1)
    value = lookup(name)
    if value is None or (operator == ":-" and value == ""):
        return _substitute(default, lookup, unset)
    return value


def _alternative_when_present(body: str, operator: str, lookup: Lookup, unset: list[str]) -> str:
    name, alternative = body.split(operator, 1)
    value = lookup(name)
    if value is not None and (operator == "+" or value != ""):
        return _substitute(alternative, lookup, unset)
    return value or ""


def _required(body: str, operator: str, lookup: Lookup, unset: list[str]) -> str:
    name, reason = body.split(operator, 1)
    value = lookup(name)
    if value is None or (operator == ":?" and value == ""):
        raise missing_required(name, _substitute(reason, lookup, unset))
    return value


_OPERATIONS = {
    ":?": _required,
    "?": _required,
    ":-": _default_when_absent,
    "-": _default_when_absent,
    ":+": _alternative_when_present,
    "+": _alternative_when_present,
}


def missing_required(name: str, reason: str) -> MissingRequiredError:
    message = f"required variable {name} is missing a value" + (f": {reason}" if reason else "")
    error = MissingRequiredError(message)
    error.variable = name
    error.reason = reason
    return error


def _invalid(template: str) -> InvalidTemplateError:
    error = InvalidTemplateError(f"Invalid template: {go_quote(template)}")
    error.template = template
    return error


_GO_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v",
               "\\": "\\\\", '"': '\\"'}


def go_quote(text: str) -> str:
    """Go's ``%#v`` / ``strconv.Quote`` of a string: double quotes, C-like escapes, printable Unicode kept."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable() or char == " ":
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


# ---------------------------------------------------------------- variables used by a template

_NAME_END = re.compile(r"[^A-Za-z0-9_]")


def extract_variables(template: str) -> dict[str, VariableRef]:
    """Every variable ``template`` refers to, nested ones included (compose-go ``ExtractVariables``)."""
    found: dict[str, VariableRef] = {}
    for ref in _extract(template):
        _combine(found, ref)
    return found


def _combine(found: dict[str, VariableRef], ref: VariableRef) -> None:
    existing = found.get(ref.name)
    if existing is None:
        found[ref.name] = ref
        return
    found[ref.name] = VariableRef(
        ref.name,
        existing.default or ref.default,
        existing.presence_value or ref.presence_value,
        existing.required or ref.required,
    )


def _extract(text: str) -> list[VariableRef]:
    refs: list[VariableRef] = []
    for match in PATTERN.finditer(text):
        if match.group("escaped"):
            continue
        value = match.group("named") or ""
        if not value:
            value = match.group("braced") or ""
            whole = match.group(0)
            closing = _first_closing_brace(whole)
            if closing > 0:
                value = whole[2:closing]
                refs.extend(_extract(whole[closing + 1:]))
        name, default, presence, message, required = value, "", "", "", False
        end = _NAME_END.search(value)
        if end and end.start() > 0:
            name, rest = value[: end.start()], value[end.start():]
            for operator in OPERATORS:
                if rest.startswith(operator):
                    operand = rest[len(operator):]
                    if "?" in operator:
                        required, message = True, operand
                    elif "-" in operator:
                        default = operand
                    else:
                        presence = operand
                    break
        if name:
            refs.append(VariableRef(name, default, presence, required))
        for nested in (default, presence, message):
            if nested:
                refs.extend(_extract(nested))
    return refs
