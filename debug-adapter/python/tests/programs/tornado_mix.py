"""Tornado: @gen.coroutine and native coroutines awaiting each other, tornado.locks and queues,
and an AsyncHTTPClient request to a local HTTPServer whose handler waits. Stops at checkpoint()."""
import asyncio
import datetime
import os
import sys

from tornado import gen, httpclient, httpserver, locks, netutil, queues, web

LOCK = locks.Lock()
EVENT = locks.Event()
CONDITION = locks.Condition()
QUEUE = queues.Queue()
RELEASE = locks.Event()
KEEP = []  # strong references: a pending task that only a cycle holds may be collected


def checkpoint():
    pass


@gen.coroutine
def gen_leaf():
    yield gen.sleep(30)


async def native_leaf():
    await asyncio.sleep(30)


@gen.coroutine
def gen_calls_native():
    yield native_leaf()


async def native_awaits_gen():
    await gen_leaf()


@gen.coroutine
def gen_awaits_gen():
    yield gen_leaf()


@gen.coroutine
def gen_multi():
    yield [gen_leaf(), gen_leaf()]  # gen.multi of two runners' futures


@gen.coroutine
def gen_with_timeout():
    yield gen.with_timeout(datetime.timedelta(seconds=20), gen_leaf())


async def lock_waiter():
    async with LOCK:
        pass


async def event_waiter():
    await EVENT.wait()


async def condition_waiter():
    await CONDITION.wait()


async def queue_getter():
    await QUEUE.get()


class SlowHandler(web.RequestHandler):
    async def get(self):
        await RELEASE.wait()
        self.write('done')


async def fetcher(port):
    await httpclient.AsyncHTTPClient().fetch('http://127.0.0.1:%d/' % port)


async def main():
    sockets = netutil.bind_sockets(0, '127.0.0.1')
    server = httpserver.HTTPServer(web.Application([('/', SlowHandler)]))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    await LOCK.acquire()
    KEEP.append(asyncio.ensure_future(gen_calls_native()))
    KEEP.append(asyncio.create_task(native_awaits_gen(), name='native-awaits-gen'))
    KEEP.append(asyncio.ensure_future(gen_awaits_gen()))
    KEEP.append(asyncio.ensure_future(gen_multi()))
    KEEP.append(asyncio.ensure_future(gen_with_timeout()))
    KEEP.append(asyncio.create_task(lock_waiter(), name='tornado-lock-waiter'))
    KEEP.append(asyncio.create_task(event_waiter(), name='tornado-event-waiter'))
    KEEP.append(asyncio.create_task(condition_waiter(), name='tornado-condition-waiter'))
    KEEP.append(asyncio.create_task(queue_getter(), name='tornado-queue-getter'))
    KEEP.append(asyncio.create_task(fetcher(port), name='http-fetcher'))
    await asyncio.sleep(0.3)
    checkpoint()  # CHECKPOINT
    sys.stdout.flush()
    os._exit(0)


asyncio.run(main())
