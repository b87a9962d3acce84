"""Fuzz driver: sends generated cells to a real streamlink kernel through jupyter_client, one after another, and
reports one JSON line per cell, then a summary line. Unlike test/kernel/driver.py it never gives up: a cell with no
reply within its limit is a hang (the kernel is interrupted, then restarted if still silent), a kernel that is gone
is a death (it is restarted), and both are counted, so that one run measures them all.

stdin: JSON list of {"code": str, "limit_s": float, "interrupt_after_s": float?}
stdout: {"i", "status", "seconds", "hung", "died", "error_ok"} per cell, then {"summary": {...}}
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def peak_rss_kb(km):
    """The kernel process's peak resident memory (VmHWM), 0 when unknown."""
    try:
        with open(f"/proc/{km.provisioner.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, AttributeError, TypeError):
        pass
    return 0


def cpu_seconds(km):
    """User and system CPU time of the kernel process: tells a busy kernel from one waiting on something."""
    try:
        with open(f"/proc/{km.provisioner.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / 100
    except (OSError, AttributeError, TypeError, IndexError, ValueError):
        return -1


def collect(kc, msg_id, buffer, timeout):
    """IOPub messages of one request until it is idle; messages of other requests wait in `buffer`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        messages = buffer.get(msg_id, [])
        if messages and messages[-1]["type"] == "status" and messages[-1]["content"]["execution_state"] == "idle":
            return buffer.pop(msg_id)
        try:
            msg = kc.get_iopub_msg(timeout=max(0.05, deadline - time.time()))
        except Exception:
            continue
        parent = msg["parent_header"].get("msg_id")
        buffer.setdefault(parent, []).append({"type": msg["msg_type"], "content": msg["content"]})
    return buffer.pop(msg_id, [])


def wait_reply(kc, msg_id, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            reply = kc.get_shell_msg(timeout=max(0.05, deadline - time.time()))
        except Exception:
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply
    return None


def error_ok(reply, iopub):
    """A failure is a proper Jupyter error: the reply and an IOPub `error` carry ename, evalue and a traceback."""
    content = reply["content"]
    fields = lambda c: isinstance(c.get("ename"), str) and c["ename"] != "" and isinstance(c.get("evalue"), str) and isinstance(c.get("traceback"), list)
    return fields(content) and any(m["type"] == "error" and fields(m["content"]) for m in iopub)


def main():
    cells = json.load(sys.stdin)
    cwd = sys.argv[1]
    km, kc = start_new_kernel(kernel_name="streamlink", cwd=cwd, startup_timeout=120)
    buffer = {}
    peak = 0
    deaths = hangs = 0

    def restart():
        nonlocal km, kc, buffer
        try:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        except Exception:
            pass
        km, kc = start_new_kernel(kernel_name="streamlink", cwd=cwd, startup_timeout=120)
        buffer = {}

    try:
        for i, cell in enumerate(cells):
            limit = cell["limit_s"]
            msg_id = kc.execute(cell["code"])
            started = time.time()
            if "interrupt_after_s" in cell:
                time.sleep(cell["interrupt_after_s"])
                km.interrupt_kernel()
            reply = wait_reply(kc, msg_id, limit - (time.time() - started))
            seconds = time.time() - started
            hung = reply is None
            if hung:
                hangs += 1
                cpu = cpu_seconds(km)
                km.interrupt_kernel()
                reply = wait_reply(kc, msg_id, 5)
                print(f"fuzz driver: no reply to cell {i} within {limit} s; kernel CPU {cpu} s, {cpu_seconds(km) - cpu:.2f} s more in the 5 s after an interrupt, then {'a reply' if reply else 'still none'}", file=sys.stderr, flush=True)
                if reply is None:
                    # What the kernel said meanwhile, on IOPub, for this cell and any other.
                    collect(kc, "none", buffer, 1)
                    for parent, messages in buffer.items():
                        said = [m["type"] + ":" + str(m["content"].get("text") or m["content"].get("evalue") or m["content"].get("execution_state") or "")[:300] for m in messages]
                        print(f"fuzz driver: IOPub for {'this cell' if parent == msg_id else parent}: {said}", file=sys.stderr, flush=True)
            iopub = collect(kc, msg_id, buffer, 10) if reply else []
            peak = max(peak, peak_rss_kb(km))
            died = not km.is_alive()
            status = reply["content"]["status"] if reply else "none"
            ok = error_ok(reply, iopub) if status == "error" else status == "ok"
            print(json.dumps({"i": i, "status": status, "seconds": round(seconds, 3), "hung": hung, "died": died,
                              "error_ok": ok, "ename": reply["content"].get("ename") if reply else None, "peak_rss_kb": peak}), flush=True)
            if died:
                deaths += 1
            if died or (hung and reply is None):
                restart()
        msg_id = kc.execute("1+1")
        reply = wait_reply(kc, msg_id, 60)
        iopub = collect(kc, msg_id, buffer, 10) if reply else []
        final = next((m["content"]["data"].get("text/plain") for m in iopub if m["type"] == "execute_result"), None)
        peak = max(peak, peak_rss_kb(km))
        print(json.dumps({"summary": {"final": final, "peak_rss_kb": peak, "deaths": deaths, "hangs": hangs}}), flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


main()
