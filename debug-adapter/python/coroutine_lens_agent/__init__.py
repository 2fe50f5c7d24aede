"""Coroutine Lens agent: runs inside the debuggee, speaks agentProtocol to the debug adapter.
Standard library only. Entry point: ``python <dir>/coroutine_lens_agent --connect HOST:PORT -- program``
(see launcher.py)."""
from .bytecode import keep_own_bytecode as _keep_own_bytecode

_keep_own_bytecode(__path__)
