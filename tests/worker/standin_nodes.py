"""Node execution for the ComfyUI stand-in.

A few image nodes run for real with Pillow (LoadImage, GetImageSize, ImageScale,
ImageCompositeMasked, ImageBlend, SaveImage, PreviewImage), and PrimitiveString returns its value
as ComfyUI 0.3.64 does, so a linked filename_prefix works. Every other class is faked: its outputs are tokens whose
digest covers the class, the literal inputs and the digests of the linked inputs, and a faked
class with an IMAGE output yields a solid image whose colour comes from that digest. A faked
output therefore changes whenever any input image or value upstream changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops
from PIL.PngImagePlugin import PngInfo

from wfc.catalog import Catalog

RESAMPLING = {
    "nearest-exact": Image.Resampling.NEAREST,
    "bilinear": Image.Resampling.BILINEAR,
    "area": Image.Resampling.BOX,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}


@dataclass
class Fake:
    """The output of a faked node: a digest standing for a model, latent, conditioning, ..."""

    class_type: str
    digest: str


def digest_of(value: Any) -> str:
    if isinstance(value, Image.Image):
        return hashlib.sha256(value.tobytes() + repr(value.size).encode()).hexdigest()
    if isinstance(value, Fake):
        return value.digest
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()


def next_counter(folder: Path, prefix: str) -> int:
    """Return ComfyUI's next file counter for ``<prefix>_NNNNN_.png`` in ``folder``."""
    pattern = re.compile(re.escape(prefix) + r"_(\d{5})_")
    highest = 0
    if folder.is_dir():
        for name in os.listdir(folder):
            match = pattern.match(name)
            if match:
                highest = max(highest, int(match.group(1)))
    return highest + 1


class Executor:
    """Run one node at a time on resolved input values."""

    def __init__(self, catalog: Catalog, input_dir: Path, output_dir: Path, temp_dir: Path):
        self.catalog = catalog
        self.input_dir = input_dir
        self.output_dir = output_dir
        self.temp_dir = temp_dir

    def run(self, class_type: str, inputs: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any] | None]:
        """Return (outputs, ui) for one node."""
        method = getattr(self, "node_" + class_type, None)
        if method is not None:
            return method(**inputs)
        return self.fake(class_type, inputs), None

    def fake(self, class_type: str, inputs: dict[str, Any]) -> tuple[Any, ...]:
        node_class = self.catalog.get(class_type)
        digest = hashlib.sha256(
            (class_type + json.dumps({k: digest_of(v) for k, v in sorted(inputs.items())})).encode()
        ).hexdigest()
        outputs: list[Any] = []
        for index, output in enumerate(node_class.outputs if node_class else []):
            if output.type == "IMAGE":
                colour = tuple(bytes.fromhex(digest[index * 6:index * 6 + 6]))
                outputs.append(Image.new("RGB", (64, 64), colour))
            else:
                outputs.append(Fake(class_type, f"{digest}:{index}"))
        return tuple(outputs)

    # --- real nodes --------------------------------------------------------------------------

    def node_LoadImage(self, image: str, **_: Any) -> tuple[tuple[Any, ...], None]:
        with Image.open(self.input_dir / image) as opened:
            rgba = opened.convert("RGBA")
        mask = rgba.getchannel("A")
        return (rgba.convert("RGB"), mask), None

    def node_PrimitiveString(self, value: str, **_: Any):
        return (value,), None

    def node_GetImageSize(self, image: Image.Image, **_: Any):
        return (image.width, image.height, 1), None

    def node_ImageScale(self, image: Image.Image, upscale_method: str, width: int, height: int, crop: str, **_: Any):
        width = width or image.width
        height = height or image.height
        if crop == "center":
            ratio = width / height
            current = image.width / image.height
            if current > ratio:
                new_width = round(image.height * ratio)
                left = (image.width - new_width) // 2
                image = image.crop((left, 0, left + new_width, image.height))
            elif current < ratio:
                new_height = round(image.width / ratio)
                top = (image.height - new_height) // 2
                image = image.crop((0, top, image.width, top + new_height))
        return (image.resize((width, height), RESAMPLING[upscale_method]),), None

    def node_ImageCompositeMasked(self, destination: Image.Image, source: Image.Image, x: int, y: int,
                                  resize_source: bool, mask: Any = None, **_: Any):
        result = destination.copy()
        if resize_source:
            source = source.resize(destination.size, Image.Resampling.BILINEAR)
        paste_mask = mask.resize(source.size) if isinstance(mask, Image.Image) else None
        result.paste(source, (x, y), paste_mask)
        return (result,), None

    def node_ImageBlend(self, image1: Image.Image, image2: Image.Image, blend_factor: float, blend_mode: str, **_: Any):
        if image2.size != image1.size:
            image2 = image2.resize(image1.size, Image.Resampling.BICUBIC)
        # NOTE: Pillow's soft_light formula differs from ComfyUI's (which uses sqrt above 0.25), so
        # soft_light pixels differ slightly; the other modes match up to 8-bit rounding.
        modes = {"normal": lambda a, b: b, "multiply": ImageChops.multiply, "screen": ImageChops.screen,
                 "overlay": ImageChops.overlay, "soft_light": ImageChops.soft_light,
                 "difference": ImageChops.difference}
        blended = modes[blend_mode](image1, image2)
        return (Image.blend(image1, blended, blend_factor),), None

    def _save(self, images: Image.Image, folder: Path, folder_type: str, filename_prefix: str,
              prompt: dict[str, Any] | None, extra_pnginfo: dict[str, Any] | None, compress_level: int) -> dict[str, Any]:
        prefix = filename_prefix.replace("\\", "/")
        subfolder, _, base = prefix.rpartition("/")
        target = (folder / subfolder).resolve()
        if folder.resolve() not in (target, *target.parents):
            raise ValueError("Saving image outside the output folder is not allowed.")
        target.mkdir(parents=True, exist_ok=True)
        counter = next_counter(target, base)
        name = f"{base}_{counter:05}_.png"

        # ComfyUI embeds the prompt (with each node's IS_CHANGED value) and extra_pnginfo as text chunks.
        metadata = PngInfo()
        if prompt is not None:
            metadata.add_text("prompt", json.dumps(prompt))
        for key, value in (extra_pnginfo or {}).items():
            metadata.add_text(key, json.dumps(value))
        images.save(target / name, format="PNG", pnginfo=metadata, compress_level=compress_level)
        return {"images": [{"filename": name, "subfolder": subfolder, "type": folder_type}]}

    def node_SaveImage(self, images: Image.Image, filename_prefix: str = "ComfyUI", prompt: dict[str, Any] | None = None,
                       extra_pnginfo: dict[str, Any] | None = None, **_: Any):
        return (), self._save(images, self.output_dir, "output", filename_prefix, prompt, extra_pnginfo, 4)

    def node_PreviewImage(self, images: Image.Image, prompt: dict[str, Any] | None = None,
                          extra_pnginfo: dict[str, Any] | None = None, **_: Any):
        return (), self._save(images, self.temp_dir, "temp", "ComfyUI_temp_preview", prompt, extra_pnginfo, 1)
