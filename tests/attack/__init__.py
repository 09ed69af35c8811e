"""The bad-input attack on the public API (issue 14): one registry of valid calls per subpackage,
mutated parameter by parameter by :mod:`engine`.  Used by ``tests/test_bad_inputs.py`` (every case
must give a clear error) and by ``tools/attack_api.py`` (counts, each case in a watchdog process)."""
