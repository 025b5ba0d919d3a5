"""The documentation keeps up with the code (in the manner of datasette's and sqlite-utils'
documentation tests): each command, option, settings key and exit code the program has is
looked up in the page that promises to list it, one test case per item, so a failure names
exactly what is missing.

- docs/cli.md documents every command of the real typer app (sub-apps included) and every
  option of each command, the global options included;
- docs/configuration.md documents every ``wenshu.toml`` key in its own ``[section]``;
- the exit-code table of docs/cli.md is exactly ``core.errors.EXIT_CODES``, and every error
  class exits with a code of that table;
- README.md stays a newcomer's page that links every page of docs/.
"""

from __future__ import annotations

import inspect
import re
import typing
from functools import cache
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

import core.errors
import extractors.errors
import index.errors
import pipeline.workers
from core.errors import EXIT_CODES, WenshuError
from core.settings import Settings
from pipeline.cli import app  # importing it registers every command (cli_search, cli_watch, sub-apps)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
README_MAX_LINES = 250


@cache
def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- CLI commands

def walk_commands(command, prefix: tuple[str, ...] = ()):
    """Yield ``(full name, click command)`` for the root (full name "") and every command below.

    Duck-typed on ``.commands`` because typer vendors its own click (``typer._click``)."""
    yield " ".join(prefix), command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        if not getattr(sub, "hidden", False):
            yield from walk_commands(sub, prefix + (name,))


def option_names(command) -> list[str]:
    """Every spelling of every visible option (``--polling`` and ``--no-polling``), not --help."""
    names = []
    for param in command.params:
        if param.param_type_name != "option" or getattr(param, "hidden", False):
            continue
        names += [name for name in (*param.opts, *param.secondary_opts) if name != "--help"]
    return names


CLICK_APP = typer.main.get_command(app)
COMMANDS = {name: command for name, command in walk_commands(CLICK_APP)}
COMMAND_NAMES = sorted(name for name in COMMANDS if name)
OPTIONS = [(name, option) for name in sorted(COMMANDS) for option in option_names(COMMANDS[name])]


def option_pattern(option: str) -> re.Pattern[str]:
    # Neither "--polling" inside "--no-polling" nor "--to" inside "--top".
    return re.compile(rf"(?<![\w-]){re.escape(option)}(?![\w-])")


def section(text: str, heading: str) -> str:
    """The body of the markdown section whose heading is ``heading``, up to the next heading of
    the same or a higher level (a ``#`` comment inside a fenced code block is not a heading)."""
    lines, level, body, fenced = text.splitlines(keepends=True), None, [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        heading_match = None if fenced else re.match(r"^(#+)\s+(.*?)\s*$", line)
        if level is None:
            if heading_match and heading_match.group(2) == heading:
                level = len(heading_match.group(1))
        elif heading_match and len(heading_match.group(1)) <= level:
            break
        else:
            body.append(line)
    assert level is not None, f"no heading {heading!r}"
    return "".join(body)


def command_segments(text: str, names: list[str]) -> dict[str, list[str]]:
    """Cut each line of ``text`` at every mention ``wenshu <command>``; a segment runs from a
    mention to the next mention or the end of the line and belongs to that command. The longest
    name wins, so ``wenshu audit log --json`` is about ``audit log``, never ``log``."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    mention = re.compile(rf"(?<![\w/.-])wenshu ({alternatives})(?![\w-])")
    segments: dict[str, list[str]] = {}
    for line in text.splitlines():
        found = list(mention.finditer(line))
        for this, following in zip(found, found[1:] + [None]):
            end = following.start() if following else len(line)
            segments.setdefault(this.group(1), []).append(line[this.start():end])
    return segments


def undocumented_options(text: str, options: list[tuple[str, str]], names: list[str]) -> list[str]:
    """The ``(command, option)`` pairs that docs ``text`` does not document, as "command option".

    The rule: a global option (command "") must appear in the "Global options" section; an
    option of a command must appear in a segment of that command (``command_segments``): after
    ``wenshu <command>`` and before any other ``wenshu <command>`` on the same line, as in the
    command's row of the command table, an example or a JSON-output sentence. An option
    shared by many commands (``--json``) is therefore looked for once per command, and an option
    mentioned only next to another command does not count."""
    segments = command_segments(text, names)
    global_options = section(text, "Global options")
    missing = []
    for command, option in options:
        where = [global_options] if command == "" else segments.get(command, [])
        if not any(option_pattern(option).search(segment) for segment in where):
            missing.append(f"{command} {option}".strip())
    return missing


def test_the_app_has_commands_and_options() -> None:
    # Guards the walk itself: an empty walk would make every parametrized test vanish.
    assert {"ingest", "watch", "search", "audit verify", "index check"} <= set(COMMAND_NAMES)
    assert ("", "--data") in OPTIONS and ("watch", "--no-polling") in OPTIONS


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_is_documented(name: str) -> None:
    assert re.search(rf"wenshu {re.escape(name)}(?![\w-])", read(DOCS / "cli.md")), \
        f"`wenshu {name}` is not in docs/cli.md"


@pytest.mark.parametrize(("command", "option"), OPTIONS,
                         ids=[f"{command or 'wenshu'} {option}" for command, option in OPTIONS])
def test_option_is_documented(command: str, option: str) -> None:
    missing = undocumented_options(read(DOCS / "cli.md"), [(command, option)], COMMAND_NAMES)
    where = f"the row or a line of `wenshu {command}`" if command else "the Global options section"
    assert not missing, f"{option} is not in {where} of docs/cli.md"


def test_option_rule_catches_an_option_documented_only_for_another_command() -> None:
    doctored = ("## Global options\n\n| `--data DIR` | the data directory |\n\n## Commands\n\n"
                "| `wenshu log [--json] [--from DAY]` | the log |\n"
                "| `wenshu audit log [--record REG_NO]` | the audit events |\n"
                "    wenshu show 1 and wenshu watch --once --no-polling\n")
    options = [("", "--data"), ("", "--actor"), ("log", "--json"), ("log", "--from"),
               ("log", "--record"), ("audit log", "--json"), ("audit log", "--record"),
               ("show", "--once"), ("watch", "--once"), ("watch", "--polling"), ("watch", "--no-polling")]
    assert undocumented_options(doctored, options, ["log", "audit log", "show", "watch"]) == [
        "--actor", "log --record", "audit log --json", "show --once", "watch --polling"]


# --------------------------------------------------------------------------- settings keys

# A settings key: its section path ("*" stands for any key of a dict of sections, such as
# [numbering.series."收文"]) and its name.
Key = tuple[tuple[str, ...], str]
# data_dir is a setting but not a wenshu.toml key: load_settings takes it from --data or
# WENSHU_DATA (else ./wenshu-data) and then looks for wenshu.toml inside it, so the file cannot
# choose it. test_data_dir_is_documented_as_flag_and_environment checks those two instead.
NOT_TOML_KEYS = {"data_dir"}


def _section_model(annotation) -> tuple[type[BaseModel] | None, bool]:
    """``(model, is_dict)`` when a field holds a section model or a dict of them."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if typing.get_origin(annotation) is dict:
        value = typing.get_args(annotation)[1]
        if isinstance(value, type) and issubclass(value, BaseModel):
            return value, True
    return None, False


def settings_keys(model: type[BaseModel] = Settings, path: tuple[str, ...] = ()) -> list[Key]:
    keys: list[Key] = []
    for name, field in model.model_fields.items():
        section_model, is_dict = _section_model(field.annotation)
        if section_model is None:
            keys.append((path, name))
        else:
            keys += settings_keys(section_model, path + (name,) + (("*",) if is_dict else ()))
    return keys


KEYS = [key for key in settings_keys() if key not in {((), name) for name in NOT_TOML_KEYS}]


def key_id(key: Key) -> str:
    return ".".join((*key[0], key[1]))


def _header_parts(header: str) -> tuple[str, ...]:
    return tuple(part.strip().strip('"\'') for part in re.findall(r'"[^"]*"|\'[^\']*\'|[^.]+', header))


def toml_keys(text: str) -> set[tuple[tuple[str, ...], str]]:
    """The ``(section path, key)`` assignments of every ```toml block of ``text``."""
    found = set()
    for block in re.findall(r"^```toml\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        current: tuple[str, ...] = ()
        for line in block.splitlines():
            if header := re.match(r"^\s*\[([^\[\]]+)\]\s*(#.*)?$", line):
                current = _header_parts(header.group(1))
            elif assignment := re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line):
                found.add((current, assignment.group(1)))
    return found


def key_in_toml(key: Key, assignments: set[tuple[tuple[str, ...], str]]) -> bool:
    path, name = key
    return any(found == name and len(where) == len(path)
               and all(want in ("*", got) for want, got in zip(path, where))
               for where, found in assignments)


def test_the_settings_have_keys() -> None:
    assert {"database_url", "ocr.engine", "watch.stable_seconds", "numbering.series.*.format"} \
        <= {key_id(key) for key in KEYS}


@pytest.mark.parametrize("key", KEYS, ids=[key_id(key) for key in KEYS])
def test_settings_key_is_documented(key: Key) -> None:
    """The rule: the key is assigned (``name = …``) in the ```toml block of docs/configuration.md
    under its own header, i.e. after ``[section]`` and before the next ``[`` header (a root key
    before the first header), so a key written under the wrong section does not count; and the
    notes after the block open a code span with it (`` `name` `` or `` `name = value` ``), so it is
    explained as well as listed."""
    text = read(DOCS / "configuration.md")
    where = f"[{'.'.join(key[0])}]" if key[0] else "the top of the file"
    assert key_in_toml(key, toml_keys(text)), \
        f"{key_id(key)} is not in the wenshu.toml block of docs/configuration.md under {where}"
    _, found, notes = section(text, "wenshu.toml").partition("Notes on the keys")
    assert found, "no 'Notes on the keys' after the wenshu.toml block of docs/configuration.md"
    assert re.search(rf"`{re.escape(key[1])}(?![\w-])", notes), \
        f"{key_id(key)} is not explained in the notes of docs/configuration.md"


def test_settings_key_rule_catches_a_key_in_the_wrong_section() -> None:
    doctored = '```toml\nworkers = 2\n[ocr]\nengine = "rapidocr"\n[watch]\ndpi = 300\n' \
               '[numbering.series."函"]\nformat = "x"\n```\n'
    assignments = toml_keys(doctored)
    assert key_in_toml(((), "workers"), assignments)
    assert key_in_toml((("ocr",), "engine"), assignments)
    assert key_in_toml((("numbering", "series", "*"), "format"), assignments)
    assert not key_in_toml((("ocr",), "dpi"), assignments)
    assert not key_in_toml(((), "engine"), assignments)
    assert not key_in_toml((("numbering", "series", "*"), "direction"), assignments)


def test_data_dir_is_documented_as_flag_and_environment() -> None:
    text = read(DOCS / "configuration.md")
    assert "data_dir" in Settings.model_fields  # still a setting, but not a wenshu.toml key
    for name in ("--data", "WENSHU_DATA"):
        assert option_pattern(name).search(text), f"{name} is not in docs/configuration.md"


# --------------------------------------------------------------------------- exit codes

def exit_code_rows(text: str) -> list[tuple[int, str]]:
    """The ``(code, meaning)`` rows of the markdown table in the "Exit codes" section."""
    rows = []
    lines = [line.strip() for line in section(text, "Exit codes").splitlines() if line.strip().startswith("|")]
    for line in lines[2:]:  # the header row and the |---| row
        cells = [cell.strip().replace(r"\|", "|") for cell in re.split(r"(?<!\\)\|", line.strip("|"))]
        assert len(cells) == 2 and cells[0].isdigit(), f"not a `| code | meaning |` row: {line}"
        rows.append((int(cells[0]), cells[1]))
    return rows


def exit_code_differences(rows: list[tuple[int, str]], expected: dict[int, str]) -> list[str]:
    problems = []
    documented = [code for code, _ in rows]
    problems += [f"{code} is listed twice" for code in sorted({c for c in documented if documented.count(c) > 1})]
    problems += [f"{int(code)} is not documented" for code in sorted(set(expected) - set(documented))]
    problems += [f"{code} is documented but the program has no such code"
                 for code in sorted(set(documented) - set(expected))]
    problems += [f"{code} means {expected[code]!r}, not {meaning!r}"
                 for code, meaning in rows if code in expected and meaning != expected[code]]
    return problems


def test_exit_code_table_is_exactly_exit_codes() -> None:
    rows = exit_code_rows(read(DOCS / "cli.md"))
    assert rows, "no exit-code table in docs/cli.md"
    assert exit_code_differences(rows, EXIT_CODES) == []


def test_exit_code_comparison_reports_each_difference() -> None:
    doctored = ("## Exit codes\n\n| code | meaning |\n| --- | --- |\n"
                f"| 0 | {EXIT_CODES[core.errors.Exit.OK]} |\n"
                "| 2 | wrong usage |\n"
                "| 8 | a code nobody raises |\n"
                "| 8 | a code nobody raises |\n"
                "| 9 | an invalid value \\| or a query |\n\n## Next\n\n| 99 | not in the table |\n")
    expected = {0: EXIT_CODES[core.errors.Exit.OK], 1: "bug", 2: "wrong command-line usage",
                9: "an invalid value | or a query"}
    assert exit_code_differences(exit_code_rows(doctored), expected) == [
        "8 is listed twice",
        "1 is not documented",
        "8 is documented but the program has no such code",
        "2 means 'wrong command-line usage', not 'wrong usage'",
    ]


def error_classes() -> list[type[WenshuError]]:
    """WenshuError and its subclasses in the modules that define errors, plus any subclass
    defined elsewhere and imported by the time the CLI is loaded."""
    classes = {cls for module in (core.errors, extractors.errors, index.errors, pipeline.workers)
               for _, cls in inspect.getmembers(module, inspect.isclass) if issubclass(cls, WenshuError)}
    stack = [WenshuError]
    while stack:
        cls = stack.pop()
        classes.add(cls)
        stack += cls.__subclasses__()
    return sorted(classes, key=lambda cls: (cls.__module__, cls.__qualname__))


ERRORS = error_classes()


@pytest.mark.parametrize("error", ERRORS, ids=[f"{cls.__module__}.{cls.__qualname__}" for cls in ERRORS])
def test_error_exit_code_is_in_the_table(error: type[WenshuError]) -> None:
    assert error.exit_code in EXIT_CODES, \
        f"{error.__qualname__}.exit_code = {error.exit_code!r} is not in core.errors.EXIT_CODES"


# --------------------------------------------------------------------------- README

DOC_PAGES = sorted(path.name for path in DOCS.glob("*.md"))


def test_readme_is_short() -> None:
    lines = len(read(README).splitlines())
    assert lines < README_MAX_LINES, \
        f"README.md has {lines} lines; keep it under {README_MAX_LINES} and move reference to docs/"


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_page_is_linked_from_readme(page: str) -> None:
    assert re.search(rf"\]\(\.?/?docs/{re.escape(page)}(#[^)]*)?\)", read(README)), \
        f"docs/{page} is not linked from README.md"

