"""DR lab for vmdr.replication: simulated sites for tests and demos (never shipped).

Modules inside this package import each other relatively, so tests can load it
under another name when a test package is also called ``lab``.
"""
