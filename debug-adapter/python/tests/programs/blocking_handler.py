"""A Tornado handler that blocks its loop with time.sleep(0.3); a client requests it once."""
import asyncio
import os
import time

from tornado import httpclient, httpserver, netutil, web


class BlockingHandler(web.RequestHandler):
    def get(self):
        time.sleep(0.3)  # BLOCKS
        self.write('slept')


async def main():
    sockets = netutil.bind_sockets(0, '127.0.0.1')
    server = httpserver.HTTPServer(web.Application([('/', BlockingHandler)]))
    server.add_sockets(sockets)
    port = sockets[0].getsockname()[1]
    response = await httpclient.AsyncHTTPClient().fetch('http://127.0.0.1:%d/' % port)
    print(response.body.decode())
    await asyncio.sleep(0.3)  # let the watchdog report the end of the block
    server.stop()


asyncio.run(main())
