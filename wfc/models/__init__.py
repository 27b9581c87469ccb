"""Model files: where ComfyUI looks for them, which inputs name them, and what a deployment has.

The package mirrors the model-folder semantics of ComfyUI 0.3.64 (``folder_paths`` and
``utils/extra_config.py``) without importing ComfyUI:

- ``paths``: the parsed ``extra_model_paths.yaml`` and the search path of every folder;
- ``yaml_nodes`` and ``sections``: reading the YAML with line numbers and ComfyUI's rules;
- ``inputs``: which node inputs name model files, and from which folder;
- ``manifest``: the model manifest (``worker/models.toml``) and where each file goes;
- ``files``: the files of a deployment (a real folder, a saved ``find`` listing, or the manifest);
- ``deployment``: the settings, the profile and the files of one deployment target;
- ``resolve``: folder listings and name lookup, as ComfyUI computes them;
- ``rules``: the lint rules of the models family (codes WFC5xx);
- ``check``: ``wfc models check`` over compiled workflows and API files;
- ``sync``: downloads into a profile's layout.
"""
