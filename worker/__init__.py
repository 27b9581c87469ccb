"""The Blackwell RunPod worker: serves compiled wfc artifacts through a ComfyUI child process.

Modules, one concept each: settings (environment), artifacts (load, verify, validate job input),
netguard (vetted HTTPS fetches), staging (job images into ComfyUI's input folder), comfy (HTTP and
websocket client), supervisor (the ComfyUI child process), run (one prompt from submit to
history), outputs (collect, upload, encode), startup (checks at boot), handler (the RunPod entry),
dev (local API server for development).
"""
