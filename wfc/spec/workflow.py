"""The workflow object of a spec: its nodes, job parameters and named outputs.

A spec module builds one workflow::

    with Workflow("plate_composite", description="...") as wf:
        width = wf.param("width", int, default=1024)
        plate = LoadImage(image=wf.image("load_image"))
        ...
        wf.output("image", SaveImage(images=..., filename_prefix="plate"))

Nodes created inside the ``with`` block belong to it. Parameters are values a job may set;
passing one to a node input binds it there, and one parameter may be bound to several inputs.
Bounds and options a parameter leaves out are taken from the catalog when the spec is compiled.
"""

from __future__ import annotations

import contextvars
import re
from typing import TYPE_CHECKING, Any, Iterable, TypeVar, overload

from wfc.spec.errors import SpecError
from wfc.spec.origin import caller_origin
from wfc.spec.values import IMAGE, MODEL, VALUE, Param

if TYPE_CHECKING:
    from wfc.spec.node import Node

T = TypeVar("T")

_current: contextvars.ContextVar["Workflow | None"] = contextvars.ContextVar("wfc_workflow", default=None)

# Parameter and output names: what a JSON job payload can carry as a plain key.
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Job input keys the worker reserves for itself.
RESERVED_NAMES = frozenset({"workflow", "timeout"})

# Parameter value types a spec may declare.
VALUE_TYPES = (str, int, float, bool)


def current_workflow() -> "Workflow | None":
    """Return the workflow whose ``with`` block is active, or None."""
    return _current.get()


class Workflow:
    """A workflow under construction: nodes in creation order, parameters, outputs."""

    def __init__(self, name: str, *, description: str = "", fill_defaults: bool = True) -> None:
        """Start a workflow named ``name`` (the artifact's file name).

        With ``fill_defaults`` (the default) the compiler gives every required input the spec
        leaves out its catalog default. Imported specs turn it off to reproduce their source.
        """
        origin = caller_origin()
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SpecError(
                f"invalid workflow name {name!r}; use letters, digits and underscores, not starting with a digit",
                origin,
            )
        self.name = name
        self.description = description
        self.origin = origin
        self.fill_defaults = fill_defaults
        self.nodes: list[Node] = []
        self.params: dict[str, Param[Any]] = {}
        self.outputs: dict[str, tuple[Node, tuple[str, int] | None]] = {}
        self._token: contextvars.Token[Workflow | None] | None = None

    def __enter__(self) -> "Workflow":
        if _current.get() is not None:
            raise SpecError("workflows cannot be nested; close the first `with Workflow(...)` block", caller_origin())
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._token is not None:
            _current.reset(self._token)
            self._token = None

    def _add_node(self, node: "Node") -> None:
        self.nodes.append(node)

    # --- parameters ---------------------------------------------------------------------------

    @overload
    def param(
        self,
        name: str,
        type: type[bool],
        *,
        default: bool | None = ...,
        description: str = ...,
        aliases: Iterable[str] = ...,
        required: bool | None = ...,
    ) -> Param[bool]: ...

    @overload
    def param(
        self,
        name: str,
        type: type[T],
        *,
        default: T | None = ...,
        minimum: float | None = ...,
        maximum: float | None = ...,
        enum: Iterable[T] | None = ...,
        description: str = ...,
        aliases: Iterable[str] = ...,
        required: bool | None = ...,
    ) -> Param[T]: ...

    def param(
        self,
        name: str,
        type: type[Any],
        *,
        default: Any = None,
        minimum: float | None = None,
        maximum: float | None = None,
        enum: Iterable[Any] | None = None,
        description: str = "",
        aliases: Iterable[str] = (),
        required: bool | None = None,
    ) -> Param[Any]:
        """Declare a value parameter of ``type`` (str, int, float or bool).

        Without ``default`` the parameter is required. ``minimum``, ``maximum`` and ``enum`` left
        as None are filled from the catalog bounds and COMBO options of the bound inputs.
        """
        origin = caller_origin()
        if type not in VALUE_TYPES:
            raise SpecError(
                f"parameter {name!r}: type must be one of str, int, float, bool, not {type!r}", origin
            )
        return self._declare(Param(
            name,
            VALUE,
            type,
            default=default,
            minimum=minimum,
            maximum=maximum,
            enum=tuple(enum) if enum is not None else None,
            description=description,
            aliases=tuple(aliases),
            required=default is None if required is None else required,
            origin=origin,
        ))

    def image(
        self,
        name: str,
        *,
        description: str = "",
        aliases: Iterable[str] = (),
        placeholder: str = "example.png",
        required: bool = True,
    ) -> Param[str]:
        """Declare an image parameter, bound to an upload input such as ``LoadImage.image``.

        The job sends the image (base64, data URI, https URL or storage key); the worker stages it
        and binds the staged file name. ``placeholder`` is the file name the compiled graph
        carries so it is complete on its own.
        """
        return self._declare(Param(
            name,
            IMAGE,
            str,
            description=description,
            aliases=tuple(aliases),
            required=required,
            placeholder=placeholder,
            origin=caller_origin(),
        ))

    def model(
        self,
        name: str,
        *,
        default: str | None = None,
        folder: str | None = None,
        description: str = "",
        aliases: Iterable[str] = (),
    ) -> Param[str]:
        """Declare a model-file parameter, bound to a model input such as ``VAELoader.vae_name``.

        ``folder`` defaults to the model folder of the bound inputs. The set of valid files is
        whatever the deployment's volume holds, so the schema does not restrict the value to the
        catalog's list.
        """
        return self._declare(Param(
            name,
            MODEL,
            str,
            default=default,
            description=description,
            aliases=tuple(aliases),
            required=default is None,
            folder=folder,
            origin=caller_origin(),
        ))

    def _declare(self, param: Param[T]) -> Param[T]:
        for name in (param.name, *param.aliases):
            if not isinstance(name, str) or not NAME_PATTERN.match(name):
                raise SpecError(f"invalid parameter name {name!r}; use letters, digits and underscores", param.origin)
            if name in RESERVED_NAMES:
                raise SpecError(f"parameter name {name!r} is reserved for the worker; choose another name", param.origin)
            holders = [p for p in self.params.values() if name == p.name or name in p.aliases]
            if holders:
                first = holders[0]
                subject = f"parameter {name!r}" if name == param.name else f"alias {name!r} of parameter {param.name!r}"
                if name == param.name == first.name:
                    message = f"parameter {name!r} is declared twice"
                elif name == first.name:
                    message = f"{subject} is already the name of parameter {first.name!r}"
                else:
                    message = f"{subject} is already an alias of parameter {first.name!r}"
                raise SpecError(message, param.origin, code="WFC711", related=first.origin)
        if param.name in param.aliases:
            raise SpecError(f"parameter {param.name!r} lists its own name as an alias", param.origin)
        self.params[param.name] = param
        return param

    # --- outputs ------------------------------------------------------------------------------

    def output(self, name: str, node: "Node") -> None:
        """Name an output node (such as ``SaveImage``) whose files the job returns."""
        from wfc.spec.node import Node

        origin = caller_origin()
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise SpecError(f"invalid output name {name!r}; use letters, digits and underscores", origin)
        if name in self.outputs:
            raise SpecError(f"output {name!r} is named twice", origin)
        if not isinstance(node, Node):
            raise SpecError(f"output {name!r} must be a node, not {type(node).__name__}", origin)
        self.outputs[name] = (node, origin)
