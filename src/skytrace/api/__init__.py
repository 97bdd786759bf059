"""api: the HTTP JSON API (OpenAPI at /openapi.json), live push and tar1090 files.

Thin handlers over the store readers, the flight facts, reference data and the live view;
no domain logic lives here.

    from skytrace.api import ApiContext, create_app
    app = create_app(ApiContext(data_dir=Path("data"), live=live_runtime, token="s3cret"))
    # serve with uvicorn on 127.0.0.1 (skytrace serve / demo / web do this)

See docs/api.md for every route, the error shape, auth and the push protocol.
"""

from skytrace.api.app import create_app
from skytrace.api.context import ApiContext

__all__ = ["ApiContext", "create_app"]
