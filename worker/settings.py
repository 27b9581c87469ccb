"""Worker settings, read from the environment.

The storage settings keep the names and meaning of the deployment playbook
(``RUNPOD_STORAGE_*``, ``RUNPOD_INCLUDE_OUTPUT_BASE64``) so an existing RunPod release keeps
working. The worker's own settings use the ``WFC_`` prefix, except ``COMFYUI_URL``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Every setting of the worker, with its environment variable names.

    Durations are seconds and must be finite, so a setting of ``nan`` or ``inf`` is rejected as
    invalid instead of turning a deadline into one that never passes.
    """

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    # --- ComfyUI ---------------------------------------------------------------------------
    comfyui_url: str | None = Field(
        default=None,
        validation_alias=_env("WFC_COMFYUI_URL", "COMFYUI_URL"),
        description="Base URL of an already running ComfyUI; when set the worker starts none.",
    )
    comfyui_port: int = Field(default=8188, validation_alias=_env("WFC_COMFYUI_PORT", "COMFYUI_PORT"))
    comfyui_command: str = Field(
        default=(
            "python /opt/ComfyUI/main.py --listen 127.0.0.1 --port {port} --disable-auto-launch"
            " --extra-model-paths-config /opt/ComfyUI/extra_model_paths.yaml"
        ),
        validation_alias=_env("WFC_COMFYUI_COMMAND"),
        description="Command that starts ComfyUI; {port} is replaced with comfyui_port.",
    )
    comfyui_input_dir: Path = Field(default=Path("/opt/ComfyUI/input"), validation_alias=_env("WFC_COMFYUI_INPUT_DIR"))
    comfyui_output_dir: Path | None = Field(
        default=Path("/opt/ComfyUI/output"),
        validation_alias=_env("WFC_COMFYUI_OUTPUT_DIR"),
        description="Where ComfyUI writes outputs, so the worker can delete them after a job.",
    )
    comfyui_start_timeout_s: float = Field(default=180.0, gt=0, allow_inf_nan=False, validation_alias=_env("WFC_COMFYUI_START_TIMEOUT"))
    comfyui_restart_limit: int = Field(default=5, validation_alias=_env("WFC_COMFYUI_RESTART_LIMIT"))

    # --- artifacts and start-up checks -----------------------------------------------------
    workflows_dir: Path = Field(default=Path("/opt/wfc/workflows"), validation_alias=_env("WFC_WORKFLOWS_DIR"))
    default_workflow: str | None = Field(default=None, validation_alias=_env("WFC_DEFAULT_WORKFLOW"))
    cuda_wait_s: float = Field(default=120.0, ge=0, allow_inf_nan=False, validation_alias=_env("WFC_CUDA_WAIT"))
    skip_cuda_wait: bool = Field(default=False, validation_alias=_env("WFC_SKIP_CUDA_WAIT"))
    model_paths: Path | None = Field(default=None, validation_alias=_env("WFC_MODEL_PATHS"))
    models_manifest: Path | None = Field(default=None, validation_alias=_env("WFC_MODELS_MANIFEST"))
    model_profile: str | None = Field(default=None, validation_alias=_env("WFC_MODEL_PROFILE"))

    # --- jobs ------------------------------------------------------------------------------
    job_timeout_s: float = Field(default=600.0, gt=0, allow_inf_nan=False, validation_alias=_env("WFC_JOB_TIMEOUT"))
    max_job_timeout_s: float = Field(default=3600.0, gt=0, allow_inf_nan=False, validation_alias=_env("WFC_MAX_JOB_TIMEOUT"))
    history_poll_s: float = Field(default=0.25, gt=0, allow_inf_nan=False, validation_alias=_env("WFC_HISTORY_POLL"))
    use_websocket: bool = Field(default=True, validation_alias=_env("WFC_USE_WEBSOCKET"))
    interrupt_grace_s: float = Field(default=10.0, ge=0, allow_inf_nan=False, validation_alias=_env("WFC_INTERRUPT_GRACE"))

    # --- input images ----------------------------------------------------------------------
    max_image_bytes: int = Field(default=32 * 1024 * 1024, validation_alias=_env("WFC_MAX_IMAGE_BYTES"))
    max_image_pixels: int = Field(
        default=40_000_000,
        validation_alias=_env("WFC_MAX_IMAGE_PIXELS"),
        description="Pixels per input image, summed over the frames of an animated PNG or WebP.",
    )
    max_image_frames: int = Field(
        default=1000,
        ge=1,
        validation_alias=_env("WFC_MAX_IMAGE_FRAMES"),
        description="Frames per animated input image; LoadImage decodes each frame, however small.",
    )
    url_timeout_s: float = Field(default=20.0, gt=0, allow_inf_nan=False, validation_alias=_env("WFC_URL_TIMEOUT"))
    url_max_redirects: int = Field(default=5, validation_alias=_env("WFC_URL_MAX_REDIRECTS"))
    allow_loopback_urls: bool = Field(
        default=False,
        validation_alias=_env("WFC_ALLOW_LOOPBACK_URLS"),
        description="Test-only: allow http(s) URLs that resolve to 127.0.0.0/8 or ::1. Never in production.",
    )

    # --- storage (names from the deployment playbook) --------------------------------------
    storage_endpoint: str | None = Field(default=None, validation_alias=_env("RUNPOD_STORAGE_ENDPOINT"))
    storage_bucket: str | None = Field(default=None, validation_alias=_env("RUNPOD_STORAGE_BUCKET"))
    storage_access_key: str | None = Field(default=None, validation_alias=_env("RUNPOD_STORAGE_ACCESS_KEY"), repr=False)
    storage_secret_key: str | None = Field(default=None, validation_alias=_env("RUNPOD_STORAGE_SECRET_KEY"), repr=False)
    storage_region: str = Field(default="us-east-1", validation_alias=_env("RUNPOD_STORAGE_REGION"))
    storage_public_base_url: str | None = Field(default=None, validation_alias=_env("RUNPOD_STORAGE_PUBLIC_BASE_URL"))
    storage_output_prefix: str = Field(default="outputs", validation_alias=_env("RUNPOD_STORAGE_OUTPUT_PREFIX"))
    storage_upload_outputs: bool = Field(default=True, validation_alias=_env("RUNPOD_STORAGE_UPLOAD_OUTPUTS"))
    include_output_base64: bool = Field(default=True, validation_alias=_env("RUNPOD_INCLUDE_OUTPUT_BASE64"))
    storage_retries: int = Field(default=4, validation_alias=_env("WFC_STORAGE_RETRIES"))
    storage_retry_backoff_s: float = Field(default=0.5, ge=0, allow_inf_nan=False, validation_alias=_env("WFC_STORAGE_RETRY_BACKOFF"))
    presign_expiry_s: int = Field(default=3600, validation_alias=_env("WFC_PRESIGN_EXPIRY"))

    @property
    def storage_configured(self) -> bool:
        return bool(self.storage_bucket and self.storage_access_key and self.storage_secret_key)

    @property
    def base_url(self) -> str:
        """The ComfyUI base URL the worker talks to, without a trailing slash."""
        if self.comfyui_url:
            return self.comfyui_url.rstrip("/")
        return f"http://127.0.0.1:{self.comfyui_port}"

    @property
    def supervises_comfyui(self) -> bool:
        """Whether the worker starts ComfyUI itself (no external URL was given)."""
        return not self.comfyui_url


def load_settings() -> Settings:
    return Settings()
