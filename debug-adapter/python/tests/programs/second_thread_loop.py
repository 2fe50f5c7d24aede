"""Two event loops: one in the main thread, one in a thread of its own."""
import asyncio
import os
import sys
import threading


def checkpoint():
    pass


async def background_sleeper():
    await asyncio.sleep(45)  # not the foreground's 30 s: each loop's timers give its own sleeper's time left


def run_background(ready):
    async def main():
        asyncio.get_running_loop().create_task(background_sleeper(), name='background-task')
        ready.set()
        await asyncio.sleep(30)
    asyncio.run(main())


async def main():
    ready = threading.Event()
    threading.Thread(target=run_background, args=(ready,), name='loop-thread', daemon=True).start()
    ready.wait(10)
    foreground = asyncio.create_task(asyncio.sleep(30), name='foreground-task')
    await asyncio.sleep(0.1)
    checkpoint()  # CHECKPOINT
    if len(sys.argv) > 1:
        await asyncio.sleep(float(sys.argv[1]))
    foreground.cancel()
    sys.stdout.flush()
    os._exit(0)


asyncio.run(main())
