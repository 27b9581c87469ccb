"""The one registry of lint rule codes.

A rule is declared once, with its code, name, family, default severity and the ComfyUI error
type it mirrors. Its documentation is the docstring of the function that declares it: the first
line is the summary, then ``Why:``, ``Bad:`` and ``Good:`` sections. The same text feeds
``wfc lint --explain CODE``, ``--list-rules`` and docs/lint.md.

Checks live in one module per family (structure, catalog, graph, contract) and report findings
by code, so one pass over a node can report several rules.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from wfc.diagnostics import Severity

FAMILIES = {
    "structure": "WFC1",
    "catalog": "WFC2",
    "graph": "WFC3",
    "contract": "WFC4",
    "models": "WFC5",
    "convert": "WFC6",
    "spec": "WFC7",
    "artifact": "WFC8",
}

# Families whose codes are declared in plain tables by the area that reports them (conversion,
# spec compilation, artifact checks) rather than by lint rule functions. Their summary is the
# whole documentation.
TABLE_FAMILIES = ("convert", "spec", "artifact")

_SECTION = re.compile(r"^(Why|Bad|Good):\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Rule:
    """One lint rule and its documentation (parsed from ``doc`` on first use, so imports stay cheap)."""

    code: str
    name: str
    family: str
    severity: Severity
    doc: str
    comfy_type: str | None = None

    @cached_property
    def _sections(self) -> tuple[str, str, str, str]:
        return parse_docstring(self.doc)

    @property
    def summary(self) -> str:
        return self._sections[0]

    @property
    def why(self) -> str:
        return self._sections[1]

    @property
    def bad(self) -> str:
        return self._sections[2]

    @property
    def good(self) -> str:
        return self._sections[3]

    def explain(self) -> str:
        """Render the rule's documentation as plain text."""
        parts = [
            f"{self.code} {self.name} ({self.family}, {self.severity})",
            "",
            self.summary,
        ]
        if self.comfy_type:
            parts += ["", f"ComfyUI error type: {self.comfy_type}"]
        for heading, text in (("Why:", self.why), ("Bad:", self.bad), ("Good:", self.good)):
            if text:
                parts += ["", heading, _indent(text)]
        return "\n".join(parts)


RULES: dict[str, Rule] = {}
NAMES: dict[str, str] = {}


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())


def _cleandoc(text: str) -> str:
    """Remove the docstring indentation (the first line carries none) and surrounding blank lines."""
    first, _, rest = text.strip("\n").partition("\n")
    return (first.strip() + "\n" + textwrap.dedent(rest)).strip()


def parse_docstring(doc: str) -> tuple[str, str, str, str]:
    """Split a rule docstring into summary, why, bad and good."""
    pieces = _SECTION.split(_cleandoc(doc))
    summary = pieces[0].strip()
    sections = {pieces[index]: textwrap.dedent(pieces[index + 1]).strip() for index in range(1, len(pieces) - 1, 2)}
    return summary, sections.get("Why", ""), sections.get("Bad", ""), sections.get("Good", "")


def rule(
    code: str, name: str, severity: str = "error", comfy_type: str | None = None
) -> Callable[[Callable[[], None]], Rule]:
    """Declare a rule from a documentation-only function; raise on a duplicate code or name."""

    def declare(function: Callable[[], None]) -> Rule:
        family = next((fam for fam, prefix in FAMILIES.items() if code.startswith(prefix)), None)
        if family is None and code != "WFC000":
            raise ValueError(f"rule code {code} matches no family prefix")
        if code in RULES or name in NAMES:
            raise ValueError(f"rule {code} {name} is declared twice")
        declared = Rule(code, name, family or "internal", Severity.parse(severity), function.__doc__ or "", comfy_type)
        RULES[code] = declared
        NAMES[name] = code
        return declared

    return declare


def load_all() -> dict[str, Rule]:
    """Import every family module so the registry is complete, and return it."""
    import wfc.lint.catalog  # noqa: F401  (each family module declares its rules on import)
    import wfc.lint.contract  # noqa: F401
    import wfc.lint.graph  # noqa: F401
    import wfc.lint.structure  # noqa: F401

    try:
        import wfc.models.rules  # noqa: F401  (the models family, when it is installed)
    except ImportError:
        pass
    _load_code_tables()
    return RULES


def declare_code(code: str, name: str, severity: Severity, summary: str) -> None:
    """Register a code reported outside the lint rule functions, so selectors and --explain know it."""
    if code in RULES:
        return
    family = next((fam for fam, prefix in FAMILIES.items() if code.startswith(prefix)), "internal")
    RULES[code] = Rule(code, name, family, severity, summary)
    NAMES.setdefault(name, code)


def _load_code_tables() -> None:
    from wfc.convert.codes import ALL_CODES
    from wfc.spec.codes import CODES

    for entry in ALL_CODES:
        declare_code(entry.code, entry.rule, entry.severity, entry.summary)
    for code, (name, severity, summary) in CODES.items():
        declare_code(code, name, severity, summary)


def resolve_selector(selector: str) -> set[str]:
    """Return the codes a --select/--ignore entry names: a code, a code prefix, a rule name or a family."""
    load_all()
    token = selector.strip()
    if token in FAMILIES:
        prefix = FAMILIES[token]
        return {code for code in RULES if code.startswith(prefix)}
    if token in NAMES:
        return {NAMES[token]}
    upper = token.upper()
    matched = {code for code in RULES if code.startswith(upper)}
    if not matched:
        raise ValueError(f"unknown rule, code or family {selector!r}; see `wfc lint --list-rules`")
    return matched
