"""The program sees its own stack as under plain `python`: no agent function's frame below its
module's — only the agent's `__main__` module frame (the adapter runs it as a script for a script,
as a folder, with runpy's frames below, for a module, folder or zip archive) — and it recurses
exactly as deep and reads the same recursion limit."""
import json
import os
import re
import shutil
import tempfile
import unittest

from tests.agent_client import AgentClient, program, run_plain

AGENT_MODULE_FRAME = re.compile(r'  File ".*coroutine_lens_agent[/\\]__main__\.py", line \d+, in <module>\n')


def seen(args, cwd, under_agent):
    if under_agent:
        client = AgentClient(args, cwd=cwd)
        client.start()
        result = client.finish()
    else:
        result = run_plain(args, cwd=cwd)
    code, out, err = result
    if code != 0:
        raise AssertionError('%s failed: %r' % (args, result))
    return json.loads(out)


class ProgramSeesItsOwnStack(unittest.TestCase):
    def setUp(self):
        self.cwd = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.cwd)
        os.mkdir(os.path.join(self.cwd, 'pkg'))
        open(os.path.join(self.cwd, 'pkg', '__init__.py'), 'w').close()
        shutil.copy(program('stack_view.py'), os.path.join(self.cwd, 'pkg', 'view.py'))
        shutil.copy(program('stack_view.py'), os.path.join(self.cwd, 'view.py'))

    def assert_same_recursion(self, agent, plain):
        for key in ('depth', 'limit', 'depth_at_300', 'limit_after_set'):
            self.assertEqual(agent[key], plain[key], key)

    def test_module_or_folder_only_the_agent_module_frame_is_added(self):
        os.mkdir(os.path.join(self.cwd, 'app'))
        shutil.copy(program('stack_view.py'), os.path.join(self.cwd, 'app', '__main__.py'))
        for args in (['-m', 'pkg.view'], ['app']):
            plain = seen(args, self.cwd, under_agent=False)
            agent = seen(args, self.cwd, under_agent=True)
            runpy_frames, module_frame = plain['stack'][:-1], plain['stack'][-1]
            self.assertEqual(len(runpy_frames), 2, args)
            self.assertEqual(agent['stack'][:2], runpy_frames, args)
            self.assertRegex(agent['stack'][2], AGENT_MODULE_FRAME)
            self.assertEqual(agent['stack'][3:], [module_frame], args)
            self.assertEqual(agent['inspect'], plain['inspect'] + 1, args)
            self.assert_same_recursion(agent, plain)

    def test_script_only_the_agent_module_frame_is_added(self):
        # started as the adapter starts a script: the agent's __main__.py run as a script (no runpy)
        plain = seen(['view.py'], self.cwd, under_agent=False)
        agent = seen(['view.py'], self.cwd, under_agent=True)
        self.assertRegex(agent['stack'][0], AGENT_MODULE_FRAME)
        self.assertEqual(agent['stack'][1:], plain['stack'])
        self.assertEqual(agent['inspect'], plain['inspect'] + 1)
        self.assert_same_recursion(agent, plain)

    def test_the_recursion_limit_reads_sets_and_fails_as_under_plain_python(self):
        client = AgentClient([program('recursion_limit_use.py')])
        client.start()
        agent = client.finish()
        plain = run_plain([program('recursion_limit_use.py')])
        self.assertEqual(agent, plain)
        self.assertIn('cannot set the recursion limit to 40', agent[1])

    def test_uncaught_errors_of_a_module_print_runpy_frames_as_python_does(self):
        shutil.copy(program('crash.py'), os.path.join(self.cwd, 'pkg', 'crash.py'))
        os.mkdir(os.path.join(self.cwd, 'broken'))
        with open(os.path.join(self.cwd, 'broken', '__init__.py'), 'w') as init:
            init.write('raise ValueError("the package fails")\n')
        open(os.path.join(self.cwd, 'broken', 'tool.py'), 'w').close()
        with open(os.path.join(self.cwd, 'pkg', 'bad.py'), 'w') as bad:
            bad.write('def (\n')
        for module in ('pkg.crash', 'broken.tool', 'pkg.bad', 'pkg.missing'):
            client = AgentClient(['-m', module], cwd=self.cwd)
            client.start()
            agent = client.finish()
            plain = run_plain(['-m', module], cwd=self.cwd)
            self.assertEqual(agent, plain, module)
            self.assertEqual(agent[0], 1, module)


if __name__ == '__main__':
    unittest.main()
