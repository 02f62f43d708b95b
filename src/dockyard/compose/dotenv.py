"""``.env`` and ``env_file`` parsing, exact to compose-go's ``dotenv`` package (and docker's raw format).

The project ``.env`` (``--env-file``) and every service ``env_file`` go through here. The grammar
is a line-counting scanner, not a regular language, and its quirks are part of the contract users
rely on: ``export`` prefixes, ``KEY: value`` YAML style, `` #`` inline comments only on unquoted
values, backslash escapes and ``${...}`` interpolation only in double quotes, multi-line quoted
values, text after a closing quote starting a new statement, a bare ``KEY`` line inheriting from the
lookup. Interpolation inside a file sees the lookup first, then the values already parsed.

All functions take file *contents* (the loader reads the files); errors are ``EnvFileError`` with
the file and line, and ``reference_message`` holding compose-go's exact text. An env file holds
secrets, so where compose-go quotes a value the shown message leaves the value out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence

from dockyard.compose.template import go_quote, substitute
from dockyard.errors import EnvFileError, InterpolationError, InvalidTemplateError

__all__ = ["env_from_files", "parse", "parse_raw", "read"]

Lookup = Callable[[str], "str | None"]

_EXPORT = re.compile(r"export[\t\n\f\r ]+")
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}
_LINE_SPACE = "\t\v\f\r \x85\xa0"  # compose-go isSpace: whitespace that is not a line break
_BOM = "\ufeff"


def parse(text: str, lookup: Lookup | None = None, *, file: str = "") -> dict[str, str]:
    """compose-go ``ParseWithLookup``: one file's variables, in file order."""
    out: dict[str, str] = {}
    _Parser(file).parse(_without_bom(text), out, lookup or _no_lookup)
    return out


def read(files: Sequence[tuple[str, str]], lookup: Lookup | None = None) -> dict[str, str]:
    """compose-go ``ReadWithLookup``: each file parsed on its own, later files win, keys starting with a digit dropped."""
    merged: dict[str, str] = {}
    for name, text in files:
        for key, value in parse(text, lookup, file=name).items():
            if not (key and key[0] in "0123456789"):
                merged[key] = value
    return merged


def env_from_files(current_env: Mapping[str, str], files: Sequence[tuple[str, str]]) -> dict[str, str]:
    """compose-go ``GetEnvFromFile`` (project ``.env`` / ``--env-file``): files share one map.

    While parsing, ``${X}`` looks in ``current_env`` (the OS environment) first, then in everything
    parsed so far, earlier files included; values in the result come from the files only.
    """
    env: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        value = current_env.get(name)
        return value if value is not None else env.get(name)

    for name, text in files:
        _Parser(name).parse(_without_bom(text), env, lookup)
    return env


def parse_raw(text: str, *, file: str = "", lookup: Lookup | None = None) -> dict[str, str]:
    """``env_file: {format: raw}``: docker's ``--env-file`` format, values taken literally.

    ``KEY=VALUE`` per line (value untrimmed, no quotes, no interpolation), ``#`` comment lines,
    a bare ``KEY`` is taken from ``lookup`` when present there.
    """
    out: dict[str, str] = {}
    for number, raw_line in enumerate(_without_bom(text).split("\n"), start=1):
        line = raw_line.removesuffix("\r").lstrip()
        if not line or line.startswith("#"):
            continue
        name, has_value, value = line.partition("=")
        name = name.lstrip(" \t")
        if " " in name or "\t" in name:
            raise _raw_error(f"variable '{name}' contains whitespaces", file, number)
        if not name:
            raise _raw_error(f"no variable name on line '{line}'", file, number)
        if has_value:
            out[name] = value
        elif lookup is not None and (inherited := lookup(line)) is not None:
            out[name.strip()] = inherited
    return out


def _raw_error(reason: str, file: str, line: int) -> EnvFileError:
    message = f"poorly formatted environment: {reason}"
    return _env_error(message, f"failed to parse env_file {file}: {message}", file, line)


def _no_lookup(_name: str) -> None:
    return None


def _without_bom(text: str) -> str:
    return text[1:] if text.startswith(_BOM) else text


def _env_error(message: str, reference: str, file: str, line: int | None) -> EnvFileError:
    error = EnvFileError(message, file=file or None, line=line)
    error.reference_message = reference
    return error


def _is_key_char(char: str) -> bool:
    return char in "_.-[]" or unicodedata.category(char)[0] in "LN"


class _Parser:
    """compose-go ``dotenv.parser``: a cut-set scanner that counts lines as it goes."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.line = 1

    def fail(
        self, reason: str, *, shown: str | None = None, numbered: bool = True, line: int | None = None
    ) -> EnvFileError:
        """``reason`` is compose-go's text; ``shown`` (default ``reason``) is what the user reads."""
        line = self.line if line is None else line
        return _env_error(shown or reason, f"line {line}: {reason}" if numbered else reason, self.file, line)

    def parse(self, text: str, out: dict[str, str], lookup: Lookup) -> None:
        cutset = text
        while True:
            cutset = self.statement_start(cutset)
            if not cutset:
                return
            cutset = self.statement(cutset, out, lookup)

    def statement_start(self, text: str) -> str:
        """Skip blank space and ``#`` comment lines, counting the line breaks passed."""
        while True:
            position = self.first_non_space(text)
            if position < 0:
                return ""
            text = text[position:]
            if text[0] != "#":
                return text
            newline = text.find("\n")
            if newline < 0:
                return ""
            text = text[newline:]

    def first_non_space(self, text: str) -> int:
        for index, char in enumerate(text):
            if char == "\n":
                self.line += 1
            if not char.isspace():
                return index
        return -1

    def statement(self, cutset: str, out: dict[str, str], lookup: Lookup) -> str:
        start_line = self.line
        key, left, inherited = self.key_name(cutset)
        if " " in key:
            raise self.fail("key cannot contain a space")
        if inherited:
            value = lookup(key)
            if value is not None:
                out[key] = value
            return left
        value, left = self.value(left, out, lookup, start_line)
        out[key] = value
        return left

    def key_name(self, text: str) -> tuple[str, str, bool]:
        if _EXPORT.match(text):
            text = text.removeprefix("export").lstrip(_LINE_SPACE)
        key, offset, inherited = self.key_end(text)
        if not text:
            raise self.fail("zero length string", numbered=False)
        if inherited and " " not in key:
            self.line += 1
        key = key.rstrip()
        return key, text[offset:].lstrip(_LINE_SPACE), inherited

    def key_end(self, text: str) -> tuple[str, int, bool]:
        for index, char in enumerate(text):
            if char in _LINE_SPACE:
                continue
            if char in "=:\n":
                return text[:index], index + 1, char == "\n"
            if not _is_key_char(char):
                first_line = text.split("\n", 1)[0]
                name = re.split("[=:]", first_line, maxsplit=1)[0].rstrip()
                raise self.fail(f"unexpected character {go_quote(char)} in variable name {go_quote(first_line)}",
                                shown=f"unexpected character {go_quote(char)} in variable name {go_quote(name)}")
        return "", 0, False

    def value(self, text: str, out: dict[str, str], lookup: Lookup, start_line: int) -> tuple[str, str]:
        quote = text[:1]
        if quote not in ("'", '"'):
            value, _, rest = text.partition("\n")
            self.line += 1
            value = value.split(" #", 1)[0].rstrip()
            return self.expand(value, out, lookup, start_line), rest
        quoted = self.quoted(text, quote)
        if quoted is None:
            end = text.find("\n")
            raise self.fail(f"unterminated quoted value {text[: end if end >= 0 else len(text)]}",
                            shown="unterminated quoted value (the value is not shown)")
        value, rest = quoted
        if quote == '"':
            value = self.expand(_expand_escapes(value), out, lookup, start_line)
        return value, rest

    def quoted(self, text: str, quote: str) -> tuple[str, str] | None:
        chars: list[str] = []
        escaped = False
        for index in range(1, len(text)):
            char = text[index]
            if char == "\n":
                self.line += 1
            if escaped:
                escaped = False
                if char != quote:
                    chars.append("\\")
                chars.append(char)
            elif char == "\\":
                escaped = True
            elif char == quote:
                return "".join(chars), text[index + 1:]
            else:
                chars.append(char)
        return None

    def expand(self, value: str, out: dict[str, str], lookup: Lookup, line: int) -> str:
        def combined(name: str) -> str | None:
            found = lookup(name)
            return found if found is not None else out.get(name)

        try:
            return substitute(value, combined)
        except InvalidTemplateError as error:
            shown = "invalid interpolation format in a value (the value is not shown)"
            raise self.fail(error.message, shown=shown, numbered=False, line=line) from None
        except InterpolationError as error:
            raise self.fail(error.message, numbered=False, line=line) from None


def _expand_escapes(text: str) -> str:
    return _ESCAPE.sub(_unescape, text)


def _unescape(match: re.Match) -> str:
    sequence = match.group(0)
    if sequence == "\\$":
        return "$$"
    body = sequence[1:]
    if body in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[body]
    if not body.startswith("0"):
        return sequence
    octal = body[1:]  # compose-go rewrites \0ddd to \ddd, and keeps the rewrite when it is no escape
    if len(octal) == 3 and all(c in "01234567" for c in octal) and int(octal, 8) <= 0xFF:
        return chr(int(octal, 8))
    return "\\" + octal
