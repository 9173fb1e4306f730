"""Runs one plan through the engine and returns its result lines by job id (shared by the bench scripts)."""
import json
import os
import subprocess
import tempfile

from kernel_bench import parse_cores


def run_engine_plan(engine, plan, env):
    """Writes `plan` to a temporary file, runs `engine run` on it (stderr dropped) and reads the results."""
    with tempfile.TemporaryDirectory() as d:
        pp, rp = os.path.join(d, "plan.json"), os.path.join(d, "results.jsonl")
        with open(pp, "w") as f:
            json.dump(plan, f)
        subprocess.run([engine, "run", pp, "--out", rp], check=True, env=env, stderr=subprocess.DEVNULL)
        with open(rp) as f:
            return {r["jobId"]: r for r in map(json.loads, f)}


def add_pocl_split_args(ap, rounds):
    """The arguments of a benchmark on a PoCL arrangement (default pocl-split's): OUT, the engine, the device's,
    driver's and CPU slice's cores, and the number of alternated rounds."""
    ap.add_argument("out")
    ap.add_argument("--engine", default="native/build/coexec-engine")
    ap.add_argument("--device-cores", default="0-6")
    ap.add_argument("--driver-core", type=int, default=7)
    ap.add_argument("--cpu-cores", default="8-15")
    ap.add_argument("--rounds", type=int, default=rounds)


def pocl_split_plan(a, jobs):
    """(environment, plan) for `jobs` on the arrangement parsed by add_pocl_split_args: PoCL's workers pinned one
    per device core (POCL_AFFINITY), as many as there are device cores."""
    device_cores, cpu_cores = parse_cores(a.device_cores), parse_cores(a.cpu_cores)
    env = dict(os.environ, POCL_AFFINITY="1",
               POCL_MAX_PTHREAD_COUNT=str(len(device_cores)), POCL_CPU_MAX_CU_NUM=str(len(device_cores)))
    plan = {"schemaVersion": 1, "device": {"deviceType": "cpu", "platformContains": "Portable"},
            "cpuAffinity": cpu_cores, "driverCore": a.driver_core, "deviceCores": device_cores, "jobs": jobs}
    return env, plan
