"""The program runs under the agent exactly as under plain `python`: argv, sys.path[0], __main__,
cwd, output and exit code; the token never reaches it; bad command lines fail clearly."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import zipfile

from tests.agent_client import AGENT_DIR, AgentClient, program, run_plain


class SameAsPlainPython(unittest.TestCase):
    def run_both(self, args, cwd=None):
        client = AgentClient(args, cwd=cwd)
        client.start()
        exited = client.wait_event('exited')
        code, out, err = client.finish()
        self.assertEqual(exited['exitCode'], code)
        return (code, out, err), run_plain(args, cwd=cwd)

    def test_script_sees_argv_path_main_cwd_and_exit_code(self):
        cwd = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, cwd)
        agent, plain = self.run_both([program('argv_echo.py'), '3', 'two words'], cwd=cwd)
        self.assertEqual(agent, plain)
        seen = json.loads(agent[1])
        self.assertEqual(seen['argv'][1:], ['3', 'two words'])
        self.assertEqual(seen['path0'], os.path.dirname(program('argv_echo.py')))
        self.assertIsNone(seen['token'])
        self.assertEqual(agent[0], 3)

    def test_relative_script_path(self):
        agent, plain = self.run_both(['argv_echo.py', '0'], cwd=os.path.dirname(program('argv_echo.py')))
        self.assertEqual(agent, plain)
        self.assertEqual(json.loads(agent[1])['argv'][0], 'argv_echo.py')

    def package_with_tool(self):
        """A temporary folder holding `pkg/tool.py` (argv_echo.py), for `-m pkg.tool`."""
        cwd = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, cwd)
        os.mkdir(os.path.join(cwd, 'pkg'))
        open(os.path.join(cwd, 'pkg', '__init__.py'), 'w').close()
        shutil.copy(program('argv_echo.py'), os.path.join(cwd, 'pkg', 'tool.py'))
        return cwd

    def test_module_mode(self):
        cwd = self.package_with_tool()
        agent, plain = self.run_both(['-m', 'pkg.tool', '4'], cwd=cwd)
        self.assertEqual(agent, plain)
        self.assertEqual(json.loads(agent[1])['path0'], os.path.realpath(cwd))

    def test_module_mode_as_the_adapter_passes_it(self):
        cwd = self.package_with_tool()
        client = AgentClient(['-m', 'pkg.tool', '--', '--flag', '0'], cwd=cwd)  # -m MODULE -- ARGS
        client.start()
        agent = client.finish()
        self.assertEqual(agent, run_plain(['-m', 'pkg.tool', '--flag', '0'], cwd=cwd))

    def test_uncaught_exception_prints_the_same_traceback(self):
        agent, plain = self.run_both([program('crash.py')])
        self.assertEqual(agent, plain)
        self.assertEqual(agent[0], 1)
        self.assertIn('ZeroDivisionError', agent[2])
        self.assertNotIn('coroutine_lens_agent', agent[2])

    def test_syntax_error(self):
        agent, plain = self.run_both([program('syntax_error.py')])
        self.assertEqual(agent, plain)
        self.assertEqual(agent[0], 1)

    def test_a_folder_or_zip_archive_runs_its_main_module(self):
        cwd = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, cwd)
        os.mkdir(os.path.join(cwd, 'app'))
        shutil.copy(program('argv_echo.py'), os.path.join(cwd, 'app', '__main__.py'))
        with zipfile.ZipFile(os.path.join(cwd, 'app.pyz'), 'w') as archive:
            archive.write(program('crash.py'), '__main__.py')
        for args in (['app', '5'], ['./app/', '0'], [os.path.join(cwd, 'app')], ['app.pyz']):
            agent, plain = self.run_both(args, cwd=cwd)
            self.assertEqual(agent, plain, args)
        self.assertEqual(json.loads(self.run_both(['app'], cwd=cwd)[0][1])['path0'], os.path.join(cwd, 'app'))

    @unittest.skipUnless(os.name == 'posix', 'Python ends itself with SIGINT only where signals exist')
    def test_uncaught_keyboard_interrupt_ends_the_program_by_sigint_as_python_does(self):
        client = AgentClient([program('interrupted.py')])
        client.start()
        exited = client.wait_event('exited')
        agent = client.finish()
        plain = run_plain([program('interrupted.py')])
        self.assertEqual(agent, plain)
        self.assertEqual(agent[0], -signal.SIGINT)
        self.assertEqual(agent[1], 'flushed at exit')
        self.assertEqual(exited['exitCode'], 128 + signal.SIGINT, 'as a shell and the adapter show a signal')

    def test_missing_script(self):
        missing = os.path.join(tempfile.gettempdir(), 'coroutine-lens-no-such-file.py')
        agent, plain = self.run_both([missing])
        self.assertEqual(agent, plain)
        self.assertEqual(agent[0], 2)


class CommandLine(unittest.TestCase):
    def run_agent(self, args, env=None):
        child_env = dict(os.environ, **(env or {}))
        return subprocess.run([sys.executable, AGENT_DIR] + args, capture_output=True, env=child_env, timeout=30)

    def test_refuses_any_interface_but_loopback(self):
        done = self.run_agent(['--connect', '0.0.0.0:9', program('argv_echo.py')], {'COROUTINE_LENS_TOKEN': 'x'})
        self.assertEqual(done.returncode, 2)
        self.assertIn(b'only 127.0.0.1 is allowed', done.stderr)

    def test_needs_a_token(self):
        env = dict(os.environ)
        env.pop('COROUTINE_LENS_TOKEN', None)
        done = subprocess.run([sys.executable, AGENT_DIR, '--connect', '127.0.0.1:9', program('argv_echo.py')],
                              capture_output=True, env=env, timeout=30)
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(b'no token', done.stderr)

    def test_unreachable_adapter_is_a_clear_error(self):
        import socket
        with socket.socket() as probe:
            probe.bind(('127.0.0.1', 0))
            port = probe.getsockname()[1]
        done = self.run_agent(['--connect', '127.0.0.1:%d' % port, program('argv_echo.py')], {'COROUTINE_LENS_TOKEN': 'x'})
        self.assertNotEqual(done.returncode, 0)
        self.assertIn(b'cannot reach the debug adapter', done.stderr)
        self.assertEqual(done.stdout, b'', 'the program must not run without its debugger')

    def test_needs_a_program(self):
        done = self.run_agent(['--connect', '127.0.0.1:9'], {'COROUTINE_LENS_TOKEN': 'x'})
        self.assertEqual(done.returncode, 2)
        self.assertIn(b'a program path or -m MODULE is required', done.stderr)


if __name__ == '__main__':
    unittest.main()
