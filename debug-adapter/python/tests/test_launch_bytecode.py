"""Under PYTHONDONTWRITEBYTECODE the agent keeps its own modules' bytecode in its own folder (so a
second start does not compile them again) while the program still sees, and gets, no bytecode
writing; a folder that cannot be written, and a pycache prefix, leave everything as before."""
import glob
import json
import os
import shutil
import tempfile
import unittest

from tests.agent_client import AGENT_DIR, AgentClient

PROBE = '''
import json
import sys

import helper

filters = sys.modules['coroutine_lens_agent.filters']
print(json.dumps({'dont_write': sys.dont_write_bytecode, 'flag': sys.flags.dont_write_bytecode,
                  'prefix': sys.pycache_prefix, 'helper': helper.VALUE,
                  'probe': getattr(filters, 'BYTECODE_PROBE', None)}))
'''
EXPECTED = {'dont_write': True, 'flag': 1, 'prefix': None, 'helper': 42, 'probe': None}


class AgentBytecode(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.root)
        self.agent = os.path.join(self.root, 'ext', 'coroutine_lens_agent')
        os.makedirs(self.agent)
        for source in glob.glob(os.path.join(AGENT_DIR, '*.py')):  # as the VSIX ships it: sources only
            shutil.copy(source, self.agent)
        self.cache = os.path.join(self.agent, '__pycache__')
        self.program_dir = os.path.join(self.root, 'program')
        os.makedirs(self.program_dir)
        with open(os.path.join(self.program_dir, 'probe.py'), 'w') as probe:
            probe.write(PROBE)
        with open(os.path.join(self.program_dir, 'helper.py'), 'w') as helper:
            helper.write('VALUE = 42\n')

    def run_probe(self, **env):
        client = AgentClient([os.path.join(self.program_dir, 'probe.py')], env=dict({'PYTHONDONTWRITEBYTECODE': '1'}, **env),
                             agent_dir=self.agent)
        client.start()
        code, out, err = client.finish()
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(os.listdir(self.program_dir)), ['helper.py', 'probe.py'])  # its imports wrote nothing
        return json.loads(out)

    def cached_files(self):
        """{pyc name: (inode, mtime)}: a rewritten file is a new one (written aside, renamed over)."""
        return {name: (os.stat(os.path.join(self.cache, name)).st_ino, os.stat(os.path.join(self.cache, name)).st_mtime_ns)
                for name in os.listdir(self.cache)}

    def test_a_second_start_reads_the_bytecode_the_first_wrote(self):
        self.assertEqual(self.run_probe(), EXPECTED)
        first = self.cached_files()
        for module in ('launcher', 'runtime', 'debugger', 'creations', 'filters'):
            pyc = [name for name in first if name.startswith(module + '.')]
            self.assertEqual(len(pyc), 1, sorted(first))
            with open(os.path.join(self.cache, pyc[0]), 'rb') as cached:
                self.assertEqual(int.from_bytes(cached.read(8)[4:], 'little'), 0b11)  # checked-hash
        self.assertFalse([name for name in first if not name.endswith('.pyc')])
        self.assertEqual(self.run_probe(), EXPECTED)
        self.assertEqual(self.cached_files(), first)  # loaded, not compiled and written again

    def test_an_edited_module_runs_as_edited(self):
        self.run_probe()
        before = self.cached_files()
        with open(os.path.join(self.agent, 'filters.py'), 'a') as filters:
            filters.write("\nBYTECODE_PROBE = 'edited'\n")
        self.assertEqual(self.run_probe(), dict(EXPECTED, probe='edited'))
        after = self.cached_files()
        changed = sorted(name for name in after if after[name] != before.get(name))
        self.assertEqual([name.split('.')[0] for name in changed], ['filters'])

    def test_a_folder_that_cannot_be_written_still_works(self):
        with open(self.cache, 'w'):  # a file where the cache folder would go: nothing can be written
            pass
        self.assertEqual(self.run_probe(), EXPECTED)
        self.assertEqual(self.run_probe(), EXPECTED)
        self.assertEqual(sorted(os.listdir(self.agent)), sorted(['__pycache__'] + [os.path.basename(p) for p in glob.glob(os.path.join(AGENT_DIR, '*.py'))]))

    def test_with_a_pycache_prefix_nothing_is_written(self):
        prefix = os.path.join(self.root, 'prefix')
        self.assertEqual(self.run_probe(PYTHONPYCACHEPREFIX=prefix), dict(EXPECTED, prefix=prefix))
        self.assertFalse(os.path.exists(self.cache))
        self.assertFalse(os.path.exists(prefix))


if __name__ == '__main__':
    unittest.main()
