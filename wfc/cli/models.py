"""``wfc models``: check, plan, sync and lock the model files of a deployment profile."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, NoReturn

import click

from wfc.diagnostics import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE

EPILOG = """\b
Exit codes: 0 clean, 1 findings (check: errors, warnings too with --strict; sync: a file failed;
lock: a file is missing or differs from its recorded sha256), 2 usage or configuration error
(bad flag, unreadable or invalid extra_model_paths.yaml or manifest, unknown profile); sync only:
130 stopped by SIGINT (Ctrl-C), 143 stopped by SIGTERM, with each .part file kept for the next
run to resume."""

SETTINGS = {"help_option_names": ["-h", "--help"]}


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _config(config_path: Path | None) -> Any:
    from wfc.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        _fail(str(exc))


def _deployment(config: Any, profile: str | None, **options: Any) -> Any:
    from wfc.config import ConfigError
    from wfc.models.deployment import load_deployment

    try:
        return load_deployment(config, profile, **{key: value for key, value in options.items() if value is not None})
    except ConfigError as exc:
        _fail(str(exc))


def _common(function: Any) -> Any:
    options = [
        click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
                     help="Settings file (pyproject.toml or wfc.toml). Default: the nearest pyproject.toml with [tool.wfc]."),
        click.option("--profile", help="Section of extra_model_paths.yaml that is the deployment. Default: [tool.wfc] profile."),
        click.option("--model-paths", "model_paths_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="The extra_model_paths.yaml. Default: [tool.wfc] model_paths."),
        click.option("--manifest", "manifest_file", type=click.Path(path_type=Path, dir_okay=False),
                     help="The model manifest. Default: [tool.wfc] models_manifest."),
        click.option("--no-model-paths", is_flag=True,
                     help="The deployment has no extra_model_paths.yaml: use only ComfyUI's own folders under "
                          "the ComfyUI root, even when [tool.wfc] model_paths is set. This is also what "
                          "happens when no model-path file is configured."),
        click.option("--comfyui-root", metavar="PATH",
                     help="ComfyUI's folder on the deployment, whose models/<folder> paths come first. "
                          "Default: [tool.wfc] comfyui_root, else /opt/ComfyUI."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


@click.group("models", epilog=EPILOG, context_settings=SETTINGS)
def models() -> None:
    """Resolve model files through a profile, and provision volumes from the manifest."""


@models.command("check", epilog=EPILOG, context_settings=SETTINGS)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_common
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="Local folder with the volume's files, used in place of the profile's base_path "
                   "(of the ComfyUI root when there is no extra_model_paths.yaml).")
@click.option("--listing", type=click.Path(path_type=Path, dir_okay=False),
              help="Saved output of `find VOLUME -type f` taken on the deployment; relative lines are taken "
                   "from the profile's base_path (the ComfyUI root when there is no extra_model_paths.yaml).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--quiet", "-q", is_flag=True, help="Print only findings, not where each input resolved.")
@click.option("--fix", is_flag=True,
              help="Rewrite '\\' to '/' in model names of raw API files when the rewritten name is listed.")
def check(paths: tuple[Path, ...], config_path: Path | None, profile: str | None, model_paths_file: Path | None,
          manifest_file: Path | None, no_model_paths: bool, comfyui_root: str | None, root: Path | None,
          listing: Path | None, output_format: str, strict: bool, quiet: bool, fix: bool) -> None:
    """Resolve every model input of compiled workflows and API files through a profile.

    PATHS are API JSON files, compiled manifests (*.manifest.json) or folders; without PATHS the
    [tool.wfc] workflows folder is checked. The files of the deployment come from --root,
    --listing or, by default, the model manifest placed in the profile's layout. Without an
    extra_model_paths.yaml, ComfyUI's own folders under the ComfyUI root are checked.
    """
    from wfc.models.check import CheckInputError, apply_fixes, check_paths, describe_resolution, fixes_of

    config = _config(config_path)
    deployment = _deployment(config, profile, root=root, listing=listing, model_paths_file=model_paths_file,
                             manifest_file=manifest_file, no_model_paths=no_model_paths,
                             comfyui_root=comfyui_root)
    try:
        outcome = check_paths(list(paths), deployment, config, strict=strict)
        if fix:
            fixed = 0
            for checked in outcome.files:
                rewrites = fixes_of(checked)
                graph_path = Path(checked.path)
                if rewrites and graph_path.with_name(graph_path.stem + ".manifest.json").exists():
                    click.echo(f"not rewriting {graph_path}: it is compiled, so change its spec and recompile", err=True)
                elif rewrites:
                    fixed += apply_fixes(graph_path, rewrites)
            if fixed:
                click.echo(f"fixed {fixed} model name{'s' if fixed != 1 else ''}; checking again", err=True)
                outcome = check_paths(list(paths), deployment, config, strict=strict)
    except CheckInputError as exc:
        _fail(str(exc))

    report = outcome.report
    if output_format == "json":
        data = report.to_json()
        data["profile"] = deployment.profile.name if deployment.profile else None
        data["files_source"] = deployment.files.description
        resolved = {checked.path: checked.resolutions for checked in outcome.files}
        for entry in data["files"]:
            entry["resolved"] = [_resolution_json(item) for item in resolved.get(entry["path"], [])]
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        sys.exit(report.exit_code)

    if deployment.profile is not None:
        target = f"profile {deployment.profile.name}"
    else:
        target = f"no extra_model_paths.yaml: ComfyUI's own folders under {deployment.comfyui_root}"
    click.echo(f"{target}, files from {deployment.files.description}")
    from wfc.lint.reporters.text_format import escape_controls

    for result in report.files:
        for diagnostic in result.diagnostics:
            where = result.path
            if diagnostic.line:
                where += f":{diagnostic.line}:{diagnostic.column or 1}"
            click.echo(escape_controls(f"{where}: {diagnostic.code} {diagnostic.message}"))
            if diagnostic.hint:
                click.echo(escape_controls(f"    hint: {diagnostic.hint}"))
    if not quiet:
        for checked in outcome.files:
            for item in checked.resolutions:
                if item.location is not None:
                    click.echo(escape_controls(f"{checked.path}: {describe_resolution(item)}"))
    inputs = sum(len(checked.resolutions) for checked in outcome.files)
    click.echo(f"{len(outcome.files)} file{'s' if len(outcome.files) != 1 else ''}, {inputs} model "
               f"input{'s' if inputs != 1 else ''}: {report.errors} error{'s' if report.errors != 1 else ''}, "
               f"{report.warnings} warning{'s' if report.warnings != 1 else ''}")
    sys.exit(report.exit_code)


def _resolution_json(item: Any) -> dict[str, Any]:
    return {
        "node": item.node, "class_type": item.class_type, "input": item.input, "value": item.value,
        "folder": item.folder,
        "full_path": item.location.full_path if item.location else None,
        "search_path": item.location.search.path if item.location else None,
        "section": item.location.search.section if item.location else None,
        "key": item.location.search.key if item.location else None,
    }


def _sync_plan(config: Any, profile: str | None, root: Path | None, model_paths_file: Path | None,
               manifest_file: Path | None, no_model_paths: bool = False,
               comfyui_root: str | None = None) -> tuple[Any, list[Any]]:
    from wfc.config import ConfigError
    from wfc.models.sync import plan_sync

    deployment = _deployment(config, profile, model_paths_file=model_paths_file, manifest_file=manifest_file,
                             no_model_paths=no_model_paths, comfyui_root=comfyui_root)
    if deployment.manifest is None:
        _fail("no model manifest: pass --manifest FILE or set tool.wfc.models_manifest")
    try:
        return deployment, plan_sync(deployment.manifest, deployment.layout, deployment.volume, root)
    except (ConfigError, ValueError) as exc:
        _fail(str(exc))


@models.command("plan", epilog=EPILOG, context_settings=SETTINGS)
@_common
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="Local folder used in place of the profile's base_path "
                   "(of the ComfyUI root without extra_model_paths.yaml).")
def plan(config_path: Path | None, profile: str | None, model_paths_file: Path | None, manifest_file: Path | None,
         no_model_paths: bool, comfyui_root: str | None, root: Path | None) -> None:
    """Print the layout `wfc models sync` creates: folders, then each file, its size and URL."""
    from wfc.models.sync import is_present

    config = _config(config_path)
    deployment, items = _sync_plan(config, profile, root, model_paths_file, manifest_file, no_model_paths,
                                   comfyui_root)
    target = f"profile {deployment.profile.name}" if deployment.profile is not None else deployment.layout.name
    click.echo(f"{target}: {len(items)} files under {root if root is not None else deployment.volume}")
    for folder in sorted({str(item.target.parent) for item in items}):
        click.echo(f"mkdir -p {folder}")
    for item in items:
        size = f"{item.model.size} bytes" if item.model.size is not None else "size not locked"
        state = "present" if is_present(item, verify=False) else "missing"
        click.echo(f"{item.target}  [{item.model.folder}/{item.model.name}, {size}, {state}]  <- {item.model.url}")


@models.command("sync", epilog=EPILOG, context_settings=SETTINGS)
@_common
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="Local folder used in place of the profile's base_path, the mounted volume "
                   "(of the ComfyUI root without extra_model_paths.yaml).")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True, help="Files downloaded at once.")
@click.option("--retries", type=click.IntRange(0, 20), default=4, show_default=True,
              help="Retries per file after a connection error, timeout, HTTP 5xx or checksum mismatch.")
@click.option("--read-timeout", type=click.FloatRange(1, 3600), default=60, show_default=True,
              help="Seconds without data before a download is abandoned and retried.")
@click.option("--verify", is_flag=True, help="Also check the sha256 of files already present.")
def sync(config_path: Path | None, profile: str | None, model_paths_file: Path | None, manifest_file: Path | None,
         no_model_paths: bool, comfyui_root: str | None, root: Path | None, workers: int, retries: int,
         read_timeout: float, verify: bool) -> None:
    """Download the manifest's missing files into the profile's layout, verified by size and sha256.

    SIGINT (Ctrl-C) or SIGTERM stops every download within about a second: each unfinished file
    stays as <name>.part, which the next run resumes, and the exit code is 128 + the signal
    number (130 for SIGINT, 143 for SIGTERM).
    """
    from wfc.models.sync import Downloader, SyncStopped, is_present, sync_files

    logging.basicConfig(format="%(levelname)s %(message)s", level=logging.WARNING)
    config = _config(config_path)
    _deployment_, items = _sync_plan(config, profile, root, model_paths_file, manifest_file, no_model_paths,
                                     comfyui_root)

    interactive = sys.stdout.isatty()

    def report(result: Any) -> None:
        if result.status == "failed":
            click.echo(f"failed {result.item.target}: {result.message}", err=True)
        elif not interactive:
            click.echo(f"{result.status} {result.item.target}")

    with _signals_as_interrupts():
        try:
            pending = [item for item in items if not is_present(item, verify)]
            total = sum(item.model.size or 0 for item in pending)
            if interactive and total:
                with click.progressbar(length=total, label="downloading", show_pos=True) as bar:
                    downloader = Downloader(retries=retries, read_timeout=read_timeout, progress=bar.update)
                    results = sync_files(items, downloader, workers=workers, verify_existing=verify, on_done=report)
            else:
                for item in pending:
                    click.echo(f"downloading {item.model.url} -> {item.target}")
                downloader = Downloader(retries=retries, read_timeout=read_timeout)
                results = sync_files(items, downloader, workers=workers, verify_existing=verify, on_done=report)
        except SyncStopped as exc:
            _exit_stopped(items, exc.signal_number, exc.unfinished)
        except KeyboardInterrupt as exc:
            _exit_stopped(items, getattr(exc, "signal_number", signal.SIGINT), 0)

    failed = [result for result in results if result.status == "failed"]
    downloaded = sum(1 for result in results if result.status == "downloaded")
    present = sum(1 for result in results if result.status == "present")
    click.echo(f"{downloaded} downloaded, {present} already present, {len(failed)} failed")
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """Raise ``Interrupted`` in the main thread on the first SIGINT or SIGTERM.

    The old handlers come back when the block ends without a signal. After a signal, both
    signals stay ignored, because the command is exiting.
    """
    from wfc.models.sync import Interrupted

    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return

    received: list[int] = []

    def interrupt(signal_number: int, _frame: Any) -> None:
        # Only the first signal raises, so that a second Ctrl-C cannot break off the stop and its
        # report. The stop is bounded by STOP_WAIT_SECONDS, so there is nothing to hurry.
        received.append(signal_number)
        if len(received) == 1:
            raise Interrupted(signal_number)

    previous = {number: signal.signal(number, interrupt) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            # After a stop the process is exiting: a later signal must not interrupt the exit.
            signal.signal(number, signal.SIG_IGN if received else handler)


def _exit_stopped(items: list[Any], signal_number: int, unfinished: int) -> NoReturn:
    """Print which files were left as .part and how to resume, then exit with 128 + the signal number."""
    from wfc.models.sync import part_path

    name = signal.Signals(signal_number).name
    partial = [item for item in items if not item.target.is_file() and part_path(item).is_file()]
    click.echo(f"stopped by {name}: {len(partial)} file{'s' if len(partial) != 1 else ''} left partial", err=True)
    for item in partial:
        size = part_path(item).stat().st_size
        of_size = f" of {item.model.size}" if item.model.size is not None else ""
        click.echo(f"partial {part_path(item)} ({size}{of_size} bytes)", err=True)
    if partial:
        click.echo("run the same 'wfc models sync' command again to resume them with HTTP Range requests", err=True)
    code = 128 + signal_number
    if unfinished:
        # A worker still blocked (for example waiting for response headers) would keep the
        # interpreter from exiting. Its .part contains a prefix of the file, so it resumes safely.
        click.echo(f"{unfinished} download{'s' if unfinished != 1 else ''} did not stop in time; exiting anyway",
                   err=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


@models.command("lock", epilog=EPILOG, context_settings=SETTINGS)
@_common
@click.option("--root", type=click.Path(path_type=Path, file_okay=False),
              help="Local folder used in place of the profile's base_path, where the files were synced "
                   "(of the ComfyUI root without extra_model_paths.yaml).")
def lock(config_path: Path | None, profile: str | None, model_paths_file: Path | None, manifest_file: Path | None,
         no_model_paths: bool, comfyui_root: str | None, root: Path | None) -> None:
    """Record each downloaded file's size and sha256 in the manifest.

    Files already locked are checked instead; a difference is reported and nothing is changed
    for that file.
    """
    from wfc.models.manifest import with_lock, write_manifest
    from wfc.models.sync import file_sha256

    config = _config(config_path)
    deployment, items = _sync_plan(config, profile, root, model_paths_file, manifest_file, no_model_paths,
                                   comfyui_root)
    manifest = deployment.manifest
    problems = 0
    changed = False
    for item in items:
        if not item.target.is_file():
            click.echo(f"missing {item.target}: run 'wfc models sync' first", err=True)
            problems += 1
            continue
        size = item.target.stat().st_size
        digest = file_sha256(item.target)
        model = item.model
        if model.locked and (model.size, model.sha256) != (size, digest):
            click.echo(f"differs {item.target}: {size} bytes, sha256 {digest}; the manifest records "
                       f"{model.size} bytes, sha256 {model.sha256}", err=True)
            problems += 1
            continue
        if not model.locked:
            manifest = with_lock(manifest, model, size, digest)
            changed = True
        click.echo(f"locked {model.folder}/{model.name}: {size} bytes, sha256 {digest}")
    if changed and manifest.path is not None:
        write_manifest(manifest, manifest.path)
    sys.exit(EXIT_FINDINGS if problems else EXIT_CLEAN)
