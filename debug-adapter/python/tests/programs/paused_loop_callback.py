"""A loop callback with a breakpoint: the loop is held by the debugger, not blocked."""
import asyncio


def tick(done):
    done.set_result('ticked')  # PAUSE_HERE


async def main():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.call_later(0.05, tick, done)
    print(await done)
    await asyncio.sleep(0.3)


asyncio.run(main())
