"""The authoring API of typed workflow specs.

A spec imports node classes from the generated ``specs.nodes`` module (or calls ``node`` for a
class type it lacks), builds its graph inside ``with Workflow(...)``, and declares the job
parameters and named outputs. ``wfc compile`` lowers it to an API-format graph and a manifest.
"""

from wfc.spec.errors import SpecError
from wfc.spec.node import GenericNode, Node, node
from wfc.spec.values import Output, Param
from wfc.spec.workflow import Workflow, current_workflow

__all__ = ["GenericNode", "Node", "Output", "Param", "SpecError", "Workflow", "current_workflow", "node"]
