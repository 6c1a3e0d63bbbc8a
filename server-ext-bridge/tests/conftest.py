import pytest
from hub_fake import start_hub_and_service

pytest_plugins = ["pytest_jupyter.jupyter_server"]


@pytest.fixture
def jp_server_config(jp_server_config):
    return {"ServerApp": {"jpserver_extensions": {"classlab_bridge": True}}}


@pytest.fixture
def hub(jp_asyncio_loop):
    """A fake Hub API and the help service started against it (see hub_fake.py for what is faked)."""

    async def start():
        return start_hub_and_service()

    running = jp_asyncio_loop.run_until_complete(start())
    yield running
    for server in running["servers"]:
        server.stop()
