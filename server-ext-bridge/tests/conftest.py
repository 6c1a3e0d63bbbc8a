import pytest
from hub_fake import start_hub_and_gpu_service, start_hub_and_service

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


@pytest.fixture
def gpu_hub(jp_asyncio_loop, tmp_path):
    """A fake Hub API and the GPU service (its real LocalQueue, two slots) started against it, data under tmp_path
    (see hub_fake.py)."""

    async def start():
        # Jobs under the service's own account (isolated ones: test_gpu_isolation.py).
        return start_hub_and_gpu_service(
            data_dir=str(tmp_path / "gpu-service"), slots=2, cpu_slots=2, isolate_jobs="off"
        )

    running = jp_asyncio_loop.run_until_complete(start())
    yield running
    jp_asyncio_loop.run_until_complete(running["app"].teardown())
    for server in running["servers"]:
        server.stop()
