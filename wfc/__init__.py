"""wfc: a workflow compiler and offline validation toolchain for ComfyUI deployments."""

__version__ = "0.1.0"
