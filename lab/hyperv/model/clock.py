"""Simulated time: wall clock times a factor, plus explicit jumps (the lab's advance hook)."""
import threading
import time


class SimClock:
    def __init__(self, sim_now=None, factor=1.0):
        self._lock = threading.Lock()
        self.factor = float(factor)
        self._anchor_wall = time.time()
        self._anchor_sim = float(sim_now) if sim_now is not None else self._anchor_wall

    def now(self):
        with self._lock:
            return self._anchor_sim + (time.time() - self._anchor_wall) * self.factor

    def advance(self, seconds):
        with self._lock:
            self._anchor_sim += float(seconds)

    def set_factor(self, factor):
        with self._lock:
            wall = time.time()
            self._anchor_sim += (wall - self._anchor_wall) * self.factor
            self._anchor_wall = wall
            self.factor = float(factor)

    def snapshot(self):
        return {"sim": self.now(), "factor": self.factor}
