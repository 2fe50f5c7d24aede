"""Which files just-my-code counts as library code, seen from a real virtual environment created in
a project folder (`python -m venv .`): the standard library and site-packages are library code,
the project's own folders are not, even one named `lib` in the venv's prefix."""
import os
import subprocess
import sys
import tempfile
import unittest

AGENT_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PROBE = """
import os, sys, sysconfig, json
sys.path.insert(0, sys.argv[1])
from coroutine_lens_agent import filters
names = {'project lib': os.path.join(sys.prefix, 'lib', 'app.py'),
         'project src': os.path.join(sys.prefix, 'src', 'app.py'),
         'stdlib': os.__file__}
names.update((name, os.path.join(sysconfig.get_paths()[name], 'x.py'))
             for name in ('stdlib', 'platstdlib', 'purelib', 'platlib'))
print(json.dumps({name: filters.is_library(path) for name, path in names.items()}))
"""


class LibraryRoots(unittest.TestCase):
    def test_a_venv_in_a_project_folder(self):
        import json
        with tempfile.TemporaryDirectory() as project:
            subprocess.run([sys.executable, '-m', 'venv', '--without-pip', project], check=True)
            os.makedirs(os.path.join(project, 'lib'), exist_ok=True)
            python = os.path.join(project, 'Scripts' if os.name == 'nt' else 'bin', 'python')
            result = subprocess.run([python, '-c', PROBE, AGENT_PARENT], check=True,
                                    capture_output=True, text=True, cwd=project)
        found = json.loads(result.stdout)
        self.assertEqual(found, {'project lib': os.name == 'nt', 'project src': False, 'stdlib': True,
                                 'platstdlib': True, 'purelib': True, 'platlib': True})


if __name__ == '__main__':
    unittest.main()
