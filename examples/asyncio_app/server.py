"""An asyncio job runner with three classic mistakes (see examples/README.md).

Run it as a module from examples/: python -m asyncio_app.server
"""
import asyncio
import os
import time

from .storage import load_settings

SETTINGS = os.path.join(os.path.dirname(__file__), "settings.json")


async def fetch_user(user_id):
    await asyncio.sleep(2)
    return {"id": user_id}


async def refresh_cache():
    time.sleep(0.2)  # blocks the whole event loop for 200 ms
    return "fresh"


async def main():
    settings = load_settings(SETTINGS)  # blocks: opens and reads a file, two calls down
    refresh_cache()  # never awaited: the coroutine never runs
    users = await asyncio.gather(*(fetch_user(i) for i in range(settings["workers"])))
    print(len(users), "users")


if __name__ == "__main__":
    asyncio.run(main())
