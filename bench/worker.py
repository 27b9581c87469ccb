"""The worker's own overhead per job, measured against the ComfyUI stand-in.

Each step is timed on its own as the median of several runs. The steps are JSON Schema
validation of a job with two 1024x1024 PNGs, staging one PNG (base64 decode, Pillow verification,
write) with its two main parts, and binding the parameters of a job with two images, which are
staged in parallel. Then come collecting the output from ``/view`` and base64-encoding it. The last line is a whole job of
the plate_composite graph through ``process_job`` against the stand-in, which includes the
stand-in's own Pillow work and so is an upper bound of the overhead.
"""

from __future__ import annotations

import base64
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests" / "worker"
REPEAT = 15


def _median_ms(function, repeat: int = REPEAT) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _photo_png(size: int = 1024) -> bytes:
    """Render a 1024x1024 PNG of noise, so its compression ratio is like a photo's."""
    from PIL import Image

    image = Image.effect_noise((size, size), 64).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def run() -> list[tuple[str, float, str]]:
    sys.path.insert(0, str(TESTS))
    from worker_builders import write_plate, write_qwen

    from worker.artifacts import load_artifacts, validate_input
    from worker.handler import bind_parameters, isolate_outputs, process_job
    from worker.outputs import encode_base64, list_output_files
    from worker.settings import Settings
    from worker.staging import ImageLimits, StagedImages, job_token, read_source, stage_image, verify_image
    from worker.netguard import FetchPolicy
    from worker.startup import boot

    results: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        workflows = root / "workflows"
        write_qwen(workflows)
        write_plate(workflows)
        comfy_root = root / "comfy"
        port = _free_port()
        for key in [key for key in os.environ if key.startswith(("WFC_", "RUNPOD_STORAGE_"))]:
            del os.environ[key]
        os.environ.update({
            "WFC_WORKFLOWS_DIR": str(workflows), "WFC_SKIP_CUDA_WAIT": "1", "WFC_COMFYUI_PORT": str(port),
            "WFC_COMFYUI_INPUT_DIR": str(comfy_root / "input"), "WFC_COMFYUI_OUTPUT_DIR": str(comfy_root / "output"),
            "WFC_COMFYUI_COMMAND": f"{sys.executable} {TESTS / 'standin.py'} --port {{port}} --root {comfy_root}",
            "RUNPOD_STORAGE_UPLOAD_OUTPUTS": "0", "RUNPOD_INCLUDE_OUTPUT_BASE64": "1",
        })
        state = boot(Settings())
        try:
            if state.problems:
                raise RuntimeError("; ".join(state.problems))
            png = _photo_png()
            encoded = base64.b64encode(png).decode("ascii")
            artifacts, _ = load_artifacts(workflows)
            qwen = artifacts["qwen_image_edit_2509"]
            plate_composite = artifacts["plate_composite"]
            job_input = {"workflow": "qwen_image_edit_2509", "load_image": encoded, "background_load_image": encoded,
                         "prompt": "bench", "seed": 3}
            limits = ImageLimits(state.settings.max_image_bytes, state.settings.max_image_pixels)
            policy = FetchPolicy(limits.max_bytes, 5.0)
            input_dir = comfy_root / "input"

            results.append(("schema validation, job with two 1024x1024 PNGs", _median_ms(lambda: validate_input(qwen, job_input)), "ms"))

            def stage_once() -> None:
                staged = StagedImages(input_dir)
                data = read_source(encoded, "load_image", limits, policy, None)
                extension = verify_image(data, "load_image", limits)
                stage_image(data, extension, input_dir, job_token("bench"), "load_image", staged)
                staged.cleanup()

            results.append(("staging one 1024x1024 PNG (decode, verify, write)", _median_ms(stage_once), "ms"))
            data = read_source(encoded, "load_image", limits, policy, None)
            results.append(("  of which base64 decoding", _median_ms(lambda: read_source(encoded, "load_image", limits, policy, None)), "ms"))
            results.append(("  of which verifying (Pillow, full pixel decode)", _median_ms(lambda: verify_image(data, "load_image", limits)), "ms"))

            def bind_once() -> None:
                staged = StagedImages(input_dir)
                graph = qwen.fresh_graph()
                bind_parameters(state, qwen, "bench", job_input, graph, staged, job_token("bench"))
                isolate_outputs(graph, "bench")
                staged.cleanup()

            results.append(("binding the Qwen job (both images staged)", _median_ms(bind_once), "ms"))

            plate_job = {"id": "bench", "input": {"workflow": "plate_composite", "load_image": encoded,
                                                  "background_load_image": encoded}}
            answer = process_job(state, plate_job)
            if "error" in answer:
                raise RuntimeError(answer["error"])
            output_bytes = base64.b64decode(answer["outputs"][0]["base64"])
            scope = isolate_outputs(plate_composite.fresh_graph(), "bench")
            (comfy_root / "output" / scope.job_subfolder).mkdir(parents=True, exist_ok=True)
            (comfy_root / "output" / scope.job_subfolder / "bench_00001_.png").write_bytes(output_bytes)
            entry = {"outputs": {"5": {"images": [
                {"filename": "bench_00001_.png", "subfolder": scope.job_subfolder, "type": "output"}]}}}

            def collect_once() -> None:
                files, _rejected = list_output_files(entry, {"5": "plate"}, scope)
                for output_file in files:
                    output_file.data = state.client.view(output_file.filename, output_file.subfolder, output_file.folder_type)

            results.append(("collecting a 1024x1024 output via /view", _median_ms(collect_once), "ms"))
            results.append(("base64 encoding of that output", _median_ms(lambda: encode_base64(output_bytes)), "ms"))
            results.append(("whole plate_composite job via stand-in (upper bound)",
                            _median_ms(lambda: process_job(state, plate_job), repeat=5), "ms"))
        finally:
            if state.supervisor is not None:
                state.supervisor.stop()
    return results


if __name__ == "__main__":
    sys.path[0] = str(ROOT)  # run as a script, bench/ would shadow the worker package
    for name, value, unit in run():
        print(f"{name:60} {value:10.3f} {unit}")
