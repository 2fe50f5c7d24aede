"""Debuggee fidelity: real programs give byte-identical stdout, stderr and exit codes run plainly and
run under the agent (launched with --connect to a test adapter that configures it and lets it run)."""
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from tests.agent_client import AgentClient

PROGRAMS = {
    'asyncio_mix.py': '''
        import asyncio, sys

        async def worker(n):
            await asyncio.sleep(0.001 * (5 - n))
            if n == 3:
                raise ValueError('worker %d failed' % n)
            print('worker', n, 'done')
            return n * n

        async def main():
            results = await asyncio.gather(*(worker(n) for n in range(5)), return_exceptions=True)
            print('results', results)
            queue = asyncio.Queue()
            async def produce():
                for i in range(20):
                    await queue.put(i)
                await queue.put(None)
            async def consume():
                total = 0
                while (item := await queue.get()) is not None:
                    total += item
                return total
            _, total = await asyncio.gather(produce(), consume())
            print('total', total)
            try:
                await asyncio.wait_for(asyncio.sleep(10), 0.01)
            except asyncio.TimeoutError:
                print('timed out as expected')
            sys.stderr.write('to stderr\\n')
            for i in range(2000):
                print('unflushed line', i)

        asyncio.run(main())
        sys.exit(3)
    ''',
    'tornado_server_client.py': '''
        import asyncio, sys
        from tornado import gen, httpclient, web
        from tornado.httpserver import HTTPServer
        from tornado.netutil import bind_sockets

        class Hello(web.RequestHandler):
            async def get(self, name):
                await asyncio.sleep(0.001)
                self.write('hello %s' % name)

        class Old(web.RequestHandler):
            @gen.coroutine
            def get(self):
                yield gen.sleep(0.001)
                self.write('old style')

        async def main():
            app = web.Application([(r'/hello/(\\w+)', Hello), (r'/old', Old)], log_function=lambda handler: None)
            sockets = bind_sockets(0, '127.0.0.1')
            port = sockets[0].getsockname()[1]
            server = HTTPServer(app)
            server.add_sockets(sockets)
            client = httpclient.AsyncHTTPClient()
            for name in ('a', 'b', 'c'):
                response = await client.fetch('http://127.0.0.1:%d/hello/%s' % (port, name))
                print(response.code, response.body.decode())
            responses = await asyncio.gather(*(client.fetch('http://127.0.0.1:%d/old' % port) for _ in range(5)))
            print([r.body.decode() for r in responses])
            try:
                await client.fetch('http://127.0.0.1:%d/missing' % port)
            except httpclient.HTTPClientError as error:
                print('error', error.code)
            server.stop()
            await server.close_all_connections()

        asyncio.run(main())
    ''',
    'threads.py': '''
        import threading, queue, sys
        from concurrent.futures import ThreadPoolExecutor

        results = queue.Queue()
        def work(n):
            total = sum(i * i for i in range(20000 + n))
            results.put((n, total))
            return total

        threads = [threading.Thread(target=work, args=(n,), name='w%d' % n) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print(sorted(results.get() for _ in range(6)))
        with ThreadPoolExecutor(4) as pool:
            print(list(pool.map(work, range(8))))
        def crash():
            raise RuntimeError('thread crashed')
        t = threading.Thread(target=crash, name='crasher')
        t.start(); t.join()
        print('after crash')
        sys.exit(0)
    ''',
    'subprocesses.py': '''
        import asyncio, os, subprocess, sys
        print('parent', flush=True)
        done = subprocess.run([sys.executable, '-c', 'import sys; print("child out"); sys.stderr.write("child err\\\\n"); sys.exit(7)'],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        print('child exit', done.returncode, done.stdout.decode().strip(), done.stderr.decode().strip())
        inherited = subprocess.call([sys.executable, '-c', 'print("inherited stdout")'])
        print('inherited exit', inherited, flush=True)

        async def main():
            process = await asyncio.create_subprocess_exec(sys.executable, '-c', 'print(input()[::-1])',
                                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            out, _ = await process.communicate(b'stressed\\n')
            print('async child', process.returncode, out.decode().strip())
        asyncio.run(main())
        sys.exit(4)
    ''',
    'fork.py': '''
        import os, sys
        print('parent', flush=True)
        pid = os.fork()
        if pid == 0:
            print('forked child', flush=True)
            os._exit(9)
        _, status = os.waitpid(pid, 0)
        print('fork exit', os.WEXITSTATUS(status), flush=True)
    ''',
    'uncaught.py': '''
        import asyncio

        async def inner():
            await asyncio.sleep(0)
            raise KeyError('missing')

        async def outer():
            await inner()

        print('before')
        asyncio.run(outer())
    ''',
    'exit_message.py': '''
        import atexit, sys
        atexit.register(lambda: print('atexit ran'))
        print('exiting with a message')
        sys.exit('fatal: something went wrong')
    ''',
    'uvloop_app.py': '''
        import asyncio, sys
        import uvloop

        async def main():
            results = await asyncio.gather(*(asyncio.sleep(0.001, result=n) for n in range(10)))
            print('uvloop', results)
            reader, writer = await asyncio.open_connection(*(await start()))
            writer.write(b'ping\\n'); await writer.drain()
            print((await reader.readline()).decode().strip())
            writer.close()

        async def start():
            async def echo(reader, writer):
                writer.write((await reader.readline()).upper()); await writer.drain(); writer.close()
            server = await asyncio.start_server(echo, '127.0.0.1', 0)
            return server.sockets[0].getsockname()[:2]

        uvloop.install()
        asyncio.run(main())
        sys.exit(2)
    ''',
}


def importable(module):
    return subprocess.run([sys.executable, '-c', 'import %s' % module], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


class FidelityTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix='coroutine-lens-fidelity-')
        for name, source in PROGRAMS.items():
            with open(os.path.join(cls.dir, name), 'w') as handle:
                handle.write(textwrap.dedent(source).lstrip())

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, True)

    def plain(self, name):
        env = dict(os.environ)
        env.pop('PYTHONPATH', None)
        run = subprocess.run([sys.executable, os.path.join(self.dir, name)], cwd=self.dir, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        return run.returncode, run.stdout, run.stderr

    def under_agent(self, name):
        client = AgentClient([os.path.join(self.dir, name)], cwd=self.dir)
        client.start()
        try:
            out, err = client.process.communicate(timeout=60)
        finally:
            client.close()
        return client.process.returncode, out, err

    def assert_identical(self, name):
        plain = self.plain(name)
        agent = self.under_agent(name)
        self.assertEqual(agent[0], plain[0], 'exit code of %s' % name)
        self.assertEqual(agent[1], plain[1], 'stdout of %s' % name)
        self.assertEqual(agent[2], plain[2], 'stderr of %s' % name)
        return plain

    def test_asyncio(self):
        code, out, _ = self.assert_identical('asyncio_mix.py')
        self.assertEqual(code, 3)
        self.assertIn(b'unflushed line 1999\n', out)

    @unittest.skipUnless(importable('tornado'), 'tornado is not installed in this interpreter')
    def test_tornado_server_and_client(self):
        code, out, _ = self.assert_identical('tornado_server_client.py')
        self.assertEqual(code, 0)
        self.assertIn(b'200 hello c', out)

    def test_threads(self):
        code, _, err = self.assert_identical('threads.py')
        self.assertIn(b'RuntimeError: thread crashed', err)

    def test_subprocesses(self):
        code, out, _ = self.assert_identical('subprocesses.py')
        self.assertEqual(code, 4)
        self.assertIn(b'child exit 7 child out child err', out)

    # On 3.12+ the agent's own threads would make os.fork() in a single-threaded program warn
    # "This process (pid=…) is multi-threaded …"; fork_support.py keeps it as quiet as plain Python.
    @unittest.skipUnless(hasattr(os, 'fork'), 'no os.fork on this platform')
    def test_fork(self):
        code, out, _ = self.assert_identical('fork.py')
        self.assertIn(b'fork exit 9', out)

    def test_uncaught_exception_traceback(self):
        code, _, err = self.assert_identical('uncaught.py')
        self.assertEqual(code, 1)
        self.assertIn(b"KeyError: 'missing'", err)

    def test_exit_with_message(self):
        code, out, err = self.assert_identical('exit_message.py')
        self.assertEqual((code, err), (1, b'fatal: something went wrong\n'))
        self.assertIn(b'atexit ran', out)

    @unittest.skipUnless(importable('uvloop'), 'uvloop is not installed in this interpreter: the uvloop fidelity case is skipped')
    def test_uvloop(self):
        code, out, _ = self.assert_identical('uvloop_app.py')
        self.assertEqual(code, 2)
        self.assertIn(b'PING', out)


if __name__ == '__main__':
    unittest.main()
