"""Runs one plan through the engine and returns its result lines by job id (shared by the bench scripts)."""
import json
import os
import subprocess
import tempfile


def run_engine_plan(engine, plan, env):
    """Writes `plan` to a temporary file, runs `engine run` on it (stderr dropped) and reads the results."""
    with tempfile.TemporaryDirectory() as d:
        pp, rp = os.path.join(d, "plan.json"), os.path.join(d, "results.jsonl")
        with open(pp, "w") as f:
            json.dump(plan, f)
        subprocess.run([engine, "run", pp, "--out", rp], check=True, env=env, stderr=subprocess.DEVNULL)
        with open(rp) as f:
            return {r["jobId"]: r for r in map(json.loads, f)}
