"""The RunPod handler: one job from input validation to uploaded outputs.

Run it with the RunPod SDK: ``python -m worker.handler`` on RunPod, or
``python -m worker.handler --rp_serve_api --rp_api_host 127.0.0.1 --rp_api_port 8000`` for the
SDK's local API server. Start-up checks run once before the SDK starts taking jobs.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from worker.artifacts import RESERVED_INPUTS, Artifact, Parameter, select_artifact, validate_input
from worker.comfy import PromptRejected
from worker.errors import JobError
from worker.netguard import FetchPolicy
from worker.output_scope import OutputScope, isolate_outputs
from worker.outputs import build_results, delete_job_outputs, fetch_output_files, list_output_files
from worker.run import RunContext, execution_failure, rejection_error, run_prompt
from worker.settings import Settings
from worker.staging import ImageLimits, StagedImages, job_token, read_source, stage_image, verify_image
from worker.startup import WorkerState, boot, boot_from_environment
from worker.supervisor import ComfyStartError

log = logging.getLogger("worker")

STATE: WorkerState | None = None
MAX_STAGING_THREADS = 4  # image parameters of one job staged at the same time


class ProgressReporter:
    """Send progress through the RunPod SDK, at most a few times a second."""

    def __init__(self, job: dict[str, Any], min_interval_s: float = 0.5):
        self.job = job
        self.min_interval_s = min_interval_s
        self.last_sent = 0.0
        self.last_node: Any = None
        self.enabled = bool(os.environ.get("RUNPOD_WEBHOOK_POST_OUTPUT"))

    def __call__(self, update: dict[str, Any]) -> None:
        now = time.monotonic()
        node_changed = update.get("node") != self.last_node
        if not node_changed and now - self.last_sent < self.min_interval_s:
            return
        self.last_sent, self.last_node = now, update.get("node")
        if not self.enabled:
            log.debug("job %s progress: %s", self.job.get("id"), update)
            return
        import runpod

        runpod.serverless.progress_update(self.job, update)


def bind_parameters(state: WorkerState, artifact: Artifact, job_id: str, job_input: dict[str, Any],
                    graph: dict[str, Any], staged: StagedImages, token: str) -> None:
    """Write job values into the bound node inputs; stage every image parameter."""
    supplied = set()
    images: list[tuple[str, Parameter, Any]] = []
    for key, value in job_input.items():
        if key in RESERVED_INPUTS:
            continue
        param = artifact.parameter_for(key)
        if param is None:
            continue  # the schema rejects unknown keys; this guards a schema that allows them
        supplied.add(param.name)

        if param.kind == "image":
            images.append((key, param, value))
            continue
        for node_id, input_name in param.bindings:
            graph[node_id]["inputs"][input_name] = value

    staged_names = stage_images(state, job_id, images, staged, token)
    for (_key, param, _value), name in zip(images, staged_names):
        for node_id, input_name in param.bindings:
            graph[node_id]["inputs"][input_name] = name

    missing = [param for param in artifact.image_parameters if param.name not in supplied]
    if missing:
        names = ", ".join(param.name for param in missing)
        files = ", ".join(repr(graph[n]["inputs"][i]) for param in missing for n, i in param.bindings)
        raise JobError(
            "missing_image_input",
            f"graph needs {files} but the job supplied no image for {names}; a file left by an earlier job must not be used",
            [{"class": "missing_image_input", "path": f"input.{param.name}", "message": f"input.{param.name} is missing"}
             for param in missing],
        )


def stage_images(state: WorkerState, job_id: str, images: list[tuple[str, Parameter, Any]],
                 staged: StagedImages, token: str) -> list[str]:
    """Read, verify and write each (input key, parameter, value); return the staged file names in order.

    Several images are staged in parallel threads, because downloads wait on the network and
    Pillow (13) releases the GIL while it decodes pixels. Every image finishes before an error is
    raised, so ``staged`` lists every file written, and the error is the first in job-input order.
    """
    settings = state.settings
    limits = ImageLimits(settings.max_image_bytes, settings.max_image_pixels, settings.max_image_frames)
    policy = FetchPolicy(settings.max_image_bytes, settings.url_timeout_s, settings.url_max_redirects,
                         settings.allow_loopback_urls)
    fetch_s3 = state.storage.download if state.storage is not None else None

    def stage_one(key: str, param: Parameter, value: Any) -> str:
        data = read_source(value, key, limits, policy, fetch_s3)
        extension = verify_image(data, key, limits)
        name = stage_image(data, extension, settings.comfyui_input_dir, token, param.name, staged)
        log.info("job %s: staged %s as %s (%d bytes)", job_id, key, name, len(data))
        return name

    if len(images) <= 1:
        return [stage_one(*image) for image in images]

    with ThreadPoolExecutor(max_workers=min(len(images), MAX_STAGING_THREADS), thread_name_prefix=f"stage-{token}") as pool:
        futures = [pool.submit(stage_one, *image) for image in images]
        wait(futures)
    return [future.result() for future in futures]


def describe(artifact: Artifact, graph: dict[str, Any]):
    """Build the functions that name a node or node input in terms of the artifact's parameters."""

    def parameters_of(node_id: str, input_name: str | None = None) -> list[str]:
        return [param.name for param in artifact.parameters.values()
                if any(n == node_id and (input_name is None or i == input_name) for n, i in param.bindings)]

    def describe_node(node_id: str) -> str:
        class_type = (graph.get(node_id) or {}).get("class_type", "?")
        names = parameters_of(node_id)
        suffix = f", parameter {', '.join(names)}" if names else ""
        return f"node {node_id} ({class_type}{suffix})"

    def describe_input(node_id: str, input_name: str | None) -> str:
        names = parameters_of(node_id, input_name) if input_name else []
        if names:
            return f"parameter {names[0]!r} (node {node_id} input {input_name!r})"
        return f"{describe_node(node_id)} input {input_name!r}" if input_name else describe_node(node_id)

    return describe_node, describe_input


def job_timeout_s(job_input: dict[str, Any], settings: Settings) -> float:
    """Return the job's time limit in seconds: ``input.timeout`` or the default, capped by the maximum.

    A NaN limit would make every deadline comparison false, so the job could run forever.
    validate_input already rejects NaN and infinities. This check also rejects zero, negative and
    non-numeric values, whatever range an artifact's schema allows.
    """
    requested = job_input.get("timeout")
    if requested is None:
        return min(settings.job_timeout_s, settings.max_job_timeout_s)

    valid = isinstance(requested, (int, float)) and not isinstance(requested, bool) and requested > 0
    if isinstance(requested, float) and not math.isfinite(requested):
        valid = False
    if not valid:
        message = f"input.timeout: {requested!r} is not a positive number of seconds"
        raise JobError("invalid_input", message, [{"path": "input.timeout", "message": message, "validator": "timeout"}])
    return float(min(requested, settings.max_job_timeout_s))  # min() first: float() of a huge int overflows


def process_job(state: WorkerState, job: dict[str, Any]) -> dict[str, Any]:
    """Run one job; return the RunPod result (``{"error": ...}`` on failure)."""
    job_id = str(job.get("id") or uuid.uuid4())
    started = time.perf_counter()
    try:
        return run_job(state, job_id, job)
    except JobError as exc:
        log.warning("job %s failed: %s", job_id, exc.text().replace("\n", " | "))
        return {"error": exc.text(), "error_class": exc.error_class, "details": exc.details}
    except Exception as exc:  # a bug in the worker fails this job, not the worker process
        log.exception("job %s failed inside the worker", job_id)
        message = f"the worker failed while running the job: {type(exc).__name__}: {exc}"
        return {"error": f"internal_error: {message}", "error_class": "internal_error", "details": []}
    finally:
        log.info("job %s took %.3f s", job_id, time.perf_counter() - started)


def run_job(state: WorkerState, job_id: str, job: dict[str, Any]) -> dict[str, Any]:
    if not state.ready:
        raise JobError("worker_not_ready", "the worker failed its start-up checks and runs no jobs",
                       [{"message": problem} for problem in state.problems])

    settings = state.settings
    artifact = select_artifact(state.artifacts, job.get("input"), settings.default_workflow)
    job_input: dict[str, Any] = job["input"]  # select_artifact rejects anything but a JSON object
    validate_input(artifact, job_input)
    timeout_s = job_timeout_s(job_input, settings)

    if state.supervisor is not None:
        try:
            state.supervisor.ensure_running()
        except ComfyStartError as exc:
            raise JobError("comfyui_unavailable", str(exc)) from None

    token = job_token(job_id)
    graph = artifact.fresh_graph()
    staged = StagedImages(settings.comfyui_input_dir)
    scope: OutputScope | None = None
    try:
        bind_parameters(state, artifact, job_id, job_input, graph, staged, token)
        scope = isolate_outputs(graph, token)
        describe_node, describe_input = describe(artifact, graph)

        context = RunContext(
            client=state.client,
            client_id=uuid.uuid4().hex,
            deadline=time.monotonic() + timeout_s,
            timeout_s=timeout_s,
            crashed=state.supervisor.crashed if state.supervisor else (lambda: None),
            supervised=state.supervisor is not None,
            on_progress=ProgressReporter(job),
            use_websocket=settings.use_websocket,
            poll_s=settings.history_poll_s,
            interrupt_grace_s=settings.interrupt_grace_s,
            job_id=job_id,
        )
        try:
            prompt_id, entry = run_prompt(graph, context)
        except PromptRejected as rejected:
            raise rejection_error(rejected, describe_input) from None

        failure = execution_failure(entry, describe_node)
        if failure is not None:
            raise failure

        output_names = {str(output["node"]): name for name, output in artifact.outputs.items()}
        files, refused_files = list_output_files(entry, output_names, scope, job_id)
        if not files:
            reason = f"; rejected: {'; '.join(refused_files)}" if refused_files else ""
            raise JobError("no_outputs", f"prompt {prompt_id} succeeded but its output nodes wrote no files{reason}")
        fetch_output_files(state.client, files)
        results, upload_failures = build_results(files, job_id, settings, state.storage, scope.job_subfolder)
    finally:
        staged.cleanup()
        if scope is not None:
            delete_job_outputs(settings.comfyui_output_dir, scope.job_subfolder)

    result: dict[str, Any] = {"workflow": artifact.name, "prompt_id": prompt_id, "outputs": results}
    if upload_failures:
        result["upload_failures"] = upload_failures
    return result


async def handler(job: dict[str, Any]) -> dict[str, Any]:
    """RunPod entry point; runs the blocking job in a thread so the SDK's event loop stays free."""
    if STATE is None:
        return {"error": "worker_not_ready: the handler was called before start-up ran"}
    return await asyncio.to_thread(process_job, STATE, job)


def stop_comfy_on_sigterm(state: WorkerState) -> None:
    """Stop a supervised ComfyUI when the worker gets SIGTERM, then exit as SIGTERM would.

    RunPod stops workers with SIGTERM, and uvicorn (the SDK's local API server) re-raises it after
    its own shutdown. Without this handler the ComfyUI child would outlive the worker.
    """
    if state.supervisor is None:
        return
    supervisor = state.supervisor

    def on_sigterm(signum: int, _frame: Any) -> None:
        log.info("SIGTERM received; stopping ComfyUI (pid %s)", supervisor.process.pid if supervisor.process else None)
        supervisor.stop()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    signal.signal(signal.SIGTERM, on_sigterm)


def main(settings: Settings | None = None) -> None:
    global STATE
    logging.basicConfig(level=os.environ.get("WFC_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    STATE = boot(settings) if settings is not None else boot_from_environment()
    stop_comfy_on_sigterm(STATE)

    import runpod

    runpod.serverless.start({"handler": handler})


if __name__ == "__main__":
    main()
