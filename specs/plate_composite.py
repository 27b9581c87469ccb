"""Blend a character plate onto a background plate; needs no model weights.

The character plate is scaled to the background's size (read with GetImageSize) and blended
onto it. The worker and its tests run it on any ComfyUI, or on a stand-in that executes image
nodes, without downloading models.
"""

from specs.nodes import GetImageSize, ImageBlend, ImageScale, LoadImage, SaveImage
from wfc.spec import Workflow

with Workflow("plate_composite", description=__doc__.split("\n")[0]) as wf:
    character = wf.image("load_image", aliases=["image_name"], description="character plate, scaled onto the background")
    background = wf.image("background_load_image", description="background plate; sets the output size")
    blend_factor = wf.param("blend_factor", float, default=0.5, description="weight of the character plate")
    blend_mode = wf.param("blend_mode", str, default="normal", description="how the plates are combined")
    upscale_method = wf.param("upscale_method", str, default="bilinear", description="resampling of the character plate")
    filename_prefix = wf.param("filename_prefix", str, default="plate_composite", description="output file name prefix")

    character_plate = LoadImage(id=1, title="character plate", image=character)
    background_plate = LoadImage(id=2, title="background plate", image=background)
    size = GetImageSize(id=3, title="background size", image=background_plate.IMAGE)
    scaled = ImageScale(
        id=4,
        title="scale character plate",
        image=character_plate.IMAGE,
        upscale_method=upscale_method,
        width=size.width,
        height=size.height,
        crop="disabled",
    )
    blended = ImageBlend(
        id=5,
        title="blend plates",
        image1=background_plate.IMAGE,
        image2=scaled,
        blend_factor=blend_factor,
        blend_mode=blend_mode,
    )
    wf.output("image", SaveImage(id=6, title="save composite", images=blended, filename_prefix=filename_prefix))
