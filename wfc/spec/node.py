"""Nodes of a spec: the base class of the generated node classes and the generic ``node`` call.

A node registers itself with the workflow whose ``with`` block is active when it is created,
and records the spec line that created it. Generated classes (``specs/nodes.py``) declare their
typed ``__init__`` only for the type checker. At run time every class shares ``Node.__init__``,
which keeps importing the generated module cheap.

A class with exactly one output also inherits ``Output``, so the node itself can be passed where
its output goes (``VAEDecode(samples=KSampler(...), ...)``). Outputs are also attributes named
after the catalog's output names (``load.IMAGE``, ``load.MASK``) and are reachable by slot index
through ``node.output(index)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Mapping

from wfc.spec.errors import SpecError
from wfc.spec.origin import caller_origin
from wfc.spec.values import Output


class Node:
    """One node of a spec's graph.

    ``id`` sets the node id in the compiled graph and ``title`` sets ``_meta.title``.
    ``extra_inputs`` passes inputs whose names are not Python identifiers
    (``{"double_layers.0.": 1.0}``) and any JSON value as written, a ``["4", 0]`` link to a
    node id included. The compiler does not check those names against the catalog, and lint
    reports unknown ones as warnings. Keyword inputs left as None are omitted.
    """

    _class_type: ClassVar[str] = ""
    # Attribute names of the outputs, in slot order (sanitised catalog output names).
    _output_names: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        /,
        *,
        id: str | int | None = None,
        title: str | None = None,
        extra_inputs: Mapping[str, Any] | None = None,
        **inputs: Any,
    ) -> None:
        from wfc.spec.workflow import current_workflow

        self._origin = caller_origin()
        workflow = current_workflow()
        if workflow is None:
            raise SpecError(
                f"node {self._class_type!r} was created outside a workflow; "
                "create nodes inside a `with Workflow(...):` block",
                self._origin,
            )

        self._inputs: dict[str, Any] = {name: value for name, value in inputs.items() if value is not None}
        # Names given through extra_inputs: their values go into the graph as written, None,
        # lists and objects included, so an imported graph compiles back unchanged.
        self._raw_names: set[str] = set()
        for name, value in (extra_inputs or {}).items():
            if name in self._inputs:
                raise SpecError(f"input {name!r} is given twice (as a keyword and in extra_inputs)", self._origin)
            self._inputs[name] = value
            self._raw_names.add(name)

        self._explicit_id = None if id is None else str(id)
        self._title = title
        self._id: str | None = None
        if isinstance(self, Output):
            Output.__init__(self, self, 0)
        workflow._add_node(self)

    @property
    def class_type(self) -> str:
        return self._class_type

    def output(self, index: int) -> Output[Any]:
        """Return the output in slot ``index`` (0-based)."""
        if not 0 <= index < max(len(self._output_names), 1):
            raise SpecError(
                f"node {self._class_type!r} has {len(self._output_names)} outputs; there is no output {index}",
                caller_origin(),
            )
        if index == 0 and isinstance(self, Output):
            return self
        return Output(self, index)

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Output[Any]:
            names = type(self)._output_names
            if name in names:
                return self.output(names.index(name))
            raise AttributeError(
                f"node {self._class_type!r} has no output {name!r}; its outputs are {', '.join(names) or 'none'}"
            )

    def __repr__(self) -> str:
        label = self._id or self._explicit_id or self._title or ""
        return f"<node {self._class_type} {label}>".replace(" >", ">")


class GenericNode(Node):
    """A node of any class type, for classes the generated module does not have.

    Outputs are reached by index, ``generic[0]``; the compiler checks the class type and inputs
    against the catalog.
    """

    def __init__(
        self,
        class_type: str,
        /,
        *,
        id: str | int | None = None,
        title: str | None = None,
        extra_inputs: Mapping[str, Any] | None = None,
        **inputs: Any,
    ) -> None:
        self._class_type = class_type  # type: ignore[misc]
        super().__init__(id=id, title=title, extra_inputs=extra_inputs, **inputs)

    def output(self, index: int) -> Output[Any]:
        if index < 0:
            raise SpecError(f"output index {index} of {self._class_type!r} is negative", caller_origin())
        return Output(self, index)

    def __getitem__(self, index: int) -> Output[Any]:
        return self.output(index)


def node(
    class_type: str,
    /,
    *,
    id: str | int | None = None,
    title: str | None = None,
    extra_inputs: Mapping[str, Any] | None = None,
    **inputs: Any,
) -> GenericNode:
    """Create a node of ``class_type`` without a generated class; read its outputs by index."""
    return GenericNode(class_type, id=id, title=title, extra_inputs=extra_inputs, **inputs)
