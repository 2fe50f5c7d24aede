"""An event loop idling in select() for a long time: pause must still stop it."""
import asyncio


async def main():
    await asyncio.sleep(30)  # IDLE


asyncio.run(main())
