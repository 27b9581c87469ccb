"""A ComfyUI stand-in that speaks ComfyUI 0.3.64's HTTP and websocket protocol on 127.0.0.1.

Run: ``python tests/worker/standin.py --port N --root DIR [--catalog worker/catalog.json]``.
It validates prompts against a wfc catalog with ComfyUI's error shapes, runs a few image nodes
for real and fakes the rest (see standin_nodes), keeps a history, and streams the same websocket
messages ComfyUI sends to the submitting client. Execution order and the output cache follow
ComfyUI's (see standin_graph). Test-only fault switches are set with
``POST /standin/fault {"mode": ...}``:

- ``crash``: the process exits (code 3) while the next prompt runs;
- ``stall``: the next prompt hangs in a node until ``POST /interrupt``;
- ``error``: the next prompt fails in its first faked node with the exception of a corrupt
  checkpoint (``safetensors_rust.SafetensorError``);
- ``nows``: ``/ws`` returns HTTP 503, so clients must poll ``/history``;
- ``history``: every ``/history/{id}`` answer is changed as the request's ``"history"`` object
  says: its ``replace`` fields replace those of the entry, and its ``extra_files`` lists
  (node id to file entries) are appended to that node's ``images``. This fakes a ComfyUI that
  reports malformed or foreign outputs.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import json
import logging
import os
import queue
import struct
import sys
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin_graph import execution_order, is_changed_values, is_link, signatures  # noqa: E402
from standin_nodes import Executor  # noqa: E402
from standin_validate import full_type_name, validate_prompt  # noqa: E402
from wfc.catalog import Catalog, load_catalog  # noqa: E402

log = logging.getLogger("standin")

PREVIEW_IMAGE = 1  # binary event types of ComfyUI's websocket frames
TEXT = 3
PNG_FORMAT = 2


class Interrupted(Exception):
    """POST /interrupt arrived while a node ran."""


class NodeFailure(Exception):
    def __init__(self, node_id: str, exception_type: str, message: str):
        super().__init__(message)
        self.node_id = node_id
        self.exception_type = exception_type


def object_info_of(catalog: Catalog, input_dir: Path) -> dict[str, Any]:
    """Render a catalog back into /object_info form; LoadImage lists the live input folder."""
    files = sorted(name for name in os.listdir(input_dir) if (input_dir / name).is_file() and not name.startswith("."))
    info = {}
    for node_class in catalog:
        sections: dict[str, dict[str, Any]] = {"required": {}, "optional": {}, "hidden": {}}
        order: dict[str, list[str]] = {"required": [], "optional": [], "hidden": []}
        for spec in node_class.inputs.values():
            if spec.section == "hidden":
                sections["hidden"][spec.name] = spec.type
            elif spec.is_combo:
                options = files if spec.is_upload and node_class.name == "LoadImage" else list(spec.options)
                if spec.declared_as_combo:  # V3 spelling: ["COMBO", {..., "options": [...]}]
                    sections[spec.section][spec.name] = ["COMBO", {**spec.config, "options": options}]
                else:
                    sections[spec.section][spec.name] = [options, dict(spec.config)] if spec.config else [options]
            else:
                sections[spec.section][spec.name] = [spec.type, dict(spec.config)] if spec.config else [spec.type]
            order[spec.section].append(spec.name)
        info[node_class.name] = {
            "input": {key: value for key, value in sections.items() if value or key == "required"},
            "input_order": {key: value for key, value in order.items() if value or key == "required"},
            "output": [out.type for out in node_class.outputs],
            "output_is_list": [out.is_list for out in node_class.outputs],
            "output_name": [out.name for out in node_class.outputs],
            "name": node_class.name,
            "display_name": node_class.display_name,  # null for V3 classes without one, as ComfyUI sends it
            "description": "",
            "python_module": node_class.python_module,
            "category": node_class.category,
            "output_node": node_class.output_node,
        }
        # NOTE: ComfyUI sends V3 classes with "api_node", "output_tooltips", false "deprecated"
        # and "experimental" keys, empty input_order sections and hidden inputs as ["TYPE"]. The
        # catalog does not record which classes are V3, so the stand-in sends the V1 form.
        if node_class.deprecated:
            info[node_class.name]["deprecated"] = True
        if node_class.experimental:
            info[node_class.name]["experimental"] = True
    return info


def format_value(value: Any) -> Any:
    """Render an input value for ``current_inputs`` of execution_error, as ComfyUI does."""
    if value is None or isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


class ProgressStates:
    """The per-node progress of one prompt, sent as ComfyUI 0.3.64's ``progress_state`` messages.

    Every change sends the state of all nodes that have started: ``running`` with value 0 of 1
    when a node starts, the step count while it reports progress, ``finished`` when it ends.
    """

    def __init__(self, standin: "StandIn", prompt_id: str, client_id: str | None):
        self.standin = standin
        self.prompt_id = prompt_id
        self.client_id = client_id
        self.nodes: dict[str, dict[str, Any]] = {}

    def start(self, node_id: str) -> None:
        self.nodes[node_id] = {"value": 0.0, "max": 1.0, "state": "running"}
        self._send()

    def update(self, node_id: str, value: float, maximum: float) -> None:
        self.nodes[node_id] = {"value": value, "max": maximum, "state": "running"}
        self._send()

    def finish(self, node_id: str) -> None:
        entry = self.nodes.setdefault(node_id, {"value": 0, "max": 1, "state": "pending"})
        entry["value"] = entry["max"]
        entry["state"] = "finished"
        self._send()

    def _send(self) -> None:
        nodes = {node_id: {**entry, "node_id": node_id, "prompt_id": self.prompt_id, "display_node_id": node_id,
                           "parent_node_id": None, "real_node_id": node_id}
                 for node_id, entry in self.nodes.items()}
        self.standin.send("progress_state", {"prompt_id": self.prompt_id, "nodes": nodes}, self.client_id)


class StandIn:
    def __init__(self, catalog: Catalog, root: Path):
        self.catalog = catalog
        self.input_dir = root / "input"
        self.output_dir = root / "output"
        self.temp_dir = root / "temp"
        for folder in (self.input_dir, self.output_dir, self.temp_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self.executor = Executor(catalog, self.input_dir, self.output_dir, self.temp_dir)
        self.sockets: dict[str, web.WebSocketResponse] = {}
        self.queue: queue.Queue[tuple[float, str, dict, dict, list[str]]] = queue.Queue()
        self.pending: list[tuple[float, str, dict, dict, list[str]]] = []
        self.running: dict[str, tuple] = {}
        self.history: dict[str, dict[str, Any]] = {}
        self.cache: dict[str, tuple[tuple[Any, ...], dict[str, Any] | None]] = {}  # signature -> (outputs, ui)
        self.number = 0
        self.prompts_received = 0
        self.history_requests: dict[str, int] = {}  # prompt id -> GET /history/{id} count, for tests
        self.fault: str | None = None
        self.history_change: dict[str, Any] = {}  # what the "history" fault changes in each answer
        self.interrupt_flag = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.lock = threading.Lock()

    # --- messages ----------------------------------------------------------------------------

    def send(self, event: str, data: Any, client_id: str | None) -> None:
        """Send a JSON message to one client (or every client when client_id is None)."""
        text = json.dumps({"type": event, "data": data})
        self._deliver(lambda ws: ws.send_str(text), client_id)

    def send_preview(self, image: Any, client_id: str | None) -> None:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        frame = struct.pack(">I", PREVIEW_IMAGE) + struct.pack(">I", PNG_FORMAT) + buffer.getvalue()
        self._deliver(lambda ws: ws.send_bytes(frame), client_id)

    def send_text(self, node_id: str, text: str) -> None:
        """Send a progress text frame to every client, as ComfyUI's send_progress_text does."""
        node = node_id.encode("utf-8")
        frame = struct.pack(">I", TEXT) + struct.pack(">I", len(node)) + node + text.encode("utf-8")
        self._deliver(lambda ws: ws.send_bytes(frame), None)

    def _deliver(self, make, client_id: str | None) -> None:
        if client_id is None:
            targets = list(self.sockets.values())
        elif client_id in self.sockets:
            targets = [self.sockets[client_id]]
        else:
            targets = []
        for ws in targets:
            if self.loop is not None and not ws.closed:
                asyncio.run_coroutine_threadsafe(make(ws), self.loop)

    def queue_info(self) -> dict[str, Any]:
        return {"exec_info": {"queue_remaining": len(self.pending) + len(self.running)}}

    # --- execution ---------------------------------------------------------------------------

    def worker_loop(self) -> None:
        while True:
            item = self.queue.get()
            with self.lock:
                if item not in self.pending:
                    continue  # deleted from the queue before it started
                self.pending.remove(item)
                self.running[item[1]] = item
            self.send("status", {"status": self.queue_info()}, None)
            self.execute(item)
            with self.lock:
                self.running.pop(item[1], None)
            # ComfyUI's order: history written, then the queue status, then "executing" with node null.
            self.send("status", {"status": self.queue_info()}, None)
            client_id = item[3].get("client_id")
            if client_id is not None:
                self.send("executing", {"node": None, "prompt_id": item[1]}, client_id)

    def execute(self, item: tuple) -> None:
        number, prompt_id, prompt, extra_data, outputs = item
        client_id = extra_data.get("client_id")
        messages: list[list[Any]] = []
        self.interrupt_flag.clear()

        def message(event: str, data: dict[str, Any]) -> None:
            data = {**data, "timestamp": int(time.time() * 1000)}
            messages.append([event, data])
            self.send(event, data, client_id)

        message("execution_start", {"prompt_id": prompt_id})
        is_changed = is_changed_values(prompt, self.input_dir)
        keys = signatures(prompt, self.catalog, is_changed)
        used = set(keys.values())
        self.cache = {key: value for key, value in self.cache.items() if key in used}
        cached = [node_id for node_id in prompt if keys[node_id] in self.cache]
        message("execution_cached", {"nodes": cached, "prompt_id": prompt_id})

        progress = ProgressStates(self, prompt_id, client_id)
        metadata_prompt = {node_id: ({**node, "is_changed": [is_changed[node_id]]} if node_id in is_changed else node)
                           for node_id, node in prompt.items()}
        results = {node_id: self.cache[keys[node_id]][0] for node_id in cached}
        executed: list[str] = []
        current = None
        current_inputs: dict[str, Any] = {}

        def is_output(node_id: str) -> bool:
            return self.catalog.get(prompt[node_id]["class_type"]).output_node

        try:
            for node_id in execution_order(prompt, outputs, set(cached), is_output):
                current = node_id
                if node_id in results:  # a cached output node reports its earlier UI output
                    self.send("executed", {"node": node_id, "display_node": node_id, "output": self.cache[keys[node_id]][1],
                                           "prompt_id": prompt_id}, client_id)
                    progress.finish(node_id)
                    continue
                progress.start(node_id)
                self.send("executing", {"node": node_id, "display_node": node_id, "prompt_id": prompt_id}, client_id)
                current_inputs = {}
                inputs = self.resolve_inputs(prompt, node_id, results)
                current_inputs = {name: [format_value(value)] for name, value in inputs.items()}
                inputs.update(self.hidden_inputs(prompt, node_id, metadata_prompt, extra_data))
                results[node_id], ui = self.run_node(prompt, node_id, inputs, prompt_id, client_id, progress)
                self.cache[keys[node_id]] = (results[node_id], ui)
                if ui is not None:
                    self.send("executed", {"node": node_id, "display_node": node_id, "output": ui, "prompt_id": prompt_id}, client_id)
                progress.finish(node_id)
                executed.append(node_id)
            message("execution_success", {"prompt_id": prompt_id})
            status = "success"
        except Interrupted:
            status = "error"
            message("execution_interrupted", {"prompt_id": prompt_id, "node_id": current,
                                              "node_type": prompt[current]["class_type"], "executed": executed})
        except Exception as exc:
            status = "error"
            node_id = exc.node_id if isinstance(exc, NodeFailure) else current
            exception_type = exc.exception_type if isinstance(exc, NodeFailure) else full_type_name(type(exc))
            message("execution_error", {
                "prompt_id": prompt_id, "node_id": node_id, "node_type": prompt[node_id]["class_type"],
                "executed": executed, "exception_message": f"{exc}\n", "exception_type": exception_type,
                "traceback": traceback.format_tb(exc.__traceback__), "current_inputs": current_inputs,
                "current_outputs": list(prompt),
            })

        ui_outputs = {node_id: self.cache[keys[node_id]][1] for node_id in prompt
                      if keys[node_id] in self.cache and self.cache[keys[node_id]][1] is not None}
        self.history[prompt_id] = {
            "prompt": [number, prompt_id, prompt, extra_data, outputs],
            "outputs": ui_outputs,
            "status": {"status_str": status, "completed": status == "success", "messages": messages},
            "meta": {node: {"node_id": node, "display_node": node, "parent_node": None, "real_node_id": node}
                     for node in ui_outputs},
        }

    def resolve_inputs(self, prompt: dict[str, Any], node_id: str, results: dict[str, tuple]) -> dict[str, Any]:
        """Collect a node's input values: literals and the outputs of linked nodes."""
        node_class = self.catalog.get(prompt[node_id]["class_type"])
        inputs = {}
        for name, value in prompt[node_id].get("inputs", {}).items():
            spec = node_class.input(name)
            if spec is None or spec.section == "hidden":
                continue  # ComfyUI ignores inputs the class does not declare, and fills hidden ones itself
            if is_link(value):
                value = results[value[0]][int(value[1])]
            inputs[name] = value
        return inputs

    def hidden_inputs(self, prompt: dict[str, Any], node_id: str, metadata_prompt: dict[str, Any],
                      extra_data: dict[str, Any]) -> dict[str, Any]:
        """The hidden inputs ComfyUI fills in, for the classes the stand-in runs for real."""
        class_type = prompt[node_id]["class_type"]
        if not hasattr(self.executor, "node_" + class_type):
            return {}
        values = {"PROMPT": metadata_prompt, "EXTRA_PNGINFO": extra_data.get("extra_pnginfo"), "UNIQUE_ID": node_id}
        return {spec.name: values[spec.type] for spec in self.catalog.get(class_type).section("hidden") if spec.type in values}

    def run_node(self, prompt: dict, node_id: str, inputs: dict[str, Any], prompt_id: str, client_id: str | None,
                 progress: "ProgressStates"):
        if self.interrupt_flag.is_set():
            raise Interrupted()
        class_type = prompt[node_id]["class_type"]

        faked = not hasattr(self.executor, "node_" + class_type)
        if faked and self.fault == "crash":
            log.error("fault 'crash': exiting in node %s", node_id)
            os._exit(3)
        if faked and self.fault == "error":
            self.fault = None
            raise NodeFailure(node_id, "safetensors_rust.SafetensorError", "Error while deserializing header: HeaderTooLarge")
        if faked and self.fault == "stall":
            while not self.interrupt_flag.wait(0.05):
                pass
            self.fault = None
            raise Interrupted()

        steps = inputs.get("steps") if faked else None
        if isinstance(steps, int) and steps > 0:
            for step in range(1, steps + 1):
                if self.interrupt_flag.is_set():
                    raise Interrupted()
                time.sleep(0.01)
                progress.update(node_id, step, steps)
                self.send("progress", {"value": step, "max": steps, "prompt_id": prompt_id, "node": node_id}, client_id)
            outputs, ui = self.executor.run(class_type, inputs)
            from PIL import Image

            self.send_preview(Image.new("RGB", (8, 8), (step % 256, 0, 0)), client_id)
            return outputs, ui

        outputs, ui = self.executor.run(class_type, inputs)
        if class_type == "GetImageSize":
            width, height, batch_size = outputs
            self.send_text(node_id, f"width: {width}, height: {height}\n batch size: {batch_size}")
        return outputs, ui

    # --- HTTP --------------------------------------------------------------------------------

    async def post_prompt(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.prompts_received += 1
        if "number" in body:
            number = float(body["number"])
        else:
            number = self.number
            if body.get("front"):
                number = -number
            self.number += 1
        if "prompt" not in body:
            error = {"type": "no_prompt", "message": "No prompt provided", "details": "No prompt provided", "extra_info": {}}
            return web.json_response({"error": error, "node_errors": {}}, status=400)
        prompt = body["prompt"]
        prompt_id = str(body.get("prompt_id", uuid.uuid4()))
        # A malformed prompt raises here, and aiohttp responds with HTTP 500 as ComfyUI's server does.
        valid, error, outputs, node_errors = validate_prompt(prompt, self.catalog, self.input_dir)
        if not valid:
            return web.json_response({"error": error, "node_errors": node_errors}, status=400)
        extra_data = dict(body.get("extra_data") or {})
        if "client_id" in body:
            extra_data["client_id"] = body["client_id"]
        item = (number, prompt_id, prompt, extra_data, outputs)
        with self.lock:
            self.pending.append(item)
        self.queue.put(item)
        self.send("status", {"status": self.queue_info()}, None)
        return web.json_response({"prompt_id": prompt_id, "number": number, "node_errors": node_errors})

    async def get_history(self, request: web.Request) -> web.Response:
        prompt_id = request.match_info["prompt_id"]
        self.history_requests[prompt_id] = self.history_requests.get(prompt_id, 0) + 1
        entry = self.history.get(prompt_id)
        if entry and self.fault == "history":
            entry = self.changed_history(entry)
        return web.json_response({prompt_id: entry} if entry else {})

    def changed_history(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Apply the ``history`` fault's changes to a copy of a history entry."""
        changed = json.loads(json.dumps(entry))
        for node_id, items in (self.history_change.get("extra_files") or {}).items():
            changed["outputs"].setdefault(node_id, {}).setdefault("images", []).extend(items)
        changed.update(self.history_change.get("replace") or {})
        return changed

    async def get_view(self, request: web.Request) -> web.Response:
        query = request.rel_url.query
        filename = query.get("filename", "")
        if not filename or filename[0] == "/" or ".." in filename:
            return web.Response(status=400)
        folder = {"output": self.output_dir, "input": self.input_dir, "temp": self.temp_dir}.get(query.get("type", "output"))
        if folder is None:
            return web.Response(status=400)
        target = (folder / query.get("subfolder", "")).resolve()
        if os.path.commonpath((str(target), str(folder.resolve()))) != str(folder.resolve()):
            return web.Response(status=403)
        path = target / os.path.basename(filename)
        if not path.is_file():
            return web.Response(status=404)
        return web.Response(body=path.read_bytes(), content_type="image/png",
                            headers={"Content-Disposition": f'filename="{path.name}"'})

    async def get_ws(self, request: web.Request) -> web.StreamResponse:
        if self.fault == "nows":
            return web.Response(status=503, text="websocket disabled by the stand-in's fault switch")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        client_id = request.rel_url.query.get("clientId") or uuid.uuid4().hex
        self.sockets[client_id] = ws
        await ws.send_str(json.dumps({"type": "status", "data": {"status": self.queue_info(), "sid": client_id}}))
        try:
            async for _message in ws:
                pass  # clients may send feature flags; nothing else is expected
        finally:
            if self.sockets.get(client_id) is ws:
                del self.sockets[client_id]
        return ws

    async def post_interrupt(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        target = body.get("prompt_id")
        if not target or target in self.running:
            self.interrupt_flag.set()
        return web.Response(status=200)

    async def post_queue(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self.lock:
            if body.get("clear"):
                self.pending.clear()
            for prompt_id in body.get("delete") or []:
                self.pending = [item for item in self.pending if item[1] != prompt_id]
        return web.Response(status=200)

    async def get_queue(self, request: web.Request) -> web.Response:
        with self.lock:
            running = [list(item) for item in self.running.values()]
            pending = [list(item) for item in self.pending]
        return web.json_response({"queue_running": running, "queue_pending": pending})

    async def get_object_info(self, request: web.Request) -> web.Response:
        return web.json_response(object_info_of(self.catalog, self.input_dir))

    async def get_object_info_node(self, request: web.Request) -> web.Response:
        info = object_info_of(self.catalog, self.input_dir)
        node_class = request.match_info["node_class"]
        return web.json_response({node_class: info[node_class]} if node_class in info else {})

    async def get_system_stats(self, request: web.Request) -> web.Response:
        return web.json_response({
            "system": {"os": os.name, "ram_total": 0, "ram_free": 0, "comfyui_version": "0.3.64",
                       "required_frontend_version": "1.27.10", "installed_templates_version": "0.1.95",
                       "required_templates_version": "0.1.95", "python_version": sys.version,
                       "pytorch_version": "stand-in", "embedded_python": False, "argv": sys.argv},
            "devices": [{"name": "cpu", "type": "cpu", "index": None, "vram_total": 0, "vram_free": 0,
                         "torch_vram_total": 0, "torch_vram_free": 0}],
        })

    async def get_stats(self, request: web.Request) -> web.Response:
        """Test-only counters: prompts received, /history requests per prompt, files in the input folder."""
        files = sorted(name for name in os.listdir(self.input_dir))
        return web.json_response({"prompts_received": self.prompts_received, "history_requests": self.history_requests,
                                  "input_files": files})

    async def post_fault(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fault = body.get("mode")
        self.history_change = body.get("history") or {}
        log.info("fault switch set to %s", self.fault)
        return web.json_response({"mode": self.fault})

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/prompt", self.post_prompt)
        app.router.add_get("/history/{prompt_id}", self.get_history)
        app.router.add_get("/view", self.get_view)
        app.router.add_get("/ws", self.get_ws)
        app.router.add_post("/interrupt", self.post_interrupt)
        app.router.add_post("/queue", self.post_queue)
        app.router.add_get("/queue", self.get_queue)
        app.router.add_get("/object_info", self.get_object_info)
        app.router.add_get("/object_info/{node_class}", self.get_object_info_node)
        app.router.add_get("/system_stats", self.get_system_stats)
        app.router.add_post("/standin/fault", self.post_fault)
        app.router.add_get("/standin/stats", self.get_stats)

        async def on_startup(_app: web.Application) -> None:
            self.loop = asyncio.get_running_loop()

        app.on_startup.append(on_startup)
        return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True, help="folder that holds input/, output/ and temp/")
    parser.add_argument("--catalog", type=Path, default=Path(__file__).resolve().parents[2] / "worker" / "catalog.json")
    parser.add_argument("--fault", default=None, help="initial fault mode (see the module docstring)")
    parser.add_argument("--extra-option", action="append", default=[], metavar="CLASS:INPUT:VALUE",
                        help="add a COMBO option, as a model file present on disk would (repeatable)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="standin %(levelname)s: %(message)s")

    catalog = load_catalog(args.catalog)
    for extra in args.extra_option:
        class_type, input_name, option = extra.split(":", 2)
        spec = catalog.classes[class_type].inputs[input_name]
        catalog.classes[class_type].inputs[input_name] = dataclasses.replace(spec, options=(*spec.options, option))
    standin = StandIn(catalog, args.root)
    standin.fault = args.fault
    threading.Thread(target=standin.worker_loop, daemon=True).start()
    web.run_app(standin.app(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
