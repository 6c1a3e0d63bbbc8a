"""ClassLab Video: the prebuilt JupyterLab extension ``@classlab/video``."""

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "dev"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "@classlab/video"}]
