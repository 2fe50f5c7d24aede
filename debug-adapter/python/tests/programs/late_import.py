"""Imports the module holding the breakpoint only after some work, in a running event loop."""
import asyncio
import sys


async def main():
    print('tracing before the import:', sys.gettrace() is not None, flush=True)
    import late_module
    print(late_module.work(20), flush=True)  # CALL


asyncio.run(main())
