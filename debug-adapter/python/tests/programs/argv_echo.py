import json
import os
import sys

print(json.dumps({'argv': sys.argv, 'path0': sys.path[0], 'name': __name__, 'file': __file__,
                  'cwd': os.getcwd(), 'spec': __spec__ is None, 'main': sys.modules['__main__'].__dict__ is globals(),
                  'token': os.environ.get('COROUTINE_LENS_TOKEN')}))
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
