"""Browser libraries installed from npm, served locally (no CDN, works offline)."""

from __future__ import annotations

from quart import Blueprint, Response, abort, send_from_directory

from server.settings import PROJECT_ROOT

NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
# Only these folders of node_modules are served, under the name on the left.
PACKAGES = {
    "bootstrap": "bootstrap/dist",
    "fontawesome": "@fortawesome/fontawesome-free",
    "msgpack": "@msgpack/msgpack/dist.esm",
    # Face metrics in the room: the library and the models it ships, and the WebAssembly
    # binaries of the TensorFlow.js backend it runs on (same version as the one it bundles).
    "human": "@vladmandic/human",
    "tfjs-wasm": "@tensorflow/tfjs-backend-wasm/dist",
    # Charts in the observer view and the replay: Chart.js's self-contained UMD build (its ES
    # module build needs an import map, an inline script the Content-Security-Policy forbids).
    "chartjs": "chart.js/dist",
    "kurkle-color": "@kurkle/color/dist",
    # The code pad: CodeMirror and its languages, bundled by `npm run build` (make install).
    "codemirror": ".bundles",
}
_FONTAWESOME_PARTS = ("css/", "webfonts/")
_HUMAN_PARTS = ("dist/", "models/")

blueprint = Blueprint("vendor", __name__)


@blueprint.get("/vendor/<package>/<path:filename>")
async def vendor_file(package: str, filename: str) -> Response:
    folder = PACKAGES.get(package)
    if folder is None:
        abort(404)
    if package == "fontawesome" and not filename.startswith(_FONTAWESOME_PARTS):
        abort(404)
    if package == "human" and not filename.startswith(_HUMAN_PARTS):
        abort(404)
    if package == "tfjs-wasm" and not filename.endswith(".wasm"):
        abort(404)
    if package in ("chartjs", "kurkle-color", "codemirror") and not filename.endswith(".js"):
        abort(404)
    response = await send_from_directory(NODE_MODULES / folder, filename)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response
