"""A Tornado app mixing @gen.coroutine and native coroutines (see examples/README.md).

Run it and it serves on 127.0.0.1:8765, then requests its own pages once and exits.
"""
import asyncio
import time

from tornado import gen, httpclient, web


class HealthHandler(web.RequestHandler):
    async def get(self):
        await asyncio.sleep(0.01)
        self.write("ok")


class ReportHandler(web.RequestHandler):
    @gen.coroutine
    def get(self):
        summary = yield build_summary()
        self.write(summary)


class SlowHandler(web.RequestHandler):
    async def get(self):
        time.sleep(0.5)  # blocks the event loop: every other request waits
        self.write("slow")


class ProxyHandler(web.RequestHandler):
    async def get(self):
        client = httpclient.HTTPClient()  # Tornado's synchronous client
        response = client.fetch("http://127.0.0.1:8765/health")
        self.write(response.body)


@gen.coroutine
def build_summary():
    yield gen.sleep(0.05)
    count = yield count_items()
    return "items: %d" % count


async def count_items():
    await asyncio.sleep(0.05)
    return 42


def make_app():
    return web.Application([
        (r"/health", HealthHandler),
        (r"/report", ReportHandler),
        (r"/slow", SlowHandler),
        (r"/proxy", ProxyHandler),
    ])


async def main():
    app = make_app()
    server = app.listen(8765, address="127.0.0.1")
    client = httpclient.AsyncHTTPClient()
    for path in ("/health", "/report", "/slow"):
        response = await client.fetch("http://127.0.0.1:8765" + path)
        print(path, response.body.decode())
    server.stop()


if __name__ == "__main__":
    asyncio.run(main())
