"""Qwen-Image-Edit-2509 with Nunchaku FP4 weights: put the character plate into the background plate.

Rebuilt from the API workflow the deployment baked into its worker image, for the worker's
contract: two image parameters, `load_image` (character plate, also accepted as `image_name`, the
field the old handler read) and `background_load_image` (background plate), each feeding both
text encoders. Where a node corresponds to one of the original export, it keeps that node's id
and Korean title. The background loader (118) is new, and the original's unused VAEEncode is gone.
Defaults are the deployment's validation payload; bounds and options come from the catalog.
"""

from specs.nodes import (
    CFGNorm,
    CLIPLoader,
    EmptySD3LatentImage,
    KSampler,
    LoadImage,
    ModelSamplingAuraFlow,
    NunchakuQwenImageDiTLoader,
    NunchakuQwenImageLoraLoader,
    SaveImage,
    TextEncodeQwenImageEditPlus,
    VAEDecode,
    VAELoader,
)
from wfc.spec import Workflow

# The prompt of the original export, used when a job sends none.
DEFAULT_PROMPT = (
    "aki_anime, masterpiece, ultra-detailed, cinematic wide shot, \n"
    "low-angle side view of a young man (image1) sprinting through the school courtyard, \n"
    "jacket fluttering behind him, dynamic motion blur, strong afternoon sunlight casting long shadows, \n"
    "wind and petals surrounding him, determined expression, \n"
    "a medium-size empty white speech bubble with black outline floating upper-right, \n"
    "film-grain texture, warm golden light, outdoor red-brick school background, open sky.\n"
)

with Workflow("qwen_image_edit_2509", description=__doc__.split("\n")[0]) as wf:
    # Job parameters: images.
    character = wf.image(
        "load_image",
        aliases=["image_name"],
        description="character plate (image1 of both text encoders)",
    )
    background = wf.image(
        "background_load_image",
        description="background plate (image2 of both text encoders)",
    )

    # Job parameters: model files, resolved on the deployment's volume.
    model_name = wf.model(
        "model_name",
        default="svdq-fp4_r128-qwen-image-edit-2509-lightningv2.0-4steps.safetensors",
        description="Nunchaku Qwen-Image-Edit DiT weights",
    )
    lora_name = wf.model("lora_name", default="Qwen-Anime-V1.safetensors", description="Qwen-Image LoRA")
    # The deployment's payload names the text encoder relative to `checkpoints`, which its
    # extra_model_paths.yaml registers as a `text_encoders` folder, so the name keeps `clip/`.
    clip_name = wf.model(
        "clip_name",
        default="clip/qwen_2.5_vl_7b_fp8_scaled.1.safetensors",
        description="Qwen2.5-VL text encoder",
    )
    vae_name = wf.model("vae_name", default="qwen_image_vae.1.safetensors", description="Qwen-Image VAE")

    # Job parameters: model loading.
    cpu_offload = wf.param(
        "cpu_offload", str, default="disable",
        description="offload DiT blocks to the CPU (DiT loader and LoRA loader)",
    )
    num_blocks_on_gpu = wf.param(
        "num_blocks_on_gpu", int, default=40, description="DiT blocks kept on the GPU when offloading",
    )
    use_pin_memory = wf.param(
        "use_pin_memory", str, default="enable", description="pin host memory for offloaded blocks",
    )
    lora_strength = wf.param("lora_strength", float, default=1.0, description="LoRA strength")
    shift = wf.param("shift", float, default=3.0, description="AuraFlow sampling shift")

    # Job parameters: prompts, latent size and sampling.
    prompt = wf.param("prompt", str, default=DEFAULT_PROMPT, description="positive prompt")
    negative_prompt = wf.param("negative_prompt", str, default="", description="negative prompt")
    width = wf.param("width", int, default=1024, description="output width in pixels")
    height = wf.param("height", int, default=1024, description="output height in pixels")
    batch_size = wf.param("batch_size", int, default=1, description="images per job")
    seed = wf.param("seed", int, default=659968189596312, description="sampler seed")
    steps = wf.param("steps", int, default=2, description="sampling steps")
    cfg = wf.param("cfg", float, default=1.0, description="classifier-free guidance scale")
    sampler_name = wf.param("sampler_name", str, default="euler", description="sampler")
    scheduler = wf.param("scheduler", str, default="simple", description="noise schedule")
    denoise = wf.param("denoise", float, default=1.0, description="denoising strength")

    # Model chain: DiT, LoRA, sampling shift, CFG normalisation.
    dit = NunchakuQwenImageDiTLoader(
        id=115,
        title="Nunchaku Qwen-Image DiT Loader",
        model_name=model_name,
        cpu_offload=cpu_offload,
        num_blocks_on_gpu=num_blocks_on_gpu,
        use_pin_memory=use_pin_memory,
    )
    lora = NunchakuQwenImageLoraLoader(
        id=117,
        title="Nunchaku Qwen Image LoRA Loader",
        model=dit,
        lora_name=lora_name,
        lora_strength=lora_strength,
        cpu_offload=cpu_offload,
    )
    sampling = ModelSamplingAuraFlow(id=66, title="모델 샘플링 (AuraFlow)", model=lora, shift=shift)
    model = CFGNorm(id=75, title="CFGNorm", model=sampling, strength=1.0)

    # Text encoder, VAE and the two plates.
    clip = CLIPLoader(id=38, title="CLIP 로드", clip_name=clip_name, type="qwen_image", device="default")
    vae = VAELoader(id=39, title="VAE 로드", vae_name=vae_name)
    character_plate = LoadImage(id=78, title="이미지 로드", image=character)
    background_plate = LoadImage(id=118, title="배경 이미지 로드", image=background)

    positive = TextEncodeQwenImageEditPlus(
        id=111,
        title="TextEncodeQwenImageEditPlus",
        clip=clip,
        prompt=prompt,
        vae=vae,
        image1=character_plate.IMAGE,
        image2=background_plate.IMAGE,
    )
    negative = TextEncodeQwenImageEditPlus(
        id=110,
        title="TextEncodeQwenImageEditPlus",
        clip=clip,
        prompt=negative_prompt,
        vae=vae,
        image1=character_plate.IMAGE,
        image2=background_plate.IMAGE,
    )

    # Sampling and decoding.
    latent = EmptySD3LatentImage(
        id=112, title="빈 잠재 이미지 (SD3)", width=width, height=height, batch_size=batch_size,
    )
    samples = KSampler(
        id=3,
        title="KSampler",
        model=model,
        seed=seed,
        steps=steps,
        cfg=cfg,
        sampler_name=sampler_name,
        scheduler=scheduler,
        positive=positive,
        negative=negative,
        latent_image=latent,
        denoise=denoise,
    )
    decoded = VAEDecode(id=8, title="VAE 디코드", samples=samples, vae=vae)
    wf.output("image", SaveImage(id=60, title="이미지 저장", images=decoded, filename_prefix="ComfyUI"))
