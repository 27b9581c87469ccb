"""Values a spec passes to node inputs: outputs (links) and parameters.

``Output`` and ``Param`` are generic only for the type checker: ``Output[Literal["MODEL"]]`` is an
output that carries the ComfyUI type ``MODEL``, and ``Param[int]`` is a job parameter whose value
is an integer. Both type variables are covariant, so an ``Output[Literal["IMAGE"]]`` fits an input
declared ``Output[Literal["IMAGE", "MASK"]]`` (a union type) and a ``Param[int]`` fits a FLOAT
input, while a VAE output does not fit a MODEL input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from wfc.spec.node import Node

T_co = TypeVar("T_co", covariant=True)

# Parameter kinds, as the manifest names them.
VALUE = "value"
IMAGE = "image"
MODEL = "model"


class Output(Generic[T_co]):
    """One output slot of a node: the source end of a link."""

    _source: "Node"
    _index: int

    def __init__(self, source: "Node", index: int) -> None:
        self._source = source
        self._index = index

    @property
    def source(self) -> "Node":
        return self._source

    @property
    def index(self) -> int:
        return self._index

    def __repr__(self) -> str:
        return f"<output {self._index} of {self._source!r}>"


class Param(Generic[T_co]):
    """A job parameter: a named value the job may set, bound to every input it is passed to.

    Create parameters through ``Workflow.param``, ``Workflow.image`` and ``Workflow.model``.
    """

    def __init__(
        self,
        name: str,
        kind: str,
        value_type: type | None,
        *,
        default: Any = None,
        minimum: float | int | None = None,
        maximum: float | int | None = None,
        enum: tuple[Any, ...] | None = None,
        description: str = "",
        aliases: tuple[str, ...] = (),
        required: bool = False,
        folder: str | None = None,
        placeholder: str | None = None,
        origin: tuple[str, int] | None = None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.value_type = value_type
        self.default = default
        self.minimum = minimum
        self.maximum = maximum
        self.enum = enum
        self.description = description
        self.aliases = aliases
        self.required = required
        self.folder = folder
        self.placeholder = placeholder
        self.origin = origin

    def __repr__(self) -> str:
        return f"<{self.kind} parameter {self.name!r}>"
