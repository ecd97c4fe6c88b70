"""Benchmark probe, only for bench/: counts vCenter (SOAP) method calls and records peak RSS per process.

Put bench/hook on PYTHONPATH and set VMDR_BENCH_PROBE=/path/file.jsonl. Every Python process that loads
pyVmomi (the Ansible module process, the limit script) then appends one JSON line at exit:
{"pid", "argv", "calls": {method: n}, "total", "maxrss_kb", "cpu_s", "wall_s"}. Nothing here ships in the collection.
"""
import os
import sys

_OUT = os.environ.get("VMDR_BENCH_PROBE")


def _install():
    import atexit
    import time
    began = time.time()
    import importlib.abc
    import json
    import resource
    import threading

    counts = {}
    lock = threading.Lock()
    state = {"patched": False}

    def patch(module):
        cls = getattr(module, "SoapStubAdapter", None)
        if cls is None or state["patched"]:
            return
        original = cls.InvokeMethod

        def InvokeMethod(self, mo, info, args, *rest, **kw):
            name = getattr(info, "wsdlName", None) or getattr(info, "name", "?")
            with lock:
                counts[name] = counts.get(name, 0) + 1
            return original(self, mo, info, args, *rest, **kw)

        cls.InvokeMethod = InvokeMethod
        state["patched"] = True

    class Finder(importlib.abc.MetaPathFinder):
        def find_spec(self, fullname, path, target=None):
            if fullname != "pyVmomi.SoapAdapter":
                return None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None and spec.loader is not None:
                    loader = spec.loader
                    exec_module = loader.exec_module

                    def exec_and_patch(module, _exec=exec_module):
                        _exec(module)
                        patch(module)

                    loader.exec_module = exec_and_patch
                    return spec
            return None

    sys.meta_path.insert(0, Finder())
    profile_dir = os.environ.get("VMDR_BENCH_PROFILE")
    profiler = None
    if profile_dir:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()

    def dump():
        if not state["patched"]:
            return
        with lock:
            calls = dict(counts)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, "module-%d.prof" % os.getpid()))
        usage = resource.getrusage(resource.RUSAGE_SELF)
        row = {"pid": os.getpid(), "argv": sys.argv[:2], "calls": calls, "total": sum(calls.values()),
               "maxrss_kb": usage.ru_maxrss, "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
               "wall_s": round(time.time() - began, 2)}
        with open(_OUT, "a") as handle:
            handle.write(json.dumps(row) + "\n")

    atexit.register(dump)


if _OUT:
    _install()
