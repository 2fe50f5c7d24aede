"""A chat server's idle clients: 10,000 tasks (or argv[1]) each waiting for its next message.

Debug it with F5 and pause (or stop at the breakpoint-friendly `all_connected` call) to see how the
Coroutines view handles a crowd: every client is a task suspended in `inbox.get()`, grouped under
the room that gathers them. It runs until stopped.
"""
import asyncio
import sys


def all_connected(count):
    return count  # a line to stop at once every client waits


async def client(client_id, inbox):
    nickname = "guest-%d" % client_id
    history = []
    while True:
        message = await inbox.get()
        history.append(message)


async def room(name, members):
    await asyncio.gather(*members)


async def main(count):
    inboxes = [asyncio.Queue() for _ in range(count)]
    clients = [asyncio.create_task(client(i, inbox), name="client-%d" % i) for i, inbox in enumerate(inboxes)]
    rooms = [asyncio.create_task(room("room-%d" % r, clients[r::100]), name="room-%d" % r) for r in range(100)]
    await asyncio.sleep(0.1)  # every client reaches its inbox.get()
    all_connected(len(clients))
    await asyncio.gather(*rooms)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
