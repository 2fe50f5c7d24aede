"""Coroutine Lens agent: runs inside the debuggee, speaks agentProtocol to the debug adapter.
Standard library only. Entry point: ``python <dir>/coroutine_lens_agent --connect HOST:PORT -- program``
(see launcher.py)."""
