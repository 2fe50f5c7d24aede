"""Stops before it imports asyncio, so that the test can turn task creation stacks on and off while
asyncio is not imported yet (or while it is half imported); then makes one task and stops again."""
import sys

print('asyncio imported:', 'asyncio' in sys.modules)  # BEFORE
import asyncio  # noqa: E402


async def worker():  # IMPORTED
    await asyncio.sleep(3600)


async def main():
    task = asyncio.create_task(worker(), name='late')
    await asyncio.sleep(0)  # AFTER
    task.cancel()


asyncio.run(main())
