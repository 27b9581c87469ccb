"""The error a job fails with: a stable class name, a message and structured details.

RunPod's job ``error`` field is a string, so ``JobError.text()`` renders one line per problem;
the structured form goes into the job's output next to it for callers that want fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class JobError(Exception):
    """A job failure that is reported to the caller as is (never a traceback)."""

    error_class: str
    message: str
    details: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        lines = [f"{self.error_class}: {self.message}"]
        for detail in self.details:
            line = detail.get("message") or detail.get("detail")
            if line and line != self.message:
                lines.append(f"- {line}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"class": self.error_class, "message": self.message, "details": self.details}
