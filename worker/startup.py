"""Start-up checks: CUDA, ComfyUI, artifacts, node classes and model files.

``boot()`` never raises. Every failed check becomes one line in ``WorkerState.problems``, logged
once, and the handler answers every job with those lines instead of running it. RunPod therefore
sees failed jobs with a clear reason, not a container that exits and restarts in a loop.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from worker.artifacts import Artifact, load_artifacts
from worker.comfy import ComfyClient, ComfyUnavailable
from worker.settings import Settings, load_settings
from worker.supervisor import ComfyStartError, ComfySupervisor

log = logging.getLogger(__name__)


@dataclass
class WorkerState:
    """Everything a job needs, built once at start-up."""

    settings: Settings
    client: ComfyClient
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    supervisor: ComfySupervisor | None = None
    storage: Any = None  # worker.outputs.Storage when RUNPOD_STORAGE_* is configured
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def wait_for_cuda(deadline_s: float) -> str | None:
    """Wait until torch sees a CUDA device; return a problem line, or None when it is ready."""
    try:
        import torch  # heavy; only the worker image has it
    except ImportError:
        return "torch is not installed, so CUDA cannot be checked; set WFC_SKIP_CUDA_WAIT=1 for CPU runs"

    deadline = time.monotonic() + deadline_s
    last_error = "no CUDA device visible"
    while time.monotonic() < deadline:
        try:
            if torch.cuda.is_available():
                torch.cuda.current_device()
                name = torch.cuda.get_device_name()
                capability = torch.cuda.get_device_capability()
                log.info("CUDA ready: %s, compute capability %s", name, capability)
                return None
        except RuntimeError as exc:  # "CUDA driver initialization failed" while the GPU attaches
            last_error = str(exc)
        time.sleep(1.0)
    return f"CUDA was not ready after {deadline_s:g} s: {last_error}"


def compare_classes(artifacts: dict[str, Artifact], object_info: dict[str, Any]) -> list[str]:
    """Compare the live node classes with the classes, inputs and literal COMBO values the artifacts use."""
    from wfc.catalog import CatalogError, from_object_info

    try:
        live = from_object_info(object_info)
    except CatalogError as exc:
        return [f"ComfyUI's /object_info could not be read: {exc}"]

    problems = []
    for artifact in artifacts.values():
        bound = {binding for param in artifact.parameters.values() for binding in param.bindings}
        for node_id, node in artifact.graph.items():
            class_type = node.get("class_type")
            node_class = live.get(class_type)
            if node_class is None:
                problems.append(f"artifact {artifact.name!r} node {node_id}: class {class_type!r} is not installed in ComfyUI")
                continue
            for input_name, value in (node.get("inputs") or {}).items():
                spec = node_class.input(input_name)
                if spec is None:
                    problems.append(
                        f"artifact {artifact.name!r} node {node_id} ({class_type}): ComfyUI has no input {input_name!r}"
                    )
                    continue
                if spec.is_combo and not spec.is_upload and (node_id, input_name) not in bound \
                        and not isinstance(value, list) and value not in (spec.options or ()):
                    problems.append(
                        f"artifact {artifact.name!r} node {node_id} ({class_type}) input {input_name!r}: "
                        f"{value!r} is not among ComfyUI's options (a missing model file?)"
                    )
            for spec in node_class.required:
                if spec.name not in (node.get("inputs") or {}):
                    problems.append(
                        f"artifact {artifact.name!r} node {node_id} ({class_type}): required input {spec.name!r} is missing"
                    )
    return problems


def compare_models(artifacts: dict[str, Artifact], object_info: dict[str, Any]) -> list[str]:
    """Check each model file of each manifest against the files ComfyUI lists for that input."""
    problems = []
    for artifact in artifacts.values():
        for model in artifact.manifest.get("models") or []:
            node = artifact.graph.get(str(model.get("node")))
            class_info = object_info.get(node.get("class_type")) if node else None
            if not class_info:
                continue  # reported by compare_classes
            options = _combo_options(class_info, model.get("input"))
            if options is not None and model.get("name") not in options:
                problems.append(
                    f"artifact {artifact.name!r}: model file {model.get('name')!r} (folder {model.get('folder')!r}, "
                    f"node {model.get('node')} input {model.get('input')!r}) is not visible to ComfyUI; "
                    "run 'wfc models check' against the volume"
                )
    return problems


def _combo_options(class_info: dict[str, Any], input_name: str | None) -> list[Any] | None:
    for section in ("required", "optional"):
        declared = (class_info.get("input") or {}).get(section) or {}
        if input_name in declared:
            raw = declared[input_name]
            if isinstance(raw, list) and raw and isinstance(raw[0], list):
                return raw[0]
            if isinstance(raw, list) and raw and raw[0] == "COMBO" and len(raw) > 1:
                return list(raw[1].get("options") or [])
    return None


def check_model_files_on_disk(settings: Settings, artifacts: dict[str, Artifact]) -> list[str]:
    """Resolve manifest model files through extra_model_paths.yaml with wfc.models, when available."""
    if settings.model_paths is None:
        return []
    try:
        from wfc.models.paths import load_model_paths, search_paths
    except ImportError as exc:
        log.info("skipping the on-disk model check: wfc.models is unavailable (%s)", exc)
        return []

    try:
        folders = search_paths(load_model_paths(settings.model_paths), str(settings.comfyui_input_dir.parent))
    except Exception as exc:  # the models package is optional here; its errors must not stop the worker
        return [f"{settings.model_paths}: cannot resolve model folders: {exc}"]

    problems = []
    for artifact in artifacts.values():
        for model in artifact.manifest.get("models") or []:
            search = folders.get(str(model.get("folder")))
            paths = [Path(entry.path) / str(model.get("name")) for entry in search.paths] if search else []
            if not any(path.is_file() for path in paths):
                problems.append(
                    f"artifact {artifact.name!r}: model file {model.get('name')!r} not found in folder "
                    f"{model.get('folder')!r} (searched {', '.join(str(path.parent) for path in paths) or 'nothing'})"
                )
    return problems


def boot(settings: Settings) -> WorkerState:
    """Run every start-up check; return the state with its problems (never raises)."""
    client = ComfyClient(settings.base_url)
    state = WorkerState(settings=settings, client=client)

    if not settings.skip_cuda_wait:
        problem = wait_for_cuda(settings.cuda_wait_s)
        if problem:
            state.problems.append(problem)

    state.artifacts, problems = load_artifacts(settings.workflows_dir)
    state.problems += problems

    comfy_up = True
    if settings.supervises_comfyui:
        state.supervisor = ComfySupervisor(
            settings.comfyui_command, settings.comfyui_port, client,
            settings.comfyui_start_timeout_s, settings.comfyui_restart_limit,
            log_path=Path("/tmp/comfyui.log"),
        )
        try:
            state.supervisor.start()
        except ComfyStartError as exc:
            comfy_up = False
            state.problems.append(str(exc))
    elif not _wait_until_answers(client, settings.comfyui_start_timeout_s):
        comfy_up = False
        state.problems.append(f"ComfyUI at {settings.base_url} did not answer within {settings.comfyui_start_timeout_s:g} s")

    if state.artifacts and comfy_up:
        try:
            object_info = client.object_info()
        except (ComfyUnavailable, ValueError, OSError) as exc:
            state.problems.append(f"cannot read /object_info: {exc}")
        else:
            state.problems += compare_classes(state.artifacts, object_info)
            state.problems += compare_models(state.artifacts, object_info)
    state.problems += check_model_files_on_disk(settings, state.artifacts)

    if settings.storage_configured:
        from worker.outputs import Storage

        state.storage = Storage(settings)
    elif settings.storage_upload_outputs:
        log.info("RUNPOD_STORAGE_* is not configured; outputs are returned as base64")

    for problem in state.problems:
        log.error("start-up check failed: %s", problem)
    if state.ready:
        log.info("worker ready: %d artifacts (%s)", len(state.artifacts), ", ".join(sorted(state.artifacts)))
    return state


def _wait_until_answers(client: ComfyClient, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.ping():
            return True
        time.sleep(0.5)
    return False


def boot_from_environment() -> WorkerState:
    """Read the settings from the environment and boot; invalid settings fail every job instead of the process.

    A worker that exits at start-up is restarted by RunPod over and over, and every job only
    waits. A not-ready worker returns the setting problems to each job, as a failed check does.
    """
    from pydantic import ValidationError

    try:
        settings = load_settings()
    except ValidationError as exc:
        problems = [f"setting {'.'.join(str(part) for part in error['loc'])}: {error['msg']} (value {error.get('input')!r})"
                    for error in exc.errors()]
        log.error("invalid settings; every job will fail until they are fixed: %s", "; ".join(problems))
        placeholder = Settings.model_construct()  # defaults only, never used by a job of a not-ready worker
        return WorkerState(settings=placeholder, client=ComfyClient(placeholder.base_url), problems=problems)
    return boot(settings)
