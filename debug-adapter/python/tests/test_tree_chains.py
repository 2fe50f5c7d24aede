"""The suspension tree's chains through the real protocol for every shape the capture's quick read
of the usual one- and two-coroutine chains (tree.py, _collect_tasks) must either leave to the
general walk (chains.coroutine_chain) or read the same: an async generator's asend, a
types.coroutine generator, an awaitable whose iterator is its own object, three coroutines deep,
a task never stepped. Two tasks of each shape: the second is read after the first taught the
capture where such chains end."""
import unittest

from tests.agent_client import frame_names, tasks_by_name
from tests.test_tree import stopped_at_checkpoint, tree_of

EXPECTED = {
    'asend': ['consume_ticks', 'ticks', 'sleep'],
    'coroutine-then-asend': ['via_consumer', 'consume_ticks', 'ticks', 'sleep'],
    'generator-based': ['awaits_generator_based', 'generator_based', 'sleeper', 'sleep'],
    'custom': ['awaits_custom'],
    'coroutine-then-custom': ['via_custom', 'awaits_custom'],
    'three-deep': ['outer_of_three', 'via_custom', 'awaits_custom'],
    'not-started': ['sleeper'],
}


class ChainShapes(unittest.TestCase):
    def test_each_shape_s_frames_outermost_first(self):
        client = stopped_at_checkpoint(self, 'tree_chain_shapes.py')
        tasks = tasks_by_name(tree_of(client))
        for shape, frames in EXPECTED.items():
            for copy in range(2):
                task = tasks['%s-%d' % (shape, copy)]
                self.assertEqual(task['state'], 'suspended', task['name'])
                self.assertEqual(list(reversed(frame_names(task))), frames, task['name'])
