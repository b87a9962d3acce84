"""Times %%sql cells in two real kernels the same way, client side: execute_request sent -> the kernel's idle.

Reads one JSON object on stdin:
  {"kernels": {"NAME": {"kernel": KERNELSPEC, "setup": [CODE…], "cell": "TEMPLATE with {sql}"}},
   "queries": [{"name": str, "sql": str}], "repeats": int, "warmup": int}
Both kernels start, run their set-up cells, then for each query each kernel runs `warmup` cells untimed and
`repeats` timed cells, the kernels taking turns cell by cell so that the machine's load falls on both alike.
Prints one JSON line per timed cell: {"kernel", "query", "ms", "first_ms", "status"}, where first_ms is when the
first output holding a table reached the client (rows on screen: StreamLink's table output, which JupyterLab draws
and which comes first, while it runs, for a long query; JupySQL's DataFrame as HTML); a failed cell stops the run.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

# What StreamLink's extension draws a result from (core/output.ts); its text/html is a <pre> text table for exports.
TABLE_MIME = "application/vnd.streamlink.table+json"


def run_cell(kc, code, timeout=600):
    """Sends one cell; returns (ms until the kernel reported idle for it, ms until the first table, status, error)."""
    started = time.perf_counter()
    msg_id = kc.execute(code, store_history=True)
    status, error, first = None, "", None
    idle = False
    while not idle:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        data = msg["content"].get("data", {})
        if first is None and (TABLE_MIME in data or "<table" in str(data.get("text/html", ""))):
            first = (time.perf_counter() - started) * 1000
        if msg["msg_type"] == "error":
            error = f'{msg["content"]["ename"]}: {msg["content"]["evalue"]}'
        idle = msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
    elapsed = (time.perf_counter() - started) * 1000
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    status = reply["content"]["status"]
    return elapsed, first, status, error


def main():
    plan = json.load(sys.stdin)
    clients = {}
    try:
        for name, spec in plan["kernels"].items():
            km, kc = start_new_kernel(kernel_name=spec["kernel"], cwd=spec.get("cwd", "."))
            clients[name] = (km, kc)
            for code in spec["setup"]:
                _, _, status, error = run_cell(kc, code)
                if status != "ok":
                    raise SystemExit(f"{name}: set-up cell failed: {error}\n{code}")
        for query in plan["queries"]:
            cells = {name: spec["cell"].replace("{sql}", query["sql"]) for name, spec in plan["kernels"].items()}
            for _ in range(plan["warmup"]):
                for name, (_, kc) in clients.items():
                    run_cell(kc, cells[name])
            for _ in range(plan["repeats"]):
                for name, (_, kc) in clients.items():
                    ms, first, status, error = run_cell(kc, cells[name])
                    if status != "ok":
                        raise SystemExit(f"{name}: {query['name']} failed: {error}")
                    print(json.dumps({"kernel": name, "query": query["name"], "ms": ms, "first_ms": first, "status": status}), flush=True)
    finally:
        for km, kc in clients.values():
            kc.stop_channels()
            km.shutdown_kernel(now=True)


main()
